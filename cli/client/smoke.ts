import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { adminSecret, readStackOutputs } from './client-config';
import { downloadLarge, uploadLarge } from './large-artifact';

/**
 * `npm run smoke -- <stack>`: a post-deploy check of a tracking server, over MLflow's REST API
 * with Node's built-in fetch. Every route and status below is MLflow's, at the pinned image's
 * version (ghcr.io/mlflow/mlflow:v3.17.0-full):
 * - `/health` is outside basic auth, everything else answers 401 without credentials and 403
 *   without permission (mlflow/server/auth/__init__.py: is_unprotected_route,
 *   make_basic_auth_response, make_forbidden_response; default_permission NO_PERMISSIONS).
 * - Users: POST /api/2.0/mlflow/users/create {username, password} (Content-Type exactly
 *   application/json, else 400), DELETE
 *   /api/2.0/mlflow/users/delete {username} (mlflow/server/auth/routes.py, auth/client.py).
 * - Experiments and runs: /api/2.0/mlflow/experiments/{create,get,delete},
 *   /api/2.0/mlflow/runs/{create,log-metric,update} (mlflow/server/handlers.py).
 * - Proxied artifacts: PUT/GET/DELETE /api/2.0/mlflow-artifacts/artifacts/<path>
 *   (handlers.py: _upload_artifact, _download_artifact, _delete_artifact_mlflow_artifacts); an
 *   artifact URI `mlflow-artifacts:/<path>` maps to `<tracking uri path>/api/2.0/mlflow-artifacts/artifacts/<path>`
 *   on the tracking server's host, or on the URI's own host if it names one
 *   (mlflow/store/artifact/mlflow_artifacts_repo.py: MlflowArtifactsRepository.resolve_uri).
 */

/** A user-facing problem of the smoke command: printed as one line. */
export class SmokeError extends Error {}

export interface SmokeCredentials {
  readonly username: string;
  readonly password: string;
}

export interface SmokeOptions {
  /** The stack's tracking_uri output. */
  readonly trackingUri: string;
  /** An MLflow admin (the deployment's admin user). */
  readonly admin: SmokeCredentials;
  /** Prints a step that passed. */
  readonly pass: (step: string) => void;
  /** Prints a problem that does not stop the check (a cleanup that failed). */
  readonly warn: (problem: string) => void;
  /** Time allowed for each request, in milliseconds. @default 20000 */
  readonly timeoutMs?: number;
  /** Suffix of the throwaway experiment's and user's names. @default random */
  readonly suffix?: string;
  /** MiB of a second, large artifact sent through the proxy and read back (cli/client/large-artifact.ts). @default none */
  readonly largeArtifactMb?: number;
}

export interface SmokeTarget {
  readonly trackingUri: string;
  /** The shell line that reads the admin password from the stack's secret, when the outputs name it. */
  readonly passwordCommand?: string;
}

/** The stack's tracking server, from the outputs file `client-config` reads. */
export function smokeTarget(outputsFile: string, stack: string): SmokeTarget {
  const outputs = readStackOutputs(outputsFile, stack);
  if (!outputs.tracking_uri) {
    throw new SmokeError(
      outputs.databricks_environments
        ? `stack "${stack}" is Databricks governance: it has no tracking server to check`
        : `stack "${stack}" has no tracking_uri output in ${outputsFile}: is it deployed? (npx cdktf output ${stack} --outputs-file ${outputsFile})`,
    );
  }
  return { trackingUri: outputs.tracking_uri, passwordCommand: passwordCommand(adminSecret(outputs).arn, adminSecret(outputs).id) };
}

/** Reads the admin password from Secrets Manager (AWS) or Key Vault (Azure); the secret holds the bare password. */
export function passwordCommand(secretArn: string | undefined, secretId: string | undefined): string | undefined {
  if (secretArn) return `export MLFLOW_TRACKING_PASSWORD="$(aws secretsmanager get-secret-value --secret-id ${secretArn} --query SecretString --output text)"`;
  if (secretId) return `export MLFLOW_TRACKING_PASSWORD="$(az keyvault secret show --id ${secretId} --query value --output tsv)"`;
  return undefined;
}

/** The admin credentials, from the variables the MLflow client itself reads. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, passwordHint?: string): SmokeCredentials {
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  const missing = [username ? undefined : 'MLFLOW_TRACKING_USERNAME', password ? undefined : 'MLFLOW_TRACKING_PASSWORD'].filter(Boolean);
  if (missing.length > 0 || !username || !password) {
    const hint = passwordHint ? `; the password: ${passwordHint}` : ' (see --help)';
    throw new SmokeError(`set ${missing.join(' and ')} to the MLflow admin user (tracking.adminUsername, default admin) and its password${hint}`);
  }
  return { username, password };
}

/** A CA bundle for `--ca-file`: a readable PEM file with at least one certificate. */
export function checkCaFile(file: string): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new SmokeError(`${file}: cannot read the CA bundle`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new SmokeError(`${file}: not a PEM CA bundle (no BEGIN CERTIFICATE block)`);
}

const ARTIFACTS_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The proxy URL of an `mlflow-artifacts:` URI, as MLflow's client resolves it
 * (mlflow_artifacts_repo.py, resolve_uri); undefined for any other scheme (not proxied).
 */
export function proxiedArtifactUrl(artifactUri: string, trackingUri: string): URL | undefined {
  const match = /^mlflow-artifacts:(\/\/([^/]*))?(.*)$/.exec(artifactUri);
  if (!match) return undefined;
  const tracking = new URL(trackingUri);
  const host = match[2] || tracking.host;
  const path = `${tracking.pathname}/${ARTIFACTS_ROUTE}/${match[3]}`.replace(/\/\/+/g, '/').replace(/\/$/, '');
  return new URL(`${tracking.protocol}//${host}${path}`);
}

interface Reply {
  readonly status: number;
  readonly text: string;
}

interface SendOptions {
  readonly auth?: SmokeCredentials;
  readonly json?: unknown;
  readonly body?: string;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: ErrorLike;
  readonly errors?: readonly ErrorLike[];
}

/** Errors by shape, not `instanceof`: fetch's errors come from Node's own realm. */
function asErrorLike(error: unknown): ErrorLike {
  return error !== null && typeof error === 'object' ? (error as ErrorLike) : { message: String(error) };
}

/** The `code` of a fetch failure's cause (undici wraps it; connection errors may be an AggregateError). */
function errorCode(error: ErrorLike): string | undefined {
  const code = error.cause?.code ?? error.cause?.errors?.[0]?.code ?? error.code;
  return typeof code === 'string' ? code : undefined;
}

/** One line for a request that got no HTTP answer. */
export function describeNetworkError(error: unknown, url: URL, timeoutMs: number): string {
  const where = `${url.protocol}//${url.host}`;
  const e = asErrorLike(error);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return `${where}: no answer within ${timeoutMs / 1000}s (is this machine inside the platform network or its allowed CIDRs?)`;
  }
  const code = errorCode(e);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${where}: host ${url.hostname} not found (DNS ${code}): check the name, or run this from a network that resolves the platform's DNS zone`;
  if (code === 'ECONNREFUSED') return `${where}: connection refused (ECONNREFUSED)`;
  if (code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return `${where}: unreachable (${code}): is this machine inside the platform network or its allowed CIDRs?`;
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return `${where}: TLS failure (${code}): pass the load balancer's CA bundle with --ca-file <pem> (or NODE_EXTRA_CA_CERTS)`;
  }
  const detail = String(e.cause?.message ?? e.message);
  return `${where}: request failed (${code ?? detail})`;
}

/** The Basic authorization header of `who`. */
function basic(who: SmokeCredentials): string {
  return `Basic ${Buffer.from(`${who.username}:${who.password}`).toString('base64')}`;
}

/** HTTP against one tracking server, with one-line errors. */
class Server {
  constructor(
    readonly trackingUri: string,
    private readonly timeoutMs: number,
  ) {}

  url(route: string, query?: Record<string, string>): URL {
    const base = new URL(this.trackingUri);
    const url = new URL(`${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}${route}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url;
  }

  async send(method: string, url: URL, options: SendOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.auth) headers.authorization = basic(options.auth);
    let body: string | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    try {
      const response = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw new SmokeError(describeNetworkError(error, url, this.timeoutMs));
    }
  }

  /** A JSON call as `who` that must answer 200. */
  async call(who: SmokeCredentials, method: string, url: URL, json?: unknown): Promise<Record<string, unknown>> {
    const reply = await this.send(method, url, { auth: who, json });
    if (reply.status === 401) {
      throw new SmokeError(
        `${method} ${url.pathname} answered 401: the server refused ${who.username}'s password (check MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)`,
      );
    }
    expectStatus(reply, method, url, 200, reply.status === 403 ? `${who.username} may not do this: is it the deployment's admin user (tracking.adminUsername)?` : undefined);
    try {
      return JSON.parse(reply.text || '{}') as Record<string, unknown>;
    } catch {
      throw new SmokeError(`${method} ${url.pathname} answered 200 without JSON: ${snippet(reply.text)}`);
    }
  }
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine || '(empty body)';
}

function expectStatus(reply: Reply, method: string, url: URL, expected: number, meaning?: string): void {
  if (reply.status === expected) return;
  const why = meaning ? `: ${meaning}` : '';
  throw new SmokeError(`${method} ${url.pathname} answered ${reply.status}, expected ${expected}${why} (${snippet(reply.text)})`);
}

function field(data: unknown, path: string): string {
  let value: unknown = data;
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new SmokeError(`the server's answer has no ${path}: ${snippet(JSON.stringify(data))}`);
  return String(value);
}

const API = '/api/2.0/mlflow';

/** Runs every check; removes what it created even when a check fails. */
export async function runSmoke(options: SmokeOptions): Promise<void> {
  const server = new Server(options.trackingUri, options.timeoutMs ?? 20_000);
  const suffix = options.suffix ?? `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`;
  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  let failure: unknown;
  try {
    await checkServer(server, options);
    await checkWorkflow(server, options, suffix, cleanups);
  } catch (error) {
    failure = error;
  }
  const leftovers: string[] = [];
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup.run();
    } catch (error) {
      const problem = `could not remove ${cleanup.what} (${error instanceof Error ? error.message : String(error)}): remove it by hand`;
      leftovers.push(cleanup.what);
      options.warn(`cleanup: ${problem}`);
    }
  }
  if (cleanups.length > 0 && leftovers.length === 0) {
    options.pass(`cleanup: removed ${cleanups.map((c) => c.what).join(', ')}`);
    // experiments/delete is a soft delete: the row (and its name) stays until `mlflow gc` (mlflow/cli/__init__.py gc).
    const experiment = cleanups.find((c) => c.what.startsWith('experiment '));
    if (experiment) {
      options.pass(`cleanup: ${experiment.what} is deleted, not yet purged: the scheduled gc purges it after retention.deletedRunsDays days`);
    }
  }
  if (failure !== undefined) throw failure;
  if (leftovers.length > 0) throw new SmokeError(`every check passed, but cleanup left ${leftovers.join(', ')}`);
}

/** Health, anonymous refusal, the admin's sign-in and the Default experiment's artifact root. */
async function checkServer(server: Server, options: SmokeOptions): Promise<void> {
  const health = server.url('/health');
  expectStatus(await server.send('GET', health), 'GET', health, 200);
  options.pass(`GET ${health.pathname} answers 200 (${server.trackingUri})`);

  const defaultExperiment = server.url(`${API}/experiments/get`, { experiment_id: '0' });
  const anonymous = await server.send('GET', defaultExperiment);
  expectStatus(anonymous, 'GET', defaultExperiment, 401, 'a request without credentials must be refused');
  options.pass('a request without credentials is refused (401)');

  const experiment = await server.call(options.admin, 'GET', defaultExperiment);
  options.pass(`admin ${options.admin.username} signs in`);
  const root = field(experiment, 'experiment.artifact_location');
  if (!root.startsWith('mlflow-artifacts:')) {
    throw new SmokeError(
      `the Default experiment (id 0) stores artifacts at ${root}, not through the server (mlflow-artifacts:): repair its artifact_location (docs/runbook.md)`,
    );
  }
  options.pass(`the Default experiment's artifact root is proxied (${root})`);
}

/** A throwaway experiment, run and artifact through the proxy; a throwaway user who may not read them. */
async function checkWorkflow(server: Server, options: SmokeOptions, suffix: string, cleanups: { what: string; run: () => Promise<void> }[]): Promise<void> {
  const admin = options.admin;
  const name = `smoke/${suffix}`;
  const created = await server.call(admin, 'POST', server.url(`${API}/experiments/create`), { name });
  const experimentId = field(created, 'experiment_id');
  cleanups.push({
    what: `experiment ${experimentId} (${name})`,
    run: async () => void (await server.call(admin, 'POST', server.url(`${API}/experiments/delete`), { experiment_id: experimentId })),
  });
  options.pass(`admin creates experiment ${name} (id ${experimentId})`);

  const now = Date.now();
  const run = await server.call(admin, 'POST', server.url(`${API}/runs/create`), { experiment_id: experimentId, start_time: now, run_name: 'smoke' });
  const runId = field(run, 'run.info.run_id');
  const artifactUri = field(run, 'run.info.artifact_uri');
  await server.call(admin, 'POST', server.url(`${API}/runs/log-metric`), { run_id: runId, key: 'smoke', value: 1, timestamp: now, step: 0 });
  options.pass(`admin logs run ${runId} with a metric`);

  const proxied = proxiedArtifactUrl(artifactUri, server.trackingUri);
  if (!proxied) throw new SmokeError(`run ${runId} stores artifacts at ${artifactUri}, not through the server (mlflow-artifacts:)`);
  const file = new URL(`${proxied.href}/smoke.txt`);
  const content = `mlflow-platform smoke ${suffix}\n`;
  expectStatus(await server.send('PUT', file, { auth: admin, body: content }), 'PUT', file, 200);
  cleanups.push({ what: `artifact ${file.pathname}`, run: async () => expectStatus(await server.send('DELETE', file, { auth: admin }), 'DELETE', file, 200) });
  const got = await server.send('GET', file, { auth: admin });
  expectStatus(got, 'GET', file, 200);
  if (got.text !== content) throw new SmokeError(`GET ${file.pathname} returned other content than was uploaded: ${snippet(got.text)}`);
  options.pass(`admin uploads an artifact and reads it back through the proxy (${artifactUri})`);
  if (options.largeArtifactMb) await checkLargeArtifact(server, options, new URL(`${proxied.href}/smoke-large.bin`), options.largeArtifactMb, cleanups);
  await server.call(admin, 'POST', server.url(`${API}/runs/update`), { run_id: runId, status: 'FINISHED', end_time: Date.now() });

  const user = { username: `smoke-${suffix}`, password: randomBytes(24).toString('base64url') };
  await server.call(admin, 'POST', server.url(`${API}/users/create`), { username: user.username, password: user.password });
  cleanups.push({
    what: `user ${user.username}`,
    run: async () => void (await server.call(admin, 'DELETE', server.url(`${API}/users/delete`), { username: user.username })),
  });
  const read = server.url(`${API}/experiments/get`, { experiment_id: experimentId });
  const denied = await server.send('GET', read, { auth: user });
  expectStatus(denied, 'GET', read, 403, `user ${user.username}, who has no permission, must not read experiment ${experimentId}`);
  options.pass(`a user without permissions cannot read the experiment (403)`);
}

/** n MiB up through the proxy in one streamed PUT, back with a streamed GET, compared by SHA-256. */
async function checkLargeArtifact(server: Server, options: SmokeOptions, file: URL, megabytes: number, cleanups: { what: string; run: () => Promise<void> }[]): Promise<void> {
  const admin = options.admin;
  // A large transfer takes longer than one API call: allow 2 s per MiB on top of the request timeout.
  const timeoutMs = (options.timeoutMs ?? 20_000) + megabytes * 2000;
  const request = { url: file, authorization: basic(admin), megabytes, timeoutMs };
  const network = (error: unknown) => {
    throw new SmokeError(describeNetworkError(error, file, timeoutMs));
  };
  const up = await uploadLarge(request).catch(network);
  expectStatus(up, 'PUT', file, 200, `the proxy did not take ${megabytes} MiB (load balancer idle timeout, request size limit or the server's disk?)`);
  cleanups.push({ what: `artifact ${file.pathname}`, run: async () => expectStatus(await server.send('DELETE', file, { auth: admin }), 'DELETE', file, 200) });
  const down = await downloadLarge(request).catch(network);
  expectStatus({ status: down.status, text: down.text ?? '' }, 'GET', file, 200);
  if (down.sha256 !== up.sha256) {
    throw new SmokeError(`GET ${file.pathname} returned ${down.bytes ?? 0} bytes whose SHA-256 differs from the ${megabytes} MiB uploaded`);
  }
  options.pass(`admin uploads ${megabytes} MiB in one streamed PUT through the proxy and reads it back (SHA-256 ${up.sha256.slice(0, 12)}…)`);
}

