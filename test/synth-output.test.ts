import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPlatform } from '../stacks/app';
import { tempDirWith } from './helpers';

const valid = (name: string) => `name: ${name}\nenvironment: dev\ncloud: aws\nregion: eu-west-1\n`;

function run(configLocation: string, outdir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runPlatform({ configLocation, outdir, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, stacks: fs.readdirSync(path.join(outdir, 'stacks')).sort() };
}

describe('the synth output is exactly the loaded deployments', () => {
  it('removes the folders of stacks from an earlier, wider synth and says so', () => {
    const dir = tempDirWith({ 'one.yaml': valid('one'), 'two.yaml': valid('two') });
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-out-'));
    expect(run(dir, outdir).stacks).toEqual(['one', 'two']);
    // A Terraform working directory inside the stale folder goes with it.
    fs.mkdirSync(path.join(outdir, 'stacks', 'two', '.terraform'));
    const narrower = run(path.join(dir, 'one.yaml'), outdir);
    expect(narrower.code).toBe(0);
    expect(narrower.stacks).toEqual(['one']);
    expect(narrower.out).toContain('Removed the output of deployments not loaded: two');
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
    expect(Object.keys(manifest.stacks)).toEqual(['one']);
  });

  it('lists every stack with its config file and synthesized files', () => {
    const dir = tempDirWith({ 'one.yaml': valid('one'), 'two.yaml': valid('two') });
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-out-'));
    const result = run(dir, outdir);
    const stacksDir = path.join(outdir, 'stacks');
    const rel = (...p: string[]) => path.relative(process.cwd(), path.join(stacksDir, ...p));
    expect(result.out.slice(1)).toEqual([
      `Synthesized 2 stack(s) into ${stacksDir}:`,
      `  one (${path.join(dir, 'one.yaml')}): ${rel('one', 'cdk.tf.json')}`,
      `  two (${path.join(dir, 'two.yaml')}): ${rel('two', 'cdk.tf.json')}`,
    ]);
    expect(result.err).toEqual([]);
  });
});
