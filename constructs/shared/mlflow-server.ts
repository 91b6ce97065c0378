/**
 * What the MLflow server runs, the same on every cloud: an init step that migrates the databases,
 * then `mlflow server` with the basic-auth app, artifacts served through the server, and no
 * credential in any URI (libpq reads PGUSER and PGPASSWORD from the environment).
 */

/**
 * The pinned default image: the `-full` variant carries the PostgreSQL driver, boto3, the Azure
 * storage packages and the auth extra; 3.14.0 or later has the fix for the trace authorization CVE.
 */
export const DEFAULT_MLFLOW_IMAGE = 'ghcr.io/mlflow/mlflow:v3.14.0-full';

export const CONTAINER_PORT = 5000;
/** The auth app's database, on the same PostgreSQL server as the tracking store. */
export const AUTH_DATABASE = 'mlflow_auth';

/** A Host-header pattern matching a network's private addresses (health checks send the target IP as Host). */
export function privateIpPattern(cidr: string): string {
  const [address, prefixText] = cidr.split('/');
  const keep = Math.floor(Number(prefixText) / 8);
  return [...address.split('.').slice(0, keep), '*'].join('.');
}

/**
 * Migrations as a controlled step before the server serves: creates the auth database once,
 * initializes an empty tracking store or upgrades an existing one. `$VAR` (not `${VAR}`) keeps the
 * script free of Terraform interpolation syntax.
 */
export const MIGRATE_SCRIPT = [
  'set -eu',
  'python - <<PY',
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
  'if not sqlalchemy.inspect(sqlalchemy.create_engine(uri)).has_table("alembic_version"):',
  '    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore',
  '    SqlAlchemyStore(uri, "/tmp/unused-artifacts")',
  '# The auth database too, once here rather than in every server worker.',
  'from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore as AuthStore',
  'base = uri.split("?")[0].rsplit("/", 1)[0]',
  `AuthStore().init_db(f"{base}/${AUTH_DATABASE}?sslmode=require")`,
  'PY',
  'exec mlflow db upgrade "$MLFLOW_BACKEND_STORE_URI"',
].join('\n');

/** Writes the auth config from injected secrets (to /tmp, mode 600), then runs the server. */
export function serverScript(p: { artifactsDestination: string; workers: number; adminUsername: string }): string {
  return [
    'set -eu',
    'umask 077',
    'cat > /tmp/basic_auth.ini <<INI',
    '[mlflow]',
    'default_permission = NO_PERMISSIONS',
    `database_uri = postgresql://$PGHOST:$PGPORT/${AUTH_DATABASE}?sslmode=require`,
    `admin_username = ${p.adminUsername}`,
    'admin_password = $MLFLOW_ADMIN_PASSWORD',
    'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
    'INI',
    'unset MLFLOW_ADMIN_PASSWORD',
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

