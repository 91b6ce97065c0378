// One measured synth for `npm run bench`: the same path as `npm run synth` (runPlatform), then
// the process's peak memory. Config and output folder come from MLFLOW_PLATFORM_CONFIG / CDKTF_OUTDIR.
import { runPlatform } from '../stacks/app';

const code = runPlatform({ out: () => undefined });
console.log(JSON.stringify({ code, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
process.exitCode = code;
