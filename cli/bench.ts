/**
 * npm run bench [-- --runs N] [-- --skip-suite]: synth time and peak memory of generated
 * deployments of growing size, the CLI path for comparison, and the suite's own times; writes
 * BENCHMARKS.md. Medians of N runs (default 5), each in a fresh process, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'skip-suite': { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const ROOT = path.join(__dirname, '..');
/** The loader `npm run synth` uses. */
const LOADER = ['-r', './cli/register.js'];
/** BENCHMARKS.md keeps what follows this line (the profile, written by hand) across runs. */
const KEEP_MARKER = '<!-- kept by npm run bench: hand-written profile below -->';

interface Scenario {
  readonly family: string;
  readonly size: string;
  readonly yaml: string;
}

function databricksScenario(models: number): Scenario {
  const envs = ['dev', 'acc', 'preprod', 'prod']
    .map((e) => `    - name: ${e}\n      servicePrincipals:\n        - displayName: training-${e}\n        - applicationId: 00000000-0000-0000-0000-0000000000${String(10 + ['dev', 'acc', 'preprod', 'prod'].indexOf(e))}`)
    .join('\n');
  const list = Array.from({ length: models }, (_, i) => `model_${String(i).padStart(3, '0')}`).join(', ');
  return {
    family: 'Databricks governance, 4 environments',
    size: `${models} models`,
    yaml: `name: bench-dbx\nenvironment: prod\ndatabricks:\n  host: https://adb-1.1.azuredatabricks.net\n  environments:\n${envs}\n  models: [${list}]\n`,
  };
}

function awsScenario(teams: number): Scenario {
  const base = fs.readFileSync(path.join(ROOT, 'config', 'aws-prod.yaml'), 'utf8').replace('name: aws-prod', 'name: bench-aws').replace(/\nteams:[\s\S]*$/, '\n');
  const list = Array.from({ length: teams }, (_, i) => `  - name: team-${i}\n    trustedPrincipals: [arn:aws:iam::123456789012:role/team-${i}-jobs]`).join('\n');
  return { family: 'AWS platform (production)', size: `${teams} teams`, yaml: `${base}teams:\n${list}\n` };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env, CHECKPOINT_DISABLE: '1' }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return { ms, stdout: result.stdout };
}

function resourcesIn(outdir: string): number {
  const stacksDir = path.join(outdir, 'stacks');
  let total = 0;
  for (const stack of fs.readdirSync(stacksDir)) {
    const json = JSON.parse(fs.readFileSync(path.join(stacksDir, stack, 'cdk.tf.json'), 'utf8')) as { resource?: Record<string, object> };
    total += Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  }
  return total;
}

interface Row {
  readonly scenario: Scenario;
  readonly resources: number;
  readonly ms: number;
  readonly rssMb: number;
  readonly cpuMs: number;
}

function measure(scenario: Scenario): Row {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-bench-config-'));
  fs.writeFileSync(path.join(dir, 'bench.yaml'), scenario.yaml);
  const times: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  let resources = 0;
  for (let i = 0; i < RUNS; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-bench-out-'));
    const { ms, stdout } = timeRun(process.execPath, [...LOADER, 'cli/bench-child.ts'], { MLFLOW_PLATFORM_CONFIG: dir, CDKTF_OUTDIR: outdir });
    times.push(ms);
    const child = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { maxRssMb: number; cpuMs: number };
    rss.push(child.maxRssMb);
    cpu.push(child.cpuMs);
    resources = resourcesIn(outdir);
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  const row = { scenario, resources, ms: median(times), rssMb: median(rss), cpuMs: median(cpu) };
  console.log(`${scenario.family}, ${scenario.size}: ${resources} resources, ${Math.round(row.ms)} ms, ${row.cpuMs} ms CPU, ${row.rssMb} MB`);
  return row;
}

/** Every file below `dir`, relative path to contents. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  }
  return out;
}

/** The CLI's median time; fails unless the CLI writes exactly what the direct path writes. */
function measureCli(scenario: Scenario, runs: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-bench-config-'));
  fs.writeFileSync(path.join(dir, 'bench.yaml'), scenario.yaml);
  const times: number[] = [];
  const cliOut = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-bench-cli-'));
  for (let i = 0; i < runs; i++) times.push(timeRun('npx', ['cdktf', 'synth', '--output', cliOut], { MLFLOW_PLATFORM_CONFIG: dir }).ms);
  const directOut = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-bench-direct-'));
  timeRun(process.execPath, [...LOADER, 'cli/bench-child.ts'], { MLFLOW_PLATFORM_CONFIG: dir, CDKTF_OUTDIR: directOut });
  if (JSON.stringify(filesOf(cliOut)) !== JSON.stringify(filesOf(directOut))) {
    throw new Error(`npx cdktf synth and npm run synth wrote different files (${cliOut} vs ${directOut})`);
  }
  return median(times);
}

/** Least-squares fit ms = a + b * resources. */
function fit(rows: readonly Row[]): { a: number; b: number; r2: number } {
  const n = rows.length;
  const mx = rows.reduce((s, r) => s + r.resources, 0) / n;
  const my = rows.reduce((s, r) => s + r.ms, 0) / n;
  const sxy = rows.reduce((s, r) => s + (r.resources - mx) * (r.ms - my), 0);
  const sxx = rows.reduce((s, r) => s + (r.resources - mx) ** 2, 0);
  const b = sxy / sxx;
  const a = my - b * mx;
  const ssTot = rows.reduce((s, r) => s + (r.ms - my) ** 2, 0);
  const ssRes = rows.reduce((s, r) => s + (r.ms - (a + b * r.resources)) ** 2, 0);
  return { a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

const families = [[10, 100, 250].map(databricksScenario), [5, 20, 50].map(awsScenario)];
const rows = families.map((f) => f.map(measure));
const largest = databricksScenario(250);
const cliMs = measureCli(largest, Math.min(RUNS, 3));
const directMs = rows[0][2].ms;
console.log(`cdktf synth (CLI), ${largest.size}: ${Math.round(cliMs)} ms`);

let suite = '';
if (!values['skip-suite']) {
  fs.rmSync(path.join(ROOT, 'node_modules', '.cache', 'tsbuildinfo'), { force: true });
  const tsc = timeRun('npx', ['tsc', '--noEmit'], {}).ms;
  const test = timeRun('npm', ['test', '--silent'], { CI: 'true' }).ms;
  console.log(`tsc --noEmit (cold): ${Math.round(tsc)} ms; npm test: ${Math.round(test)} ms`);
  suite = [
    '## The suite',
    '',
    '| command | time | goal |',
    '| --- | --- | --- |',
    `| \`tsc --noEmit\` (no incremental cache) | ${(tsc / 1000).toFixed(1)} s | < 10 s |`,
    `| \`npm test\` (type-check, lint, jest --ci, synth of every shipped config) | ${(test / 1000).toFixed(1)} s | < 60 s |`,
    '',
  ].join('\n');
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const table = (family: readonly Row[]) => {
  const f = fit(family);
  return [
    `### ${family[0].scenario.family}`,
    '',
    '| size | resources | synth (median) | CPU, user + sys (median) | per resource | peak memory |',
    '| --- | --- | --- | --- | --- | --- |',
    ...family.map((r) => `| ${r.scenario.size} | ${r.resources} | ${s(r.ms)} | ${s(r.cpuMs)} | ${(r.ms / r.resources).toFixed(2)} ms | ${r.rssMb} MB |`),
    '',
    f.r2 >= 0.9
      ? `Fit: ${s(f.a)} fixed (Node start, module loading) + ${f.b.toFixed(2)} ms per resource, R² = ${f.r2.toFixed(3)}: time grows linearly with resources.`
      : `The sizes differ by only ${family[family.length - 1].resources - family[0].resources} resources, too few to fit a line (R² = ${f.r2.toFixed(2)}): run-to-run noise dominates; no growth beyond linear is visible.`,
    '',
  ].join('\n');
};

const cpus = os.cpus();
const doc = [
  '# Benchmarks',
  '',
  'Written by `npm run bench`; do not edit by hand. Each synth runs in a fresh process, the way `npm run synth` does',
  `(config loading, stack construction, the policy pass, writing \`cdktf.out\`); medians of ${RUNS} runs.`,
  '',
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
  `- Machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
  `- Node ${process.version}`,
  '',
  '## Synth at scale',
  '',
  'Goal: 4 environments x 250 models (about 2,000 resources) in at most 1.5 s of CPU (user + sys) and 250 MB; linear growth. The machine is shared with other processes: medians, and wall time is noisier than CPU time.',
  '',
  ...rows.map(table),
  '## Synth paths',
  '',
  '| path | 4 environments x 250 models |',
  '| --- | --- |',
  `| \`npm run synth\` (runs the app directly) | ${s(directMs)} |`,
  `| \`npx cdktf synth\` (the CLI, which runs the same app) | ${s(cliMs)} |`,
  '',
  'The benchmark checks that both write byte-identical files; the CLI adds its own start-up and process management.',
  '',
  suite,
].join('\n');
const previous = fs.existsSync(path.join(ROOT, 'BENCHMARKS.md')) ? fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8') : '';
const kept = previous.includes(KEEP_MARKER) ? previous.slice(previous.indexOf(KEEP_MARKER)) : '';
fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), kept ? `${doc}\n${kept}` : doc);
console.log('wrote BENCHMARKS.md');
