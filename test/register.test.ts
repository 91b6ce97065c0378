import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDirWith } from './helpers';
import { AWS_DEV } from './fixtures/configs';

const ROOT = path.join(__dirname, '..');

/** Every file below `dir`, relative path to contents. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath, entry.name))] = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

function synthWith(loader: string, configDir: string, cacheDir: string) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-register-out-'));
  const run = spawnSync(process.execPath, ['-r', loader, 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, MLFLOW_PLATFORM_CONFIG: configDir, CDKTF_OUTDIR: outdir, MLFLOW_PLATFORM_TS_CACHE: cacheDir },
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return filesOf(outdir);
}

describe('the commands\' TypeScript loader (cli/register.js, used by npm run synth)', () => {
  it('writes byte-for-byte what @swc-node/register writes, cold and from its cache', () => {
    const configDir = tempDirWith({ 'aws-dev.yaml': AWS_DEV });
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-register-cache-'));
    const reference = synthWith('@swc-node/register', configDir, cacheDir);
    expect(Object.keys(reference)).toContain(path.join('stacks', 'aws-dev', 'cdk.tf.json'));
    expect(synthWith('./cli/register.js', configDir, cacheDir)).toEqual(reference);
    expect(fs.readdirSync(cacheDir).length).toBeGreaterThan(0);
    expect(synthWith('./cli/register.js', configDir, cacheDir)).toEqual(reference);
  });

  const stacksUnder = (env: NodeJS.ProcessEnv) => {
    const script = "const o = { stack: '' }; Error.captureStackTrace(o); console.log(JSON.stringify({ token: o.stack, error: new Error('boom').stack }))";
    const run = spawnSync(process.execPath, ['-r', './cli/register.js', '-e', script], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    return JSON.parse(run.stdout) as { token: string; error: string };
  };

  it('leaves the traces cdktf captures into plain objects for its tokens empty; real errors keep their stack', () => {
    const { token, error } = stacksUnder({ MLFLOW_PLATFORM_TOKEN_STACKS: '' });
    expect(token).toBe('');
    expect(error).toMatch(/^Error: boom\n {4}at /);
  });

  it('keeps the token traces with MLFLOW_PLATFORM_TOKEN_STACKS=1', () => {
    expect(stacksUnder({ MLFLOW_PLATFORM_TOKEN_STACKS: '1' }).token).toMatch(/\n {4}at /);
  });
});
