import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The layers (docs/architecture.md): constructs < stacks/config < policy < stacks (app, sections) < cli.
 * eslint.config.mjs forbids every upward import; this test runs ESLint on probe files placed in each
 * layer, so a config change that stops enforcing a layer fails here (and `npm run lint` fails on the code).
 */
const ROOT = path.join(__dirname, '..');

interface Probe {
  readonly file: string;
  readonly source: string;
  readonly upward: boolean;
}

const PROBES: readonly Probe[] = [
  { file: 'constructs/aws/probe.ts', source: "export { isProduction } from '../../stacks/config/production';\n", upward: true },
  { file: 'constructs/shared/probe.ts', source: "export { RULES } from '../../policy';\n", upward: true },
  { file: 'constructs/azure/probe.ts', source: "export { runPlatform } from '../../stacks/app';\n", upward: true },
  { file: 'constructs/aws/probe-ok.ts', source: "export { MAX_TAGS_PER_RESOURCE } from '../shared/tags';\n", upward: false },
  { file: 'stacks/config/probe.ts', source: "export { RULES } from '../../policy';\n", upward: true },
  { file: 'stacks/config/probe-app.ts', source: "export { runPlatform } from '../app';\n", upward: true },
  { file: 'stacks/config/probe-ok.ts', source: "export { MAX_TAGS_PER_RESOURCE } from '../../constructs/shared/tags';\n", upward: false },
  { file: 'policy/aws/probe.ts', source: "export { runPlatform } from '../../stacks/app';\n", upward: true },
  { file: 'policy/probe.ts', source: "export { costReport } from '../cli/cost/report';\n", upward: true },
  { file: 'policy/probe-ok.ts', source: "export { isProduction } from '../stacks/config/production';\n", upward: false },
  { file: 'stacks/sections/probe.ts', source: "export { costReport } from '../../cli/cost/report';\n", upward: true },
  { file: 'stacks/probe-ok.ts', source: "export { RULES } from '../policy';\n", upward: false },
  { file: 'cli/probe-ok.ts', source: "export { runPlatform } from '../stacks/app';\n", upward: false },
];

/** Runs ESLint once over every probe (text only: nothing is written) and returns the rule ids each one broke. */
function lintProbes(): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const probes = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const p of probes) {
      const [result] = await eslint.lintText(p.source, { filePath: p.file });
      out.push(result.messages.filter((m) => /Nothing imports upward/.test(m.message)).map((m) => m.ruleId));
    }
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(PROBES)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[][];
}

describe('layers: nothing imports upward (eslint.config.mjs)', () => {
  const results = lintProbes();
  it.each(PROBES.map((p, i) => [p.file, p.upward ? 'rejects' : 'accepts', p.source.trim(), i] as const))('%s %s %s', (_file, _verb, _source, i) => {
    expect(results[i]).toEqual(PROBES[i].upward ? ['no-restricted-imports'] : []);
  });
});
