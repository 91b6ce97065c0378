import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPlatform } from '../stacks/app';
import { tempDirWith } from './helpers';

const ROOT = path.join(__dirname, '..');
const valid = (name: string) => `name: ${name}\nenvironment: dev\ncloud: aws\nregion: eu-west-1\n`;

/** Runs the app as `npm run synth` does, with a config location and a fresh output folder. */
function runApp(configLocation: string) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-out-'));
  const result = spawnSync(process.execPath, ['-r', './cli/register.js', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, MLFLOW_PLATFORM_CONFIG: configLocation, CDKTF_OUTDIR: outdir },
    encoding: 'utf8',
  });
  return { ...result, ...written(outdir) };
}

/** The stacks synthesized into `outdir`, and every entry written there. */
function written(outdir: string) {
  const stacksDir = path.join(outdir, 'stacks');
  const stacks = fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).sort() : [];
  return { outdir, stacks, written: fs.readdirSync(outdir) };
}

/** What `main()` runs for that config location, in this process: the same result without spawning. */
function runInProcess(configLocation: string) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-out-'));
  const stderr: string[] = [];
  const status = runPlatform({ configLocation, outdir, out: () => undefined, err: (line) => stderr.push(line) });
  return { status, stderr: stderr.join('\n'), ...written(outdir) };
}

describe('the app entry point (main.ts)', () => {
  it('synthesizes exactly the deployments of MLFLOW_PLATFORM_CONFIG into cdktf.out/stacks/<name>/cdk.tf.json', () => {
    const run = runApp(tempDirWith({ 'one.yaml': valid('one'), 'two.yaml': valid('two') }));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stacks).toEqual(['one', 'two']);
    expect(fs.existsSync(path.join(run.outdir, 'stacks', 'one', 'cdk.tf.json'))).toBe(true);
  });

  // The two tests above and below run the command; these call what it runs (runPlatform, given the
  // location MLFLOW_PLATFORM_CONFIG names), which is the same code without a process start.
  it('synthesizes a single file', () => {
    const dir = tempDirWith({ 'one.yaml': valid('one'), 'two.yaml': valid('two') });
    expect(runInProcess(path.join(dir, 'two.yaml')).stacks).toEqual(['two']);
  });

  it('prints messages, not a stack trace, exits non-zero and writes nothing when any config is bad', () => {
    const run = runApp(tempDirWith({ 'good.yaml': valid('good'), 'bad.yaml': `${valid('bad')}colud: aws\n` }));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid deployment config; nothing was synthesized:');
    expect(run.stderr).toMatch(/bad\.yaml: colud: unknown field; allowed fields here: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.written).toEqual([]);
  });

  it('fails on an empty config folder without writing anything', () => {
    const run = runInProcess(tempDirWith({}));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no deployment configs found/);
    expect(run.written).toEqual([]);
  });
});
