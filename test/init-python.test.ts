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
import { migrateScript } from '../constructs/shared/mlflow-server';

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

function runSteps(state: object): Call[] {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-init-')), 'calls.jsonl');
  fs.writeFileSync(log, '');
  for (const program of pythonSteps(migrateScript())) {
    const result = spawnSync('python3', ['-'], {
      input: program,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, PYTHONPATH: FAKES, PYTHONDONTWRITEBYTECODE: '1', FAKE_LOG: log, FAKE_STATE: JSON.stringify(state), ...ENV },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  }
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
  fs.rmSync(path.dirname(log), { recursive: true, force: true });
  return calls;
}

const sql = (calls: Call[]) => calls.filter((c) => c.call === 'sql').map((c) => c.args as [string, string, unknown]);

describe('init step Python, run against recording fakes', () => {
  it('has exactly two programs: before and after `mlflow db upgrade`', () => {
    expect(pythonSteps(migrateScript())).toHaveLength(2);
    expect(migrateScript()).toMatch(/^PY\nunset MLFLOW_ADMIN_PASSWORD\nmlflow db upgrade "\$MLFLOW_BACKEND_STORE_URI"\nexec python - <<'PY'$/m);
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
      expect(statements).toContainEqual(['mlflow', 'ALTER ROLE mlflow_server LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %s', [ENV.MLFLOW_SERVER_DB_PASSWORD]]);
      expect(statements).toContainEqual(['mlflow', 'GRANT mlflow_server TO CURRENT_USER', null]);
      expect(statements).toContainEqual(['mlflow', 'CREATE DATABASE mlflow_auth', null]);
      for (const [, text] of statements) expect(text).not.toContain(ENV.MLFLOW_SERVER_DB_PASSWORD);
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
