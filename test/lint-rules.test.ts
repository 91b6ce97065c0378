import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The lint rules that hold the architecture, probed with texts (nothing is written) in ONE ESLint run,
 * so a config change that stops enforcing a rule fails here (and `npm run lint` fails on the code):
 * - the layers (docs/architecture.md): constructs < stacks/config < policy < stacks (app, sections) < cli;
 *   eslint.config.mjs forbids every upward import;
 * - functions <= 100 lines in non-test code (developers' guide; issue 16): `max-lines-per-function` for
 *   constructs/, stacks/, policy/, cli/ and main.ts, not for tests.
 */
const ROOT = path.join(__dirname, '..');

interface Probe {
  readonly file: string;
  readonly source: string;
  readonly upward: boolean;
}

const LAYER_PROBES: readonly Probe[] = [
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

const body = (lines: number) => `export function probe(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines)}  return n;\n}\n`;

const LENGTH_PROBES = [
  { file: 'constructs/aws/probe.ts', lines: 96, long: false },
  { file: 'constructs/aws/probe.ts', lines: 97, long: true },
  { file: 'constructs/shared/probe.ts', lines: 120, long: true },
  { file: 'stacks/sections/probe.ts', lines: 120, long: true },
  { file: 'stacks/config/probe.ts', lines: 120, long: true },
  { file: 'policy/aws/probe.ts', lines: 120, long: true },
  { file: 'cli/probe.ts', lines: 120, long: true },
  { file: 'main.ts', lines: 120, long: true },
  { file: 'test/probe.test.ts', lines: 120, long: false },
] as const;

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
}

/** Runs ESLint once over every probe and returns the messages of each. */
function lint(probes: readonly { readonly file: string; readonly source: string }[]): LintMessage[][] {
  const script = `
    import { ESLint } from 'eslint';
    const probes = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const p of probes) {
      const [result] = await eslint.lintText(p.source, { filePath: p.file });
      out.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
    }
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(probes)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as LintMessage[][];
}

const results = lint([...LAYER_PROBES, ...LENGTH_PROBES.map((p) => ({ file: p.file, source: body(p.lines) }))]);
const layerResults = results.slice(0, LAYER_PROBES.length);
const lengthResults = results.slice(LAYER_PROBES.length);

describe('layers: nothing imports upward (eslint.config.mjs)', () => {
  it.each(LAYER_PROBES.map((p, i) => [p.file, p.upward ? 'rejects' : 'accepts', p.source.trim(), i] as const))('%s %s %s', (_file, _verb, _source, i) => {
    const upward = layerResults[i].filter((m) => /Nothing imports upward/.test(m.message)).map((m) => m.ruleId);
    expect(upward).toEqual(LAYER_PROBES[i].upward ? ['no-restricted-imports'] : []);
  });
});

describe('functions <= 100 lines (eslint.config.mjs max-lines-per-function)', () => {
  it.each(LENGTH_PROBES.map((p, i) => [p.file, p.lines + 4, p.long ? 'rejects' : 'accepts', i] as const))('%s: a %i-line function: %s', (_file, _lines, _verb, i) => {
    expect(lengthResults[i].map((m) => m.ruleId)).toEqual(LENGTH_PROBES[i].long ? ['max-lines-per-function'] : []);
  });
});
