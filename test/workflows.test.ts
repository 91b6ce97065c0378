import * as fs from 'node:fs';
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
