import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TerraformStack } from 'cdktf';
import { buildApp } from '../../stacks/app';
import { loadDeployments } from '../../stacks/config/load';
import type { StackJson } from '../../policy/types';
import { stackJson, withoutMetadata } from '../../stacks/stack-json';

/** A problem the user can fix (unknown ref, not a git repository, a config that does not load). */
export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

/** The project root holding this code (cli/review → ../..). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

function git(cwd: string, args: readonly string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (r.error) throw new ReviewError(`git is not available: ${r.error.message}`);
  return { ok: r.status === 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** The top folder of the git repository holding `location` (a file or folder), or undefined. */
export function gitTopLevel(location: string): string | undefined {
  const dir = fs.existsSync(location) && fs.statSync(location).isFile() ? path.dirname(location) : location;
  if (!fs.existsSync(dir)) return undefined;
  const r = git(dir, ['rev-parse', '--show-toplevel']);
  return r.ok ? fs.realpathSync(r.stdout) : undefined;
}

/** The commit `ref` names in `repo`; a ReviewError when there is none. */
export function resolveCommit(repo: string, ref: string): string {
  if (ref.startsWith('-')) throw new ReviewError(`--base: expected a git ref, got "${ref}"`);
  const r = git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!r.ok) throw new ReviewError(`--base ${ref}: no such commit, branch or tag in ${repo} (fetch it first, e.g. git fetch origin ${ref})`);
  return r.stdout;
}

/** Writes the tree of `commit` (or only `subpath` of it) into a new temporary folder; undefined when `subpath` does not exist there. */
export function exportTree(repo: string, commit: string, subpath = ''): string | undefined {
  if (subpath !== '' && !git(repo, ['cat-file', '-e', `${commit}:${subpath}`]).ok) return undefined;
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-review-'));
  const tar = path.join(dest, '.base.tar');
  const archive = git(repo, ['archive', '--format=tar', '-o', tar, commit, ...(subpath ? ['--', subpath] : [])]);
  if (!archive.ok) throw new ReviewError(`git archive ${commit} failed: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-xf', tar, '-C', dest], { encoding: 'utf8' });
  if (untar.status !== 0) throw new ReviewError(`could not unpack the base tree: ${untar.stderr}`);
  fs.rmSync(tar);
  return dest;
}

/** Synthesizes the deployments at `configLocation` with this working tree's code, in memory. */
export function synthInProcess(configLocation: string): Map<string, StackJson> {
  const deployments = loadDeployments(configLocation);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-review-out-'));
  try {
    const app = buildApp(deployments, { outdir });
    return new Map(deployments.map((d) => [d.name, withoutMetadata(stackJson(app.node.findChild(d.name) as TerraformStack))]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Synthesizes a checkout of this project (the base ref's code and configs) with its own entry point,
 * reusing this working tree's node_modules; reads the stacks from its cdktf.out.
 */
export function synthCheckout(checkout: string, configRelative: string): Map<string, StackJson> {
  const modules = path.join(checkout, 'node_modules');
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), modules, 'dir');
  const outdir = path.join(checkout, 'cdktf.out');
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', 'main.ts'], {
    cwd: checkout,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_PLATFORM_CONFIG: configRelative, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(0, 20).join('\n');
    throw new ReviewError(`the base could not be synthesized:\n${why}`);
  }
  const stacksDir = path.join(outdir, 'stacks');
  const stacks = new Map<string, StackJson>();
  for (const name of fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).sort() : []) {
    const file = path.join(stacksDir, name, 'cdk.tf.json');
    if (fs.existsSync(file)) stacks.set(name, withoutMetadata(JSON.parse(fs.readFileSync(file, 'utf8')) as StackJson));
  }
  return stacks;
}
