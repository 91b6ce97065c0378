// One measured synth for `npm run bench`: the same path as `npm run synth` (runPlatform), then
// the process's peak memory and CPU time (user + sys). Config and output folder come from MLFLOW_PLATFORM_CONFIG / CDKTF_OUTDIR.
import { runPlatform } from '../stacks/app';

const code = runPlatform({ out: () => undefined });
const usage = process.resourceUsage();
console.log(JSON.stringify({ code, maxRssMb: Math.round(usage.maxRSS / 1024), cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) }));
process.exitCode = code;
