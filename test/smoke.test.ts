/**
 * `npm run smoke`: these tests check the command's logic, not MLflow. They run it against a small
 * fake server on 127.0.0.1 (node:http, an ephemeral port) that answers the routes the command calls
 * the way MLflow's basic-auth server does (the routes and statuses are pinned to MLflow's source in
 * cli/client/smoke.ts); whether the real server behaves is what the command checks after a deploy.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ClientConfigError } from '../cli/client/client-config';
import { SmokeError, credentialsFromEnv, describeNetworkError, proxiedArtifactUrl, runSmoke, smokeTarget } from '../cli/client/smoke';
import { generatedBody, hashBody, parseLargeArtifactMb } from '../cli/client/large-artifact';
import { tempDirWith } from './helpers';

const ADMIN = { username: 'admin', password: 'pa$$ word%"' };

interface Behaviour {
  /** Status of an anonymous request. @default 401 */
  readonly anonymousStatus?: number;
  /** Experiment 0's artifact_location. @default mlflow-artifacts:/0 */
  readonly defaultRoot?: string;
  /** Returns other bytes than were uploaded. */
  readonly corruptArtifact?: boolean;
  /** Returns other bytes for artifacts whose path matches. */
  readonly corruptKey?: RegExp;
  /** Status of get-experiment for a user without permissions. @default 403 */
  readonly unprivilegedStatus?: number;
  /** A run's artifact_uri. @default <experiment location>/<run id>/artifacts */
  readonly runArtifactUri?: (location: string, runId: string) => string;
  /** Routes ("METHOD /path") answered 500. */
  readonly failing?: readonly string[];
}

class FakeMlflow {
  readonly experiments: Map<string, { name: string; location: string; deleted: boolean }>;
  readonly users = new Map<string, string>();
  readonly artifacts = new Map<string, string>();
  /** Size of every artifact PUT, by path. */
  readonly uploadedBytes = new Map<string, number>();
  readonly requests: string[] = [];
  private readonly server: http.Server;
  private nextId = 1;

  constructor(private readonly behaviour: Behaviour = {}) {
    this.experiments = new Map([['0', { name: 'Default', location: behaviour.defaultRoot ?? 'mlflow-artifacts:/0', deleted: false }]]);
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const reply = this.handle(req, body);
        res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      // fetch keeps connections alive: end them, or close() waits for them.
      this.server.closeAllConnections();
    });
  }

  private who(req: http.IncomingMessage): string | undefined {
    const match = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString();
    const [user, password] = [decoded.slice(0, decoded.indexOf(':')), decoded.slice(decoded.indexOf(':') + 1)];
    if (user === ADMIN.username && password === ADMIN.password) return 'admin';
    return this.users.get(user) === password ? user : undefined;
  }

  private handle(req: http.IncomingMessage, text: string): { status: number; body: unknown } {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = `${req.method} ${url.pathname}`;
    this.requests.push(route);
    if (url.pathname === '/health') return { status: 200, body: 'OK' };
    const who = this.who(req);
    if (!who) return this.behaviour.anonymousStatus === 200 ? this.getExperiment(url) : { status: this.behaviour.anonymousStatus ?? 401, body: 'You are not authenticated.' };
    if (this.behaviour.failing?.includes(route)) return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'boom' } };
    if (who !== 'admin') {
      if (route !== 'GET /api/2.0/mlflow/experiments/get') return { status: 403, body: 'Permission denied' };
      const status = this.behaviour.unprivilegedStatus ?? 403;
      return status === 200 ? this.getExperiment(url) : { status, body: 'Permission denied' };
    }
    const artifact = /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/(.+)$/.exec(url.pathname)?.[1];
    if (artifact) return this.artifact(req.method ?? '', artifact, text);
    const json = (text ? JSON.parse(text) : {}) as Record<string, string>;
    switch (route) {
      case 'GET /api/2.0/mlflow/experiments/get':
        return this.getExperiment(url);
      case 'POST /api/2.0/mlflow/experiments/create': {
        const id = String(this.nextId++);
        this.experiments.set(id, { name: json.name, location: `mlflow-artifacts:/${id}`, deleted: false });
        return { status: 200, body: { experiment_id: id } };
      }
      case 'POST /api/2.0/mlflow/experiments/delete':
        this.experiment(json.experiment_id).deleted = true;
        return { status: 200, body: {} };
      case 'POST /api/2.0/mlflow/runs/create': {
        const runId = `run${this.nextId++}`;
        const location = this.experiment(json.experiment_id).location;
        const uri = this.behaviour.runArtifactUri?.(location, runId) ?? `${location}/${runId}/artifacts`;
        return { status: 200, body: { run: { info: { run_id: runId, experiment_id: json.experiment_id, artifact_uri: uri } } } };
      }
      case 'POST /api/2.0/mlflow/runs/log-metric':
      case 'POST /api/2.0/mlflow/runs/update':
        return { status: 200, body: {} };
      case 'POST /api/2.0/mlflow/users/create':
        // MLflow's create_user takes JSON only with exactly this content type (mlflow/server/auth/__init__.py).
        if (req.headers['content-type'] !== 'application/json') return { status: 400, body: 'Invalid content type. Must be application/json' };
        this.users.set(json.username, json.password);
        return { status: 200, body: { user: { username: json.username } } };
      case 'DELETE /api/2.0/mlflow/users/delete':
        this.users.delete(json.username);
        return { status: 200, body: {} };
      default:
        return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } };
    }
  }

  private experiment(id: string) {
    const e = this.experiments.get(id);
    if (!e) throw new Error(`the smoke check used unknown experiment ${id}`);
    return e;
  }

  private getExperiment(url: URL): { status: number; body: unknown } {
    const id = url.searchParams.get('experiment_id') ?? '';
    const e = this.experiments.get(id);
    if (!e) return { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } };
    return { status: 200, body: { experiment: { experiment_id: id, name: e.name, artifact_location: e.location, lifecycle_stage: e.deleted ? 'deleted' : 'active' } } };
  }

  private artifact(method: string, key: string, text: string): { status: number; body: unknown } {
    if (method === 'PUT') this.artifacts.set(key, text);
    if (method === 'PUT') this.uploadedBytes.set(key, Buffer.byteLength(text));
    if (method === 'DELETE') this.artifacts.delete(key);
    if (method !== 'GET') return { status: 200, body: {} };
    const stored = this.artifacts.get(key);
    if (stored === undefined) return { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } };
    const corrupt = this.behaviour.corruptArtifact || this.behaviour.corruptKey?.test(key);
    return { status: 200, body: corrupt ? `${stored}!` : stored };
  }

  /** The experiments and users the check left behind, and its artifacts. */
  leftovers(): string[] {
    return [
      ...[...this.experiments].filter(([id, e]) => id !== '0' && !e.deleted).map(([id]) => `experiment ${id}`),
      ...[...this.users.keys()].map((u) => `user ${u}`),
      ...[...this.artifacts.keys()].map((a) => `artifact ${a}`),
    ];
  }
}

async function smokeAgainst(behaviour: Behaviour, admin = ADMIN, largeArtifactMb?: number) {
  const fake = new FakeMlflow(behaviour);
  const trackingUri = await fake.start();
  const passed: string[] = [];
  const warnings: string[] = [];
  let error: unknown;
  try {
    await runSmoke({ trackingUri, admin, pass: (s) => passed.push(s), warn: (w) => warnings.push(w), suffix: 'test', largeArtifactMb });
  } catch (e) {
    error = e;
  } finally {
    await fake.stop();
  }
  return { fake, passed, warnings, error: error as Error | undefined };
}

describe('smoke check against a fake MLflow server (the command, not MLflow)', () => {
  it('passes every step on a well-behaved server, reads the artifact through the proxy route and removes what it created', async () => {
    const { fake, passed, warnings, error } = await smokeAgainst({});
    expect(error).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(passed).toEqual([
      expect.stringMatching(/^GET \/health answers 200/),
      'a request without credentials is refused (401)',
      'admin admin signs in',
      "the Default experiment's artifact root is proxied (mlflow-artifacts:/0)",
      'admin creates experiment smoke/test (id 1)',
      'admin logs run run2 with a metric',
      'admin uploads an artifact and reads it back through the proxy (mlflow-artifacts:/1/run2/artifacts)',
      'a user without permissions cannot read the experiment (403)',
      'cleanup: removed user smoke-test, artifact /api/2.0/mlflow-artifacts/artifacts/1/run2/artifacts/smoke.txt, experiment 1 (smoke/test)',
      // MLflow keeps a soft-deleted experiment until `mlflow gc` (mlflow/cli/__init__.py gc); the platform's scheduled gc purges it.
      'cleanup: experiment 1 (smoke/test) is deleted, not yet purged: the scheduled gc purges it after retention.deletedRunsDays days',
    ]);
    // mlflow-artifacts:/1/run2/artifacts resolves to the proxy route (mlflow_artifacts_repo.py, resolve_uri).
    expect(fake.requests).toContain('PUT /api/2.0/mlflow-artifacts/artifacts/1/run2/artifacts/smoke.txt');
    expect(fake.requests).toContain('GET /api/2.0/mlflow-artifacts/artifacts/1/run2/artifacts/smoke.txt');
    expect(fake.leftovers()).toEqual([]);
  });

  it('fails on a wrong admin password with a message naming the variables, and creates nothing', async () => {
    const { fake, error } = await smokeAgainst({}, { username: 'admin', password: 'wrong' });
    expect(error).toBeInstanceOf(SmokeError);
    expect(error?.message).toBe(
      "GET /api/2.0/mlflow/experiments/get answered 401: the server refused admin's password (check MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)",
    );
    expect(fake.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  it("fails with a hint when the credentials are not the admin's", async () => {
    const fake = new FakeMlflow();
    fake.users.set('alice', 'pw');
    const trackingUri = await fake.start();
    try {
      await expect(runSmoke({ trackingUri, admin: { username: 'alice', password: 'pw' }, pass: () => undefined, warn: () => undefined })).rejects.toThrow(
        /^GET \/api\/2\.0\/mlflow\/experiments\/get answered 403, expected 200: alice may not do this: is it the deployment's admin user/,
      );
    } finally {
      await fake.stop();
    }
  });

  it('fails when a request without credentials is not refused', async () => {
    const { error } = await smokeAgainst({ anonymousStatus: 200 });
    expect(error?.message).toMatch(/^GET \/api\/2\.0\/mlflow\/experiments\/get answered 200, expected 401: a request without credentials must be refused/);
  });

  it('fails when the Default experiment keeps artifacts outside the proxy', async () => {
    const { fake, error } = await smokeAgainst({ defaultRoot: '/tmp/unused-artifacts/0' });
    expect(error?.message).toBe(
      'the Default experiment (id 0) stores artifacts at /tmp/unused-artifacts/0, not through the server (mlflow-artifacts:): repair its artifact_location (docs/runbook.md)',
    );
    expect(fake.leftovers()).toEqual([]);
  });

  it('fails when the artifact read back differs, and still removes the experiment and the artifact', async () => {
    const { fake, passed, error } = await smokeAgainst({ corruptArtifact: true });
    expect(error?.message).toMatch(/^GET \/api\/2\.0\/mlflow-artifacts\/artifacts\/1\/run2\/artifacts\/smoke\.txt returned other content than was uploaded/);
    expect(fake.leftovers()).toEqual([]);
    expect(fake.experiments.get('1')?.deleted).toBe(true);
    expect(passed.at(-2)).toMatch(/^cleanup: removed artifact .*, experiment 1 \(smoke\/test\)$/);
    expect(passed.at(-1)).toMatch(/purges it after retention\.deletedRunsDays days$/);
  });

  it('fails when a run stores artifacts outside the proxy', async () => {
    const { fake, error } = await smokeAgainst({ runArtifactUri: (_l, run) => `s3://bucket/1/${run}/artifacts` });
    expect(error?.message).toBe('run run2 stores artifacts at s3://bucket/1/run2/artifacts, not through the server (mlflow-artifacts:)');
    expect(fake.leftovers()).toEqual([]);
  });

  it('fails when a user without permissions can read the experiment, and deletes that user', async () => {
    const { fake, error } = await smokeAgainst({ unprivilegedStatus: 200 });
    expect(error?.message).toMatch(
      /^GET \/api\/2\.0\/mlflow\/experiments\/get answered 200, expected 403: user smoke-test, who has no permission, must not read experiment 1/,
    );
    expect(fake.requests).toContain('DELETE /api/2.0/mlflow/users/delete');
    expect(fake.leftovers()).toEqual([]);
  });

  it('removes the experiment after a mid-way failure and names the route that failed', async () => {
    const { fake, error } = await smokeAgainst({ failing: ['POST /api/2.0/mlflow/runs/log-metric'] });
    expect(error?.message).toMatch(/^POST \/api\/2\.0\/mlflow\/runs\/log-metric answered 500, expected 200 \(\{"error_code":"INTERNAL_ERROR"/);
    expect(fake.requests).toContain('POST /api/2.0/mlflow/experiments/delete');
    expect(fake.leftovers()).toEqual([]);
  });

  it('reports what cleanup could not remove and fails even when every check passed', async () => {
    const { fake, warnings, error } = await smokeAgainst({ failing: ['DELETE /api/2.0/mlflow/users/delete'] });
    expect(warnings).toEqual([expect.stringMatching(/^cleanup: could not remove user smoke-test \(DELETE \/api\/2\.0\/mlflow\/users\/delete answered 500/)]);
    expect(error?.message).toBe('every check passed, but cleanup left user smoke-test');
    expect(fake.leftovers()).toEqual(['user smoke-test']);
  });

  it('fails with one line when nothing listens on the port', async () => {
    const fake = new FakeMlflow();
    const trackingUri = await fake.start();
    await fake.stop();
    await expect(runSmoke({ trackingUri, admin: ADMIN, pass: () => undefined, warn: () => undefined })).rejects.toThrow(
      new SmokeError(`${trackingUri}: connection refused (ECONNREFUSED)`),
    );
  });
});

describe('smoke inputs', () => {
  const outputs = (data: unknown) => path.join(tempDirWith({ 'outputs.json': JSON.stringify(data) }), 'outputs.json');

  it('reads the tracking URI and the password command from the outputs file client-config reads', () => {
    const file = outputs({ 'aws-dev': { tracking_uri: 'https://mlflow.example.com', admin_secret_arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' } });
    expect(smokeTarget(file, 'aws-dev')).toEqual({
      trackingUri: 'https://mlflow.example.com',
      passwordCommand:
        'export MLFLOW_TRACKING_PASSWORD="$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:1:secret:x --query SecretString --output text)"',
    });
    const azure = outputs({ 'azure-dev': { tracking_uri: 'https://x', admin_secret_id: 'https://kv.vault.azure.net/secrets/mlflow-admin-password' } });
    expect(smokeTarget(azure, 'azure-dev').passwordCommand).toBe(
      'export MLFLOW_TRACKING_PASSWORD="$(az keyvault secret show --id https://kv.vault.azure.net/secrets/mlflow-admin-password --query value --output tsv)"',
    );
  });

  it('prefers the cloud-neutral admin_secret output (an ARN on AWS, a Key Vault id on Azure) over the deprecated names', () => {
    const aws = outputs({ s: { tracking_uri: 'https://x', admin_secret: 'arn:aws:secretsmanager:eu-west-1:1:secret:new', admin_secret_arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:old' } });
    expect(smokeTarget(aws, 's').passwordCommand).toContain('aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:1:secret:new ');
    const azure = outputs({ s: { tracking_uri: 'https://x', admin_secret: 'https://kv.vault.azure.net/secrets/new' } });
    expect(smokeTarget(azure, 's').passwordCommand).toContain('az keyvault secret show --id https://kv.vault.azure.net/secrets/new ');
  });

  it('fails on a missing outputs file with the command that creates it', () => {
    expect(() => smokeTarget('/nonexistent/outputs.json', 'aws-dev')).toThrow(
      new ClientConfigError('/nonexistent/outputs.json: no outputs file; create it with: npx cdktf output aws-dev --outputs-file /nonexistent/outputs.json'),
    );
  });

  it('fails on a stack without a tracking_uri', () => {
    expect(() => smokeTarget(outputs({ x: { teams: {} } }), 'x')).toThrow(/^stack "x" has no tracking_uri output in .*: is it deployed\?/);
    expect(() => smokeTarget(outputs({ g: { databricks_environments: {} } }), 'g')).toThrow('stack "g" is Databricks governance: it has no tracking server to check');
  });

  it('needs both credential variables and says how to read the password', () => {
    expect(credentialsFromEnv({ MLFLOW_TRACKING_USERNAME: 'admin', MLFLOW_TRACKING_PASSWORD: 'p' })).toEqual({ username: 'admin', password: 'p' });
    expect(() => credentialsFromEnv({ MLFLOW_TRACKING_USERNAME: 'admin' }, 'export MLFLOW_TRACKING_PASSWORD="$(...)"')).toThrow(
      'set MLFLOW_TRACKING_PASSWORD to the MLflow admin user (tracking.adminUsername, default admin) and its password; the password: export MLFLOW_TRACKING_PASSWORD="$(...)"',
    );
  });

  // The cases of MLflow's own tests/store/artifact/test_mlflow_artifact_repo.py (resolve_uri).
  it.each([
    ['mlflow-artifacts:/1/abc/artifacts', 'https://mlflow.example.com', 'https://mlflow.example.com/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts'],
    ['mlflow-artifacts:/my/artifact/path/nohost', 'http://localhost:5000/', 'http://localhost:5000/api/2.0/mlflow-artifacts/artifacts/my/artifact/path/nohost'],
    ['mlflow-artifacts://myhostname:4242/my/path', 'http://localhost:5000', 'http://myhostname:4242/api/2.0/mlflow-artifacts/artifacts/my/path'],
    ['mlflow-artifacts:/', 'http://localhost:5000', 'http://localhost:5000/api/2.0/mlflow-artifacts/artifacts'],
    ['mlflow-artifacts:/1/r/artifacts', 'https://host/mlflow', 'https://host/mlflow/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts'],
  ])('maps %s under %s to the proxy route', (uri, tracking, expected) => {
    expect(proxiedArtifactUrl(uri, tracking)?.href).toBe(expected);
  });

  it('does not map artifact URIs of other schemes', () => {
    expect(proxiedArtifactUrl('s3://bucket/1/r/artifacts', 'https://x')).toBeUndefined();
    expect(proxiedArtifactUrl('/tmp/unused-artifacts/0', 'https://x')).toBeUndefined();
  });

  const fetchFailure = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });
  it.each([
    [{ code: 'ENOTFOUND' }, "https://mlflow.internal: host mlflow.internal not found (DNS ENOTFOUND): check the name, or run this from a network that resolves the platform's DNS zone"],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN' }, "https://mlflow.internal: TLS failure (SELF_SIGNED_CERT_IN_CHAIN): pass the load balancer's CA bundle with --ca-file <pem> (or NODE_EXTRA_CA_CERTS)"],
    [{ errors: [{ code: 'ECONNREFUSED' }] }, 'https://mlflow.internal: connection refused (ECONNREFUSED)'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'https://mlflow.internal: unreachable (UND_ERR_CONNECT_TIMEOUT): is this machine inside the platform network or its allowed CIDRs?'],
  ])('describes a network failure %j in one line', (cause, expected) => {
    expect(describeNetworkError(fetchFailure(cause), new URL('https://mlflow.internal/health'), 20_000)).toBe(expected);
  });
});

describe('npm run smoke (the entry point)', () => {
  // Starting node with the TypeScript loader takes seconds on a busy machine: a generous limit, not a timing assertion.
  jest.setTimeout(60_000);
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['-r', './cli/register.js', 'cli/smoke.ts', ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
      );
    });

  it('exits 1 with one line and no stack trace on a missing outputs file', async () => {
    const result = await run(['aws-dev', '--outputs', '/nonexistent/outputs.json'], {});
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('smoke: /nonexistent/outputs.json: no outputs file; create it with: npx cdktf output aws-dev --outputs-file /nonexistent/outputs.json');
  });

  it('prints each step and exits 0 against a well-behaved server', async () => {
    const fake = new FakeMlflow();
    const trackingUri = await fake.start();
    const file = path.join(tempDirWith({ 'outputs.json': JSON.stringify({ s: { tracking_uri: trackingUri } }) }), 'outputs.json');
    try {
      const result = await run(['s', '--outputs', file], { MLFLOW_TRACKING_USERNAME: ADMIN.username, MLFLOW_TRACKING_PASSWORD: ADMIN.password });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout.split('\n').filter((l) => l.startsWith('ok   '))).toHaveLength(10);
      expect(result.stdout).toContain('smoke: s passed every check');
    } finally {
      await fake.stop();
    }
    expect(fake.leftovers()).toEqual([]);
  });
});

describe('smoke --large-artifact-mb (one streamed PUT through the proxy, SHA-256 compared)', () => {
  const large = '/api/2.0/mlflow-artifacts/artifacts/1/run2/artifacts/smoke-large.bin';

  it('uploads n MiB through the single-request proxy route, reads them back, compares the SHA-256 and deletes them', async () => {
    const { fake, passed, error } = await smokeAgainst({}, ADMIN, 3);
    expect(error).toBeUndefined();
    expect(fake.uploadedBytes.get('1/run2/artifacts/smoke-large.bin')).toBe(3 * 1024 * 1024);
    expect(fake.requests).toEqual(expect.arrayContaining([`PUT ${large}`, `GET ${large}`, `DELETE ${large}`]));
    expect(passed).toContainEqual(expect.stringMatching(/^admin uploads 3 MiB in one streamed PUT through the proxy and reads it back \(SHA-256 [0-9a-f]{12}…\)$/));
    expect(passed.at(-2)).toBe(
      `cleanup: removed user smoke-test, artifact ${large}, artifact /api/2.0/mlflow-artifacts/artifacts/1/run2/artifacts/smoke.txt, experiment 1 (smoke/test)`,
    );
    expect(fake.leftovers()).toEqual([]);
  });

  it('is off unless asked for', async () => {
    const { fake } = await smokeAgainst({});
    expect(fake.requests.some((r) => r.includes('smoke-large.bin'))).toBe(false);
  });

  it('fails on a different digest, naming the size, and still deletes the large artifact', async () => {
    const { fake, error } = await smokeAgainst({ corruptKey: /smoke-large\.bin$/ }, ADMIN, 1);
    expect(error).toBeInstanceOf(SmokeError);
    expect(error?.message).toBe(`GET ${large} returned 1048577 bytes whose SHA-256 differs from the 1 MiB uploaded`);
    expect(fake.requests).toContain(`DELETE ${large}`);
    expect(fake.leftovers()).toEqual([]);
  });

  it('names the proxy route and the likely causes when the upload is refused', async () => {
    const { fake, error } = await smokeAgainst({ failing: [`PUT ${large}`] }, ADMIN, 2);
    expect(error?.message).toMatch(new RegExp(`^PUT ${large.replace(/\./g, '\\.')} answered 500, expected 200: the proxy did not take 2 MiB`));
    expect(fake.requests).not.toContain(`GET ${large}`);
    expect(fake.leftovers()).toEqual([]);
  });

  it.each(['0', '-1', '1.5', 'ten', '10241'])('rejects --large-artifact-mb %s', (value) => {
    expect(() => parseLargeArtifactMb(value)).toThrow(/^--large-artifact-mb .*: expected a whole number of MiB from 1 to 10240$/);
  });

  it('hashes the generated body as it streams (the digest is that of the bytes sent)', async () => {
    const body = generatedBody(2);
    const read = await hashBody(body.stream);
    expect(read.bytes).toBe(2 * 1024 * 1024);
    expect(read.sha256).toBe(body.sha256());
  });
});

