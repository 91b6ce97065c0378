import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';

const DIR = path.join(__dirname, '..', '.github', 'workflows');
const read = (name: string) => fs.readFileSync(path.join(DIR, name), 'utf8');

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}
interface Job {
  readonly steps: readonly Step[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly needs?: string | string[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const WORKFLOWS = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const workflow = (name: string) => parse(read(name)) as Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

describe.each(WORKFLOWS)('.github/workflows/%s', (name) => {
  it('is valid workflow syntax (the SchemaStore workflow schema, via @action-validator/core)', () => {
    const state = validateWorkflow(read(name));
    expect(state.errors).toEqual([]);
  });

  it('pins every action to a full commit SHA with its release in a comment', () => {
    const uses = read(name).split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('keeps ${{ }} expressions out of shell scripts (inputs reach them through env)', () => {
    for (const job of Object.values(workflow(name).jobs)) expect(runs(job)).not.toContain('${{');
  });

  it('starts with read-only permissions', () => {
    expect(workflow(name).permissions).toEqual({ contents: 'read' });
  });
});

it('the workflow validator rejects what GitHub would reject (so the syntax check can fail)', () => {
  expect(validateWorkflow('on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n').errors).not.toEqual([]);
});

describe('pull-request workflow', () => {
  const wf = workflow('pull-request.yml');

  it('runs on pull requests: npm ci, npm test, then the review against the target branch as Markdown', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    const script = runs(wf.jobs.test);
    expect(script).toMatch(/npm ci[\s\S]*npm test[\s\S]*npm run --silent review -- --base "origin\/\$BASE_REF" --format markdown --output review\.md "\$\{allow\[@\]\}"/);
    expect(script).toContain('if [ "$ALLOW_DATA_LOSS" = "true" ]; then allow=(--allow-data-loss); fi');
    expect(wf.jobs.test.steps.find((s) => s.uses?.startsWith('actions/checkout'))?.with?.['fetch-depth']).toBe(0);
  });

  it('posts the review as one updated comment, with write access only in that job, and fails on data loss', () => {
    expect(wf.jobs.comment.permissions).toEqual({ 'pull-requests': 'write' });
    expect(wf.jobs.comment.steps.some((s) => s.uses?.startsWith('actions/github-script@'))).toBe(true);
    expect(runs(wf.jobs['data-loss-gate'])).toContain('exit 1');
  });

  it('validates every synthesized stack with terraform and scans cdktf.out with a pinned checkov', () => {
    const validate = wf.jobs.validate;
    expect(validate.steps.some((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))).toBe(true);
    expect(runs(validate)).toContain('npm run validate');
    expect(runs(validate)).toMatch(/pip install --user "checkov==\$CHECKOV_VERSION"[\s\S]*checkov --directory cdktf\.out\/stacks --framework terraform_json/);
    expect(read('pull-request.yml')).toMatch(/CHECKOV_VERSION: '\d+\.\d+\.\d+'/);
  });
});

describe('deploy workflow', () => {
  const wf = workflow('deploy.yml');
  const job = wf.jobs.deploy;

  it('is manual and environment-gated, with an OIDC token and no stored cloud secret', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(read('deploy.yml')).not.toMatch(/secrets\./);
  });

  it('logs in to AWS or Azure with the pinned official actions, deploys the stack, then smoke-tests it', () => {
    const uses = job.steps.map((s) => s.uses ?? '');
    expect(uses.some((u) => u.startsWith('aws-actions/configure-aws-credentials@'))).toBe(true);
    expect(uses.some((u) => u.startsWith('azure/login@'))).toBe(true);
    expect(runs(job)).toMatch(/npx cdktf deploy "\$STACK" --auto-approve[\s\S]*npm run smoke -- "\$STACK"/);
  });
});

describe('the pull-request scripts, run with a stub npm', () => {
  const wf = workflow('pull-request.yml');
  const reviewStep = wf.jobs.test.steps.find((s) => s.name === 'Review against the target branch') as Step;
  const gateStep = wf.jobs['data-loss-gate'].steps[0];

  /** Runs a step's script in a temp folder; `npm` is a stub that records its arguments and exits with `npmStatus`. */
  function runStep(script: string, env: Record<string, string>, npmStatus = 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-step-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'npm'), `#!/usr/bin/env bash\necho "$@" > "${dir}/npm-args"\necho '## report' > review.md\nexit ${npmStatus}\n`, { mode: 0o755 });
    const output = path.join(dir, 'output');
    const summary = path.join(dir, 'summary');
    const r = spawnSync('bash', ['-e', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
    });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, npmArgs: read(path.join(dir, 'npm-args')).trim(), output: read(output), summary: read(summary) };
  }

  it('records the review exit code without failing the job, and puts the report in the summary', () => {
    const r = runStep(String(reviewStep.run), { BASE_REF: 'main', ALLOW_DATA_LOSS: 'false' }, 1);
    expect(r.status).toBe(0);
    expect(r.output).toBe('status=1\n');
    expect(r.summary).toBe('## report\n');
    expect(r.npmArgs).toBe('run --silent review -- --base origin/main --format markdown --output review.md');
  });

  it('passes --allow-data-loss when the pull request has the allow-data-loss label', () => {
    const r = runStep(String(reviewStep.run), { BASE_REF: 'release/1.x', ALLOW_DATA_LOSS: 'true' });
    expect(r.output).toBe('status=0\n');
    expect(r.npmArgs).toBe('run --silent review -- --base origin/release/1.x --format markdown --output review.md --allow-data-loss');
  });

  it('the data-loss gate fails on a non-zero review status and passes on 0', () => {
    expect(runStep(String(gateStep.run), { STATUS: '1' }).status).toBe(1);
    expect(runStep(String(gateStep.run), { STATUS: '2' }).stdout).toContain('::error::npm run review reported DATA LOSS');
    expect(runStep(String(gateStep.run), { STATUS: '0' }).status).toBe(0);
  });
});
