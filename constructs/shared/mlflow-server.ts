/**
 * What the MLflow server runs, the same on every cloud: an init step that migrates the databases
 * and creates the auth admin, then `mlflow server` with the basic-auth app, artifacts served
 * through the server, and no credential in any URI (libpq reads PGUSER and PGPASSWORD from the
 * environment).
 *
 * Upstream facts these scripts rest on (MLflow at the pinned image tag):
 * - mlflow/server/auth/config.py: `read_auth_config` reads MLFLOW_AUTH_CONFIG_PATH with a plain
 *   `configparser.ConfigParser()` (BasicInterpolation): a `%` in a value must be written `%%`.
 * - mlflow/server/auth/__init__.py: `create_admin_user` creates the admin only when
 *   `store.has_user(admin_username)` is false; the ini's password is never read again after that.
 * - mlflow/utils/server_cli_utils.py: with `--serve-artifacts` and no `--default-artifact-root`
 *   the default artifact root is DEFAULT_ARTIFACTS_URI, `mlflow-artifacts:/`.
 * - mlflow/server/security_utils.py: `is_allowed_host_header` compares the whole Host header (with
 *   its port) exactly, or with fnmatch when the pattern holds `*`; MLFLOW_SERVER_ALLOWED_HOSTS
 *   replaces `get_default_allowed_hosts()`.
 * - mlflow/server/__init__.py (`_run_server`): the job runner calls the server on
 *   `http://{host}:{port}` (here 0.0.0.0:5000) and keeps its huey store in
 *   `tempfile.mkdtemp(dir="/dev/shm")` when /dev/shm exists, else in TMPDIR.
 * - mlflow/telemetry/utils.py: `is_telemetry_disabled` honours MLFLOW_DISABLE_TELEMETRY and DO_NOT_TRACK.
 */

/**
 * The pinned default image: the `-full` variant carries the PostgreSQL driver, boto3, the Azure
 * storage packages and the auth extra; 3.14.0 or later has the fix for the trace authorization CVE.
 */
export const DEFAULT_MLFLOW_IMAGE = 'ghcr.io/mlflow/mlflow:v3.14.0-full';

export const CONTAINER_PORT = 5000;
/** The auth app's database, on the same PostgreSQL server as the tracking store. */
export const AUTH_DATABASE = 'mlflow_auth';
/** MLflow's proxied artifact root (DEFAULT_ARTIFACTS_URI in mlflow/store/tracking/__init__.py). */
export const PROXIED_ARTIFACT_ROOT = 'mlflow-artifacts:/';
/** The local root earlier releases of this package bootstrapped experiment 0 with (repaired at start). */
const LEGACY_BOOTSTRAP_ROOT = '/tmp/unused-artifacts';

/**
 * The one writable path of the containers (a task/pod-scoped volume; the root filesystem is
 * read-only where the platform allows it). HOME, TMPDIR and the auth config live below it.
 */
export const SCRATCH_PATH = '/tmp';
/** The numeric user the server runs as where the platform lets us choose (AWS). */
export const SERVER_UID = 65534;

/** A Host-header pattern matching a network's private addresses (health checks send the target IP as Host). */
export function privateIpPattern(cidr: string): string {
  const [address, prefixText] = cidr.split('/');
  const keep = Math.floor(Number(prefixText) / 8);
  return [...address.split('.').slice(0, keep), '*'].join('.');
}

/**
 * MLFLOW_SERVER_ALLOWED_HOSTS: the names users reach, the private addresses health checks use,
 * and the loopback names with the port, as the in-container health check and MLflow's own job
 * runner (`http://0.0.0.0:<port>`) send them. The list replaces MLflow's defaults.
 */
export function allowedHosts(userFacing: readonly (string | undefined)[], privateCidr: string): string[] {
  const loopback = ['localhost', '127.0.0.1', '0.0.0.0'].map((h) => `${h}:${CONTAINER_PORT}`);
  const names = userFacing.filter((h): h is string => !!h);
  return [...new Set([...names, privateIpPattern(privateCidr), ...loopback])];
}

export interface ServerEnvironmentOptions {
  /** Send MLflow's usage telemetry. @default false */
  readonly telemetry?: boolean;
}

/**
 * Environment shared by the init and server containers: every path MLflow, Python and the
 * scripts write is below SCRATCH_PATH; telemetry is off unless asked for.
 */
export function scratchEnvironment(options: ServerEnvironmentOptions = {}): { name: string; value: string }[] {
  const telemetryOff = options.telemetry ? 'false' : 'true';
  return [
    { name: 'HOME', value: SCRATCH_PATH },
    { name: 'TMPDIR', value: SCRATCH_PATH },
    { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
    { name: 'MLFLOW_AUTH_CONFIG_PATH', value: `${SCRATCH_PATH}/mlflow-auth/basic_auth.ini` },
    { name: 'MLFLOW_DISABLE_TELEMETRY', value: telemetryOff },
    { name: 'DO_NOT_TRACK', value: telemetryOff },
  ];
}

/**
 * Run as root in its own init container (AWS only): Fargate bind-mount volumes are root-owned
 * with mode 0755, so the non-root server cannot write them until they are handed over.
 */
export const PREPARE_SCRATCH_SCRIPT = ['set -eu', `chown ${SERVER_UID}:${SERVER_UID} ${SCRATCH_PATH}`, `chmod 0700 ${SCRATCH_PATH}`].join('\n');

/**
 * Python run by the init step (a quoted heredoc: the shell expands nothing in it, every value
 * comes from the environment). Creates the auth database once, initializes an empty tracking
 * store with the proxied artifact root, repairs experiment 0 of stores initialized before that,
 * and creates the auth admin from MLFLOW_ADMIN_PASSWORD.
 */
function migratePython(): string[] {
  return [
    'import os, psycopg2, sqlalchemy',
    '# libpq reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD and PGSSLMODE from the environment.',
    'conn = psycopg2.connect()',
    'conn.autocommit = True',
    'with conn.cursor() as cur:',
    `    cur.execute("SELECT 1 FROM pg_database WHERE datname = '${AUTH_DATABASE}'")`,
    '    if cur.fetchone() is None:',
    '        try:',
    `            cur.execute("CREATE DATABASE ${AUTH_DATABASE}")`,
    '        except psycopg2.errors.DuplicateDatabase:',
    '            pass',
    'conn.close()',
    'uri = os.environ["MLFLOW_BACKEND_STORE_URI"]',
    'engine = sqlalchemy.create_engine(uri)',
    'if not sqlalchemy.inspect(engine).has_table("alembic_version"):',
    '    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore',
    `    SqlAlchemyStore(uri, "${PROXIED_ARTIFACT_ROOT}")`,
    '# Stores bootstrapped by earlier releases gave the Default experiment a local path: repair it (idempotent).',
    'with engine.begin() as db:',
    '    db.execute(sqlalchemy.text(',
    `        "UPDATE experiments SET artifact_location = '${PROXIED_ARTIFACT_ROOT}0' "`,
    `        "WHERE experiment_id = 0 AND artifact_location LIKE '%${LEGACY_BOOTSTRAP_ROOT}%'"`,
    '    ))',
    '# The auth database and its admin, once here rather than in every server worker.',
    'from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore as AuthStore',
    'base = uri.split("?")[0].rsplit("/", 1)[0]',
    'auth = AuthStore()',
    `auth.init_db(f"{base}/${AUTH_DATABASE}?sslmode=require")`,
    'admin = os.environ["MLFLOW_ADMIN_USERNAME"]',
    'if not auth.has_user(admin):',
    '    auth.create_user(admin, os.environ["MLFLOW_ADMIN_PASSWORD"], is_admin=True)',
  ];
}

/**
 * Migrations as a controlled step before the server serves. `$VAR` (not `${VAR}`) keeps the
 * script free of Terraform interpolation syntax.
 */
export function migrateScript(): string {
  return ['set -eu', "python - <<'PY'", ...migratePython(), 'PY', 'unset MLFLOW_ADMIN_PASSWORD', 'exec mlflow db upgrade "$MLFLOW_BACKEND_STORE_URI"'].join('\n');
}

export interface ServerScriptProps {
  readonly artifactsDestination: string;
  readonly workers: number;
}

/**
 * Writes the auth config (mode 600, below SCRATCH_PATH, every value escaped for configparser)
 * and runs the server. The admin already exists (the init step created it), so the ini holds a
 * random throwaway password instead of the real one: no secret reaches this container's disk.
 */
export function serverScript(p: ServerScriptProps): string {
  return [
    'set -eu',
    'umask 077',
    "ini() { printf '%s' \"$1\" | sed 's/%/%%/g'; }",
    'mkdir -p "$(dirname "$MLFLOW_AUTH_CONFIG_PATH")"',
    'unused_password=$(od -An -N24 -tx1 /dev/urandom | tr -d \' \\n\')',
    'cat > "$MLFLOW_AUTH_CONFIG_PATH" <<INI',
    '[mlflow]',
    'default_permission = NO_PERMISSIONS',
    `database_uri = $(ini "postgresql://$PGHOST:$PGPORT/${AUTH_DATABASE}?sslmode=require")`,
    'admin_username = $(ini "$MLFLOW_ADMIN_USERNAME")',
    'admin_password = $unused_password',
    'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
    'INI',
    '# The job runner keeps its queue in /dev/shm when it exists; without write access there it cannot start.',
    'if [ -d /dev/shm ] && [ ! -w /dev/shm ]; then',
    '  echo "mlflow-platform: /dev/shm is not writable: background jobs disabled" >&2',
    '  export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false',
    'fi',
    [
      'exec mlflow server',
      '--host 0.0.0.0',
      `--port ${CONTAINER_PORT}`,
      `--workers ${p.workers}`,
      '--backend-store-uri "$MLFLOW_BACKEND_STORE_URI"',
      '--serve-artifacts',
      `--artifacts-destination ${p.artifactsDestination}`,
      '--app-name basic-auth',
    ].join(' '),
  ].join('\n');
}
