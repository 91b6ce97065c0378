/**
 * The init step's Python, RUN with python3 against fake psycopg2, sqlalchemy and mlflow modules
 * (test/fixtures/fake-mlflow) that record every call: a fresh deployment, and a second start
 * that must change nothing it already did (idempotency). The fakes follow the signatures of the
 * pinned MLflow: mlflow/server/auth/sqlalchemy_store.py (has_user, create_user, update_user,
 * set_workspace_permission), mlflow/store/workspace/sqlalchemy_store.py (get_workspace raises for
 * a missing workspace, create_workspace(Workspace)), mlflow/store/tracking/sqlalchemy_store.py
 * (SqlAlchemyStore(db_uri, default_artifact_root)).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INIT_LOCK_KEY, migrateScript } from '../constructs/shared/mlflow-server';

const FAKES = path.join(__dirname, 'fixtures', 'fake-mlflow');

/** The Python programs of the migrate script, in order (the quoted heredocs). */
function pythonSteps(script: string): string[] {
  const steps: string[] = [];
  let current: string[] | undefined;
  for (const line of script.split('\n')) {
    if (/python - <<'PY'$/.test(line)) current = [];
    else if (line === 'PY' && current) {
      steps.push(current.join('\n'));
      current = undefined;
    } else current?.push(line);
  }
  return steps;
}

interface Call {
  call: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

const ENV = {
  MLFLOW_BACKEND_STORE_URI: 'postgresql://db.internal:5432/mlflow?sslmode=require',
  PGDATABASE: 'mlflow',
  MLFLOW_ADMIN_USERNAME: 'admin',
  MLFLOW_ADMIN_PASSWORD: `adm%n$'"`,
  MLFLOW_SERVER_DB_PASSWORD: `srv%' x`,
  MLFLOW_PLATFORM_TEAMS: 'vision,team-b',
  MLFLOW_TEAM_ADMIN_PASSWORD_VISION: 'vision-secret',
  MLFLOW_TEAM_ADMIN_PASSWORD_TEAM_B: 'b-secret',
};

/** Runs the init program with the fakes and a stub `mlflow` that records its args and environment. */
function runProgram(state: object, upgradeExit = 0): { calls: Call[]; status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-init-'));
  const log = path.join(dir, 'calls.jsonl');
  fs.writeFileSync(log, '');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(
    path.join(dir, 'bin', 'mlflow'),
    `#!/usr/bin/env python3\nimport json, os, sys\nopen(os.environ["FAKE_LOG"], "a").write(json.dumps({"call": "mlflow", "args": sys.argv[1:], "kwargs": {"admin_password": os.environ.get("MLFLOW_ADMIN_PASSWORD")}}) + "\\n")\nsys.exit(${upgradeExit})\n`,
    { mode: 0o755 },
  );
  const [program] = pythonSteps(migrateScript());
  const result = spawnSync('python3', ['-'], {
    input: program,
    encoding: 'utf8',
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, PYTHONPATH: FAKES, PYTHONDONTWRITEBYTECODE: '1', FAKE_LOG: log, FAKE_STATE: JSON.stringify(state), ...ENV },
  });
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
  fs.rmSync(dir, { recursive: true, force: true });
  return { calls, status: result.status, stderr: result.stderr };
}

function runSteps(state: object): Call[] {
  const { calls, status, stderr } = runProgram(state);
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return calls;
}


const sql = (calls: Call[]) => calls.filter((c) => c.call === 'sql').map((c) => c.args as [string, string, unknown]);

describe('init step Python, run against recording fakes', () => {
  it('is one program, so one connection can hold the init lock across `mlflow db upgrade`', () => {
    expect(pythonSteps(migrateScript())).toHaveLength(1);
    expect(migrateScript()).toMatch(/^set -eu\nexec python - <<'PY'\n/);
  });

  // Concurrent init steps (a second task, a scheduled task, another replica) serialize on a
  // session-level advisory lock (PostgreSQL docs, "Explicit Locking: Advisory Locks"): taken first on
  // its own connection, released (closed) last, with `mlflow db upgrade` run in between.
  it('takes the advisory lock before anything else and releases it after everything, mlflow db upgrade inside', () => {
    const calls = runSteps({ tables: { mlflow: ['experiments'] } });
    const lockAt = calls.findIndex((c) => c.call === 'sql' && String(c.args[1]) === 'SELECT pg_advisory_lock(%s)');
    expect(lockAt).toBe(0);
    expect(calls[0].args).toEqual(['mlflow', 'SELECT pg_advisory_lock(%s)', [INIT_LOCK_KEY]]);
    const upgradeAt = calls.findIndex((c) => c.call === 'mlflow');
    expect(calls[upgradeAt]).toEqual({ call: 'mlflow', args: ['db', 'upgrade', ENV.MLFLOW_BACKEND_STORE_URI], kwargs: { admin_password: null } });
    expect(calls.findIndex((c) => c.call === 'auth.create_user' && c.args[0] === 'admin')).toBeLessThan(upgradeAt);
    expect(calls.findIndex((c) => c.call === 'create_workspace')).toBeGreaterThan(upgradeAt);
    // The last call closes the lock connection (the bootstrap and ownership connections close earlier).
    expect(calls.at(-1)).toEqual({ call: 'close', args: ['mlflow'], kwargs: {} });
    expect(calls.filter((c) => c.call === 'close')).toHaveLength(4);
  });

  it('fails, without provisioning teams, when mlflow db upgrade fails', () => {
    const { calls, status, stderr } = runProgram({}, 3);
    expect(status).toBe(1);
    expect(stderr).toContain('mlflow-platform: mlflow db upgrade failed with exit code 3');
    expect(calls.some((c) => c.call === 'create_workspace')).toBe(false);
  });

  it('treats what another init step created meanwhile as done (role, workspace, users: "already exists")', () => {
    const calls = runSteps({ role_created_concurrently: true, workspaces_created_concurrently: ['vision'], users_created_concurrently: ['admin', 'vision-admin'] });
    expect(calls.filter((c) => c.call === 'create_workspace').map((c) => c.args[0])).toEqual(['vision', 'team-b']);
    // The team admin that appeared meanwhile still gets its password from the secret store.
    expect(calls).toContainEqual({ call: 'auth.update_user', args: ['vision-admin'], kwargs: { password: 'vision-secret', is_admin: false } });
    expect(calls).toContainEqual({ call: 'auth.set_workspace_permission', args: ['vision', 'vision-admin', 'MANAGE'], kwargs: {} });
  });

  it('fails on any other workspace-store error instead of creating the workspace (only RESOURCE_DOES_NOT_EXIST means missing)', () => {
    const { calls, status, stderr } = runProgram({ workspace_store_down: true });
    expect(status).toBe(1);
    expect(stderr).toContain('database unavailable');
    expect(calls.some((c) => c.call === 'create_workspace')).toBe(false);
  });

  describe('on a fresh deployment', () => {
    let calls: Call[] = [];
    let statements: [string, string, unknown][] = [];
    beforeAll(() => {
      calls = runSteps({ tables: { mlflow: ['experiments', 'runs'], mlflow_auth: ['users'] }, sequences: { mlflow: ['loose_seq'] } });
      statements = sql(calls);
    });

    it('creates the server role without CREATEDB/CREATEROLE, its password bound as a parameter, and the auth database', () => {
      expect(statements).toContainEqual(['mlflow', 'CREATE ROLE mlflow_server LOGIN', null]);
      expect(statements).toContainEqual(['mlflow', 'ALTER ROLE mlflow_server WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %s', [ENV.MLFLOW_SERVER_DB_PASSWORD]]);
      expect(statements).toContainEqual(['mlflow', 'GRANT mlflow_server TO CURRENT_USER', null]);
      expect(statements).toContainEqual(['mlflow', 'CREATE DATABASE mlflow_auth', null]);
      for (const [, text] of statements) expect(text).not.toContain(ENV.MLFLOW_SERVER_DB_PASSWORD);
    });

    // The admin is rds_superuser / azure_pg_admin, never a superuser. PostgreSQL src/backend/commands/user.c
    // AlterRole: a non-superuser may not name SUPERUSER/NOSUPERUSER at all, nor REPLICATION/NOREPLICATION
    // (≤ 15: superuser only; ≥ 16: only a role that has REPLICATION, which the RDS master lacks). ≥ 16 also
    // requires CREATEDB to name NOCREATEDB and ADMIN OPTION on the role (its creator has it; the RDS and
    // Azure admins hold CREATEDB and CREATEROLE). Checked by hand on PostgreSQL 15.x (Debian 12) as a
    // CREATEDB CREATEROLE non-superuser: the old ALTER failed with "must be superuser to alter superuser
    // roles or change superuser attribute"; CREATE ROLE, this ALTER and GRANT ... TO CURRENT_USER (twice:
    // a NOTICE, no error) succeeded and left the role NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION.
    it('sends no statement a non-superuser CREATEROLE admin is refused (PostgreSQL 14-17 user.c AlterRole)', () => {
      const roleStatements = statements.map(([, text]) => text).filter((text) => /\b(ROLE|GRANT)\b/.test(text));
      expect(roleStatements.length).toBeGreaterThan(0);
      for (const text of roleStatements) expect(text).not.toMatch(/SUPERUSER|REPLICATION|BYPASSRLS/i);
      const alter = roleStatements.filter((text) => text.startsWith('ALTER ROLE'));
      expect(alter).toEqual(['ALTER ROLE mlflow_server WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %s']);
    });

    it('initializes the tracking store with the proxied artifact root and the admin from its secret', () => {
      expect(calls).toContainEqual({ call: 'tracking_store', args: [ENV.MLFLOW_BACKEND_STORE_URI, 'mlflow-artifacts:/'], kwargs: {} });
      expect(calls).toContainEqual({ call: 'auth.init_db', args: ['postgresql://db.internal:5432/mlflow_auth?sslmode=require'], kwargs: {} });
      expect(calls).toContainEqual({ call: 'auth.create_user', args: ['admin', ENV.MLFLOW_ADMIN_PASSWORD], kwargs: { is_admin: true } });
    });

    it('creates each team workspace (no artifact root of its own) and team admin with MANAGE on it only', () => {
      expect(calls.filter((c) => c.call === 'create_workspace').map((c) => c.args)).toEqual([
        ['vision', 'Team vision', null],
        ['team-b', 'Team team-b', null],
      ]);
      expect(calls).toContainEqual({ call: 'auth.create_user', args: ['vision-admin', 'vision-secret'], kwargs: { is_admin: false } });
      expect(calls).toContainEqual({ call: 'auth.create_user', args: ['team-b-admin', 'b-secret'], kwargs: { is_admin: false } });
      expect(calls.filter((c) => c.call === 'auth.set_workspace_permission').map((c) => c.args)).toEqual([
        ['vision', 'vision-admin', 'MANAGE'],
        ['team-b', 'team-b-admin', 'MANAGE'],
      ]);
    });

    it('hands every table and loose sequence of both databases to the server role', () => {
      expect(statements).toEqual(
        expect.arrayContaining([
          ['mlflow', 'GRANT CONNECT ON DATABASE mlflow TO mlflow_server', null],
          ['mlflow', 'GRANT USAGE, CREATE ON SCHEMA public TO mlflow_server', null],
          ['mlflow', 'ALTER TABLE public.experiments OWNER TO mlflow_server', null],
          ['mlflow', 'ALTER TABLE public.runs OWNER TO mlflow_server', null],
          ['mlflow', 'ALTER SEQUENCE public.loose_seq OWNER TO mlflow_server', null],
          ['mlflow_auth', 'GRANT CONNECT ON DATABASE mlflow_auth TO mlflow_server', null],
          ['mlflow_auth', 'ALTER TABLE public.users OWNER TO mlflow_server', null],
        ]),
      );
    });
  });

  describe('on a second start, with everything in place', () => {
    let calls: Call[] = [];
    let statements: string[] = [];
    beforeAll(() => {
      calls = runSteps({ role: true, auth_database: true, tracking_store: true, users: ['admin', 'vision-admin'], workspaces: ['vision'] });
      statements = sql(calls).map(([, text]) => text);
    });

    it('creates nothing that exists, keeps the admin password, and re-applies the role and team-admin passwords from the secrets', () => {
      expect(statements).not.toContain('CREATE ROLE mlflow_server LOGIN');
      expect(statements).not.toContain('CREATE DATABASE mlflow_auth');
      expect(calls.find((c) => c.call === 'tracking_store')).toBeUndefined();
      expect(calls.filter((c) => c.call === 'auth.create_user').map((c) => c.args[0])).toEqual(['team-b-admin']);
      expect(calls).toContainEqual({ call: 'auth.update_user', args: ['vision-admin'], kwargs: { password: 'vision-secret', is_admin: false } });
      expect(calls.filter((c) => c.call === 'create_workspace').map((c) => c.args[0])).toEqual(['team-b']);
      expect(statements.some((s) => s.startsWith('ALTER ROLE mlflow_server'))).toBe(true);
    });

    it('still repairs a Default experiment left on the old local artifact path (a no-op when already proxied)', () => {
      const repair = calls.filter((c) => c.call === 'sqlalchemy.execute').map((c) => String(c.args[0]));
      expect(repair).toEqual([
        "UPDATE experiments SET artifact_location = 'mlflow-artifacts:/0' WHERE experiment_id = 0 AND artifact_location LIKE '%/tmp/unused-artifacts%'",
      ]);
    });
  });
});
