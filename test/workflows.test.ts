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
  readonly if?: string;
  readonly 'runs-on'?: string;
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
    expect(runs(validate)).toMatch(/npm run validate[\s\S]*pipx run --spec "checkov==\$CHECKOV_VERSION" checkov --config-file \.checkov\.yaml/);
    expect(runs(validate)).not.toContain('pip install');
    expect(read('pull-request.yml')).toMatch(/CHECKOV_VERSION: '\d+\.\d+\.\d+'/);
  });

  it('.checkov.yaml scans the synthesized stacks, hard-fails, and gives a reason for every skipped check', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '.checkov.yaml'), 'utf8');
    const config = parse(text) as Record<string, unknown>;
    expect(config).toMatchObject({ directory: ['cdktf.out/stacks'], framework: ['terraform_json'] });
    expect(config['soft-fail']).toBeUndefined();
    expect(config['soft-fail-on']).toBeUndefined();
    const skips = config['skip-check'] as string[];
    for (const id of skips) {
      expect(id).toMatch(/^CKV2?_[A-Z]+_\d+$/);
      // The comment right above each skip says why (and where the decision is documented).
      const lines = text.split('\n');
      const at = lines.findIndex((l) => l.trim() === `- ${id}`);
      expect(lines[at - 1]).toMatch(/^\s*#\s*\S/);
    }
  });
});

describe('deploy workflow', () => {
  const wf = workflow('deploy.yml');
  const job = wf.jobs.deploy;

  it('is manual and environment-gated, with an OIDC token and no stored cloud secret', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    // The environment is the stack's own, never a free input (a free one let aws-prod run under an
    // environment without required reviewers).
    expect(job.environment).toBe('${{ inputs.stack }}');
    expect(Object.keys((wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs).sort()).toEqual(['cloud', 'stack']);
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(read('deploy.yml')).not.toMatch(/secrets\./);
  });

  it('logs in to AWS or Azure with the pinned official actions, deploys the stack, then smoke-tests it', () => {
    const uses = job.steps.map((s) => s.uses ?? '');
    expect(uses.some((u) => u.startsWith('aws-actions/configure-aws-credentials@'))).toBe(true);
    expect(uses.some((u) => u.startsWith('azure/login@'))).toBe(true);
    expect(runs(job)).toContain('npx cdktf deploy "$STACK" --auto-approve --outputs-file outputs.json');
  });

  it('hands outputs.json to a smoke job that runs only for a tracking server, on the SMOKE_RUNNER runner, in the same environment', () => {
    expect(job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with).toMatchObject({ name: 'outputs', path: 'outputs.json' });
    const smoke = wf.jobs.smoke;
    expect(smoke.needs).toBe('deploy');
    expect(smoke.if).toBe("needs.deploy.outputs.tracking == 'true' && vars.SMOKE_RUNNER != ''");
    expect(smoke['runs-on']).toBe("${{ vars.SMOKE_RUNNER || 'ubuntu-latest' }}");
    expect(smoke.environment).toBe('${{ inputs.stack }}');
    expect(smoke.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(smoke.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with).toEqual({ name: 'outputs' });
    expect(runs(smoke)).toContain('npm run smoke -- "$STACK" --outputs outputs.json "${ca[@]}"');
  });
});

/** Runs a workflow script with stub executables in PATH, in a temp folder holding `files`. */
function runWithStubs(script: string, env: Record<string, string>, files: Record<string, string>, stubs: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-deploy-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(stubs)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const output = path.join(dir, 'output');
  const summary = path.join(dir, 'summary');
  // -eo pipefail: the shell GitHub runs `run:` scripts with.
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
  });
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: read('output'), summary: read('summary'), read };
}

describe('the deploy scripts, run with stub executables', () => {
  const wf = workflow('deploy.yml');
  const trackingStep = wf.jobs.deploy.steps.find((s) => s.name === 'Does the stack run a tracking server?') as Step;
  const smokeStep = wf.jobs.smoke.steps.find((s) => s.name === 'Smoke test the deployed stack') as Step;
  const outputs = JSON.stringify({
    'aws-x': { tracking_uri: 'https://mlflow.x.internal', admin_secret_arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-admin' },
    'azure-x': { tracking_uri: 'https://mlflow.y.internal', admin_secret_id: 'https://kv-x.vault.azure.net/secrets/admin' },
    'dbx-x': { databricks_environments: '{}' },
    // The cloud-neutral output of current deployments (the two above are older deployments' names).
    'aws-n': { tracking_uri: 'https://mlflow.n.internal', admin_secret: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:n-admin' },
    'azure-n': { tracking_uri: 'https://mlflow.m.internal', admin_secret: 'https://kv-n.vault.azure.net/secrets/admin' },
  });
  // Records its arguments and the credentials it was given, as `npm run smoke` would read them.
  const npm = 'echo "args=$*" > npm-call; echo "user=$MLFLOW_TRACKING_USERNAME" >> npm-call; echo "password=$MLFLOW_TRACKING_PASSWORD" >> npm-call';
  const stubs = {
    npm,
    aws: 'echo "$*" > aws-call; echo "s3cr3t-aws"',
    az: 'echo "$*" > az-call; echo "s3cr3t-azure"',
  };

  it('skips the smoke test of a Databricks-only stack, and says why in the summary', () => {
    const r = runWithStubs(String(trackingStep.run), { STACK: 'dbx-x', SMOKE_RUNNER: 'vpn-runner' }, { 'outputs.json': outputs }, {});
    expect(r.status).toBe(0);
    expect(r.output).toBe('tracking=false\n');
    expect(r.summary).toContain('`dbx-x` has no tracking server');
  });

  it('marks a tracking stack for the smoke job, and says in the summary when SMOKE_RUNNER is unset', () => {
    const on = runWithStubs(String(trackingStep.run), { STACK: 'aws-x', SMOKE_RUNNER: 'vpn-runner' }, { 'outputs.json': outputs }, {});
    expect(on.output).toBe('tracking=true\n');
    expect(on.summary).toBe('');
    const off = runWithStubs(String(trackingStep.run), { STACK: 'aws-x', SMOKE_RUNNER: '' }, { 'outputs.json': outputs }, {});
    expect(off.output).toBe('tracking=true\n');
    expect(off.summary).toContain('SMOKE_RUNNER is not set');
  });

  it('AWS: reads the admin password from Secrets Manager, masks it, and gives smoke the outputs file and the credentials', () => {
    const r = runWithStubs(String(smokeStep.run), { STACK: 'aws-x', ADMIN_USERNAME: '', CA_FILE: '' }, { 'outputs.json': outputs }, stubs);
    expect(r.status).toBe(0);
    expect(r.read('aws-call')).toBe('secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-admin --query SecretString --output text\n');
    expect(r.stdout).toContain('::add-mask::s3cr3t-aws');
    expect(r.read('npm-call')).toBe('args=run smoke -- aws-x --outputs outputs.json\nuser=admin\npassword=s3cr3t-aws\n');
  });

  it('reads the cloud-neutral admin_secret output: an ARN from Secrets Manager, anything else from Key Vault', () => {
    const aws = runWithStubs(String(smokeStep.run), { STACK: 'aws-n', ADMIN_USERNAME: '', CA_FILE: '' }, { 'outputs.json': outputs }, stubs);
    expect(aws.status).toBe(0);
    expect(aws.read('aws-call')).toBe('secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:111122223333:secret:n-admin --query SecretString --output text\n');
    const azure = runWithStubs(String(smokeStep.run), { STACK: 'azure-n', ADMIN_USERNAME: '', CA_FILE: '' }, { 'outputs.json': outputs }, stubs);
    expect(azure.status).toBe(0);
    expect(azure.read('az-call')).toBe('keyvault secret show --id https://kv-n.vault.azure.net/secrets/admin --query value --output tsv\n');
  });

  it('Azure: reads it from Key Vault, with the configured admin name and the CA bundle', () => {
    const r = runWithStubs(String(smokeStep.run), { STACK: 'azure-x', ADMIN_USERNAME: 'ops', CA_FILE: 'certs/ca.pem' }, { 'outputs.json': outputs }, stubs);
    expect(r.status).toBe(0);
    expect(r.read('az-call')).toBe('keyvault secret show --id https://kv-x.vault.azure.net/secrets/admin --query value --output tsv\n');
    expect(r.stdout).toContain('::add-mask::s3cr3t-azure');
    expect(r.read('npm-call')).toBe('args=run smoke -- azure-x --outputs outputs.json --ca-file certs/ca.pem\nuser=ops\npassword=s3cr3t-azure\n');
  });

  it('fails without running smoke when the outputs name no admin secret or the secret is empty', () => {
    const none = runWithStubs(String(smokeStep.run), { STACK: 'dbx-x', ADMIN_USERNAME: '', CA_FILE: '' }, { 'outputs.json': outputs }, stubs);
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('::error::outputs.json has no admin_secret (or admin_secret_arn / admin_secret_id) for dbx-x');
    const empty = runWithStubs(String(smokeStep.run), { STACK: 'aws-x', ADMIN_USERNAME: '', CA_FILE: '' }, { 'outputs.json': outputs }, { ...stubs, aws: 'true' });
    expect(empty.status).toBe(1);
    expect(empty.read('npm-call')).toBe('');
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
