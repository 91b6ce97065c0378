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
 * storage packages and the auth extra. 3.17.0 because it is the first release with all of:
 * workspaces and workspace permissions (3.10), the artifact proxy resolving experiment ids under
 * `workspaces/<name>/` (mlflow/mlflow#24214), basic-auth failing closed for routes without a
 * permission check (MLFLOW_BASIC_AUTH_FAIL_CLOSED, mlflow/mlflow#25065, on by default since
 * 3.16.0, #25308) and the web UI still served to non-admins under it (mlflow/mlflow#25672).
 */
export const DEFAULT_MLFLOW_IMAGE = 'ghcr.io/mlflow/mlflow:v3.17.0-full';

/** The MLflow auth admin user when none is given (the deployment config's default too). */
export const DEFAULT_ADMIN_USERNAME = 'admin';

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
 * The server container's own settings: allowed hosts and CORS origin, workspaces on (the auth
 * module reads MLFLOW_ENABLE_WORKSPACES in every worker), and basic-auth failing closed: a route
 * with no permission check is refused (mlflow/server/auth/__init__.py `_before_request`).
 */
export function serverEnvironment(p: { allowedHosts: readonly string[]; corsOrigin: string }): { name: string; value: string }[] {
  return [
    { name: 'MLFLOW_SERVER_ALLOWED_HOSTS', value: p.allowedHosts.join(',') },
    { name: 'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS', value: p.corsOrigin },
    { name: 'MLFLOW_ENABLE_WORKSPACES', value: 'true' },
    { name: 'MLFLOW_BASIC_AUTH_FAIL_CLOSED', value: 'true' },
  ];
}

/**
 * Run as root in its own init container (AWS only): Fargate bind-mount volumes are root-owned
 * with mode 0755, so the non-root server cannot write them until they are handed over.
 */
export const PREPARE_SCRATCH_SCRIPT = ['set -eu', `chown ${SERVER_UID}:${SERVER_UID} ${SCRATCH_PATH}`, `chmod 0700 ${SCRATCH_PATH}`].join('\n');

/** The PostgreSQL role the server connects as: owns MLflow's tables, nothing else (no CREATEDB/CREATEROLE). */
export const SERVER_DB_ROLE = 'mlflow_server';
/**
 * Re-applied at every start (password from the secret store). Only attributes a non-superuser
 * CREATEROLE admin may set: PostgreSQL's AlterRole (src/backend/commands/user.c, REL_14–REL_17)
 * refuses SUPERUSER/NOSUPERUSER from a non-superuser, REPLICATION/NOREPLICATION from a non-superuser
 * (≤ 15) or a role without REPLICATION (≥ 16), and from 16 on NOCREATEDB needs CREATEDB and every
 * change needs ADMIN OPTION on the role (which its creator gets): the RDS master user and the Azure
 * flexible-server admin hold CREATEDB and CREATEROLE.
 */
export const SERVER_ROLE_ALTER = `ALTER ROLE ${SERVER_DB_ROLE} WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %s`;
/** Environment names the init step reads; the secret ones come from the cloud's secret store. */
export const INIT_ENV = {
  adminPassword: 'MLFLOW_ADMIN_PASSWORD',
  serverDbPassword: 'MLFLOW_SERVER_DB_PASSWORD',
  teams: 'MLFLOW_PLATFORM_TEAMS',
} as const;

/** The MLflow user that manages a team's workspace. */
export function teamAdminUsername(team: string): string {
  return `${team}-admin`;
}

/** The init step's environment variable holding a team admin's password. */
export function teamAdminPasswordEnv(team: string): string {
  return `MLFLOW_TEAM_ADMIN_PASSWORD_${team.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Where a team's artifacts live in the artifact store: MLflow puts every experiment of a
 * non-default workspace under `workspaces/<workspace>/<experiment id>/` when the workspace has
 * no artifact root of its own (mlflow/store/workspace/sqlalchemy_store.py `resolve_artifact_root`),
 * and the artifact proxy authorizes exactly that layout (mlflow/server/auth/__init__.py
 * `_EXPERIMENT_ID_PATTERN`). The team's direct-access role or ABAC grant uses the same prefix.
 */
export function teamArtifactPrefix(team: string): string {
  return `workspaces/${team}/`;
}

/**
 * First Python step (admin credentials, before `mlflow db upgrade`): the server's own database
 * role, the auth database, an empty tracking store with the proxied artifact root, the repair of
 * experiment 0 of stores initialized by earlier releases, and the auth admin.
 */
function bootstrapPython(): string[] {
  return [
    'import os, psycopg2, sqlalchemy',
    'from mlflow.exceptions import MlflowException',
    '# libpq reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD and PGSSLMODE from the environment.',
    'conn = psycopg2.connect()',
    'conn.autocommit = True',
    'with conn.cursor() as cur:',
    `    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = '${SERVER_DB_ROLE}'")`,
    '    if cur.fetchone() is None:',
    '        try:',
    `            cur.execute("CREATE ROLE ${SERVER_DB_ROLE} LOGIN")`,
    '        except psycopg2.errors.DuplicateObject:',
    '            pass',
    '    # CREATE ROLE defaults to NOSUPERUSER NOREPLICATION; the admin (rds_superuser, azure_pg_admin) is no',
    '    # superuser and may not name those attributes at all (PostgreSQL src/backend/commands/user.c AlterRole).',
    `    cur.execute("${SERVER_ROLE_ALTER}", (os.environ["${INIT_ENV.serverDbPassword}"],))`,
    '    # Membership lets this admin hand the tables over (ALTER ... OWNER TO) and migrate them later.',
    `    cur.execute("GRANT ${SERVER_DB_ROLE} TO CURRENT_USER")`,
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
    '    try:',
    `        auth.create_user(admin, os.environ["${INIT_ENV.adminPassword}"], is_admin=True)`,
    '    except MlflowException as e:',
    '        if e.error_code != "RESOURCE_ALREADY_EXISTS":',
    '            raise',
  ];
}

/**
 * Second Python step (after `mlflow db upgrade`, whose migrations create the workspace tables):
 * one workspace per configured team with its team admin (password from the secret store, MANAGE
 * on that workspace only), then every table of both databases handed to the server's role.
 */
function teamsAndOwnershipPython(): string[] {
  return [
    'import os, psycopg2',
    'from mlflow.entities.workspace import Workspace',
    'from mlflow.exceptions import MlflowException',
    'from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore as AuthStore',
    'from mlflow.store.workspace.sqlalchemy_store import SqlAlchemyStore as WorkspaceStore',
    'uri = os.environ["MLFLOW_BACKEND_STORE_URI"]',
    'base = uri.split("?")[0].rsplit("/", 1)[0]',
    'auth = AuthStore()',
    `auth.init_db(f"{base}/${AUTH_DATABASE}?sslmode=require")`,
    'workspaces = WorkspaceStore(uri)',
    `for team in filter(None, os.environ.get("${INIT_ENV.teams}", "").split(",")):`,
    '    # mlflow/store/workspace/sqlalchemy_store.py: RESOURCE_DOES_NOT_EXIST for a missing workspace,',
    '    # RESOURCE_ALREADY_EXISTS for a duplicate; any other error (database down) fails the step.',
    '    try:',
    '        workspaces.get_workspace(team)',
    '    except MlflowException as e:',
    '        if e.error_code != "RESOURCE_DOES_NOT_EXIST":',
    '            raise',
    '        try:',
    '            # No artifact root of its own: MLflow stores the workspace under workspaces/<team>/.',
    '            workspaces.create_workspace(Workspace(name=team, description=f"Team {team}"))',
    '        except MlflowException as e:',
    '            if e.error_code != "RESOURCE_ALREADY_EXISTS":',
    '                raise',
    `    user = team + "${teamAdminUsername('')}"`,
    `    password = os.environ["MLFLOW_TEAM_ADMIN_PASSWORD_" + team.upper().replace("-", "_")]`,
    '    # The secret store holds the team admin password: it is re-applied at every start (docs/runbook.md).',
    '    created = False',
    '    if not auth.has_user(user):',
    '        try:',
    '            auth.create_user(user, password, is_admin=False)',
    '            created = True',
    '        except MlflowException as e:',
    '            if e.error_code != "RESOURCE_ALREADY_EXISTS":',
    '                raise',
    '    if not created:',
    '        auth.update_user(user, password=password, is_admin=False)',
    '    auth.set_workspace_permission(team, user, "MANAGE")',
    'owned_tables = """',
    "SELECT format('ALTER TABLE %I.%I OWNER TO " + SERVER_DB_ROLE + "', n.nspname, c.relname)",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> '" + SERVER_DB_ROLE + "'",
    '"""',
    `loose_sequences = owned_tables.replace("ALTER TABLE", "ALTER SEQUENCE").replace("('r', 'p')", "('S')")`,
    `for dbname in (os.environ["PGDATABASE"], "${AUTH_DATABASE}"):`,
    '    conn = psycopg2.connect(dbname=dbname)',
    '    conn.autocommit = True',
    '    with conn.cursor() as cur:',
    `        cur.execute(f"GRANT CONNECT ON DATABASE {dbname} TO ${SERVER_DB_ROLE}")`,
    '        # ALTER ... OWNER TO needs CREATE on the schema for the new owner (PostgreSQL ALTER TABLE docs).',
    `        cur.execute("GRANT USAGE, CREATE ON SCHEMA public TO ${SERVER_DB_ROLE}")`,
    '        for query in (owned_tables, loose_sequences):',
    '            cur.execute(query)',
    '            for (statement,) in cur.fetchall():',
    '                cur.execute(statement)',
    '    conn.close()',
  ];
}

/**
 * Migrations and provisioning as a controlled step before the server serves, with the database
 * admin's credentials (the server itself connects as SERVER_DB_ROLE). Quoted heredocs: the shell
 * expands nothing in the Python, every value comes from the environment. `$VAR` (not `${VAR}`)
 * keeps the script free of Terraform interpolation syntax.
 */
export function migrateScript(): string {
  return [
    'set -eu',
    "exec python - <<'PY'",
    ...lockPython(),
    ...bootstrapPython(),
    ...upgradePython(),
    ...teamsAndOwnershipPython(),
    'lock.close()',
    'PY',
  ].join('\n');
}

/**
 * The key of the session-level advisory lock every init step holds from start to end: the second
 * task of a service, a scheduled task or another replica waits instead of racing through CREATE ROLE,
 * `mlflow db upgrade` (alembic) and the workspace and user creation. PostgreSQL releases it when the
 * connection closes, also when the step dies (PostgreSQL docs, "Advisory Locks").
 */
export const INIT_LOCK_KEY = 7_231_845_091;

function lockPython(): string[] {
  return [
    'import os, subprocess, sys, psycopg2',
    '# A dedicated connection holds the lock for the whole step, including mlflow db upgrade.',
    'lock = psycopg2.connect()',
    'lock.autocommit = True',
    `lock.cursor().execute("SELECT pg_advisory_lock(%s)", (${INIT_LOCK_KEY},))`,
  ];
}

/** `mlflow db upgrade` while the lock is held, without the MLflow admin's password in its environment. */
function upgradePython(): string[] {
  return [
    `os.environ.pop("${INIT_ENV.adminPassword}", None)`,
    'code = subprocess.call(["mlflow", "db", "upgrade", os.environ["MLFLOW_BACKEND_STORE_URI"]])',
    'if code != 0:',
    '    sys.exit(f"mlflow-platform: mlflow db upgrade failed with exit code {code}")',
  ];
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
      '--enable-workspaces',
    ].join(' '),
  ].join('\n');
}
