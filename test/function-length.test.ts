import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Functions <= 100 lines in non-test code (developers' guide; issue 16): eslint.config.mjs enforces
 * `max-lines-per-function` for constructs/, stacks/, policy/, cli/ and main.ts. This runs ESLint on
 * probe texts (nothing is written), so a config change that stops enforcing it fails here.
 */
const ROOT = path.join(__dirname, '..');
const body = (lines: number) => `export function probe(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines)}  return n;\n}\n`;

const PROBES = [
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

function lintProbes(): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const probes = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const p of probes) {
      const [result] = await eslint.lintText(p.source, { filePath: p.file });
      out.push(result.messages.map((m) => m.ruleId));
    }
    console.log(JSON.stringify(out));
  `;
  const probes = PROBES.map((p) => ({ file: p.file, source: body(p.lines) }));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(probes)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[][];
}

describe('functions <= 100 lines (eslint.config.mjs max-lines-per-function)', () => {
  const results = lintProbes();
  it.each(PROBES.map((p, i) => [p.file, p.lines + 4, p.long ? 'rejects' : 'accepts', i] as const))('%s: a %i-line function: %s', (_file, _lines, _verb, i) => {
    expect(results[i]).toEqual(PROBES[i].long ? ['max-lines-per-function'] : []);
  });
});
