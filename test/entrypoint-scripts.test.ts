/**
 * The containers' entrypoint scripts, RUN with /bin/sh against stub `python` and `mlflow`
 * executables, with the environment taken from the synthesized container definitions (AWS) and
 * container app (Azure), and secrets that contain `%`, `$`, quotes and spaces.
 *
 * Each container's writable mounts are mapped to folders of a fake root; when the test runs as
 * root, the scripts run as the server's non-root user (65534), so a write anywhere else in the
 * real filesystem fails the script, and a write into the host's world-writable folders (/tmp,
 * /var/tmp, /dev/shm) is found afterwards by its owner.
 *
 * Upstream facts checked (MLflow at the pinned tag): mlflow/server/auth/config.py reads the ini
 * with `configparser.ConfigParser()` (BasicInterpolation: `%%` is a literal `%`, a lone `%` is an
 * error); mlflow/server/auth/__init__.py `create_admin_user` only creates a missing admin.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTAINER_PORT, SERVER_UID } from '../constructs/shared/mlflow-server';
import { type Block, configFrom, onlyResource, serviceTaskDefinition, synth } from './helpers';

/** Secret values a generator could produce one day, and a human certainly will. */
const NASTY: Record<string, string> = {
  PGUSER: 'mlflow_admin',
  PGPASSWORD: `p%w$HOME'"\` x%(y)s`,
  MLFLOW_ADMIN_PASSWORD: `a%b$PATH 'q' "dq" \`id\` %%`,
  MLFLOW_FLASK_SERVER_SECRET_KEY: 'k%e$y "1"',
};
const secretValue = (name: string): string => NASTY[name] ?? `${name} %$'" value`;
const TEAMS = ['vision', 'team-b'];
/** What Terraform does before a container sees its definition: `${ref}` becomes the referenced value. */
const applied = (text: string): string => text.replace(/\$\{([^}]+)\}/g, (_m, ref: string) => `tf-${ref.replace(/[^A-Za-z0-9]+/g, '-')}`);
const appliedEnv = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, applied(v)]));

interface Spec {
  readonly name: string;
  readonly script: string;
  readonly env: Record<string, string>;
  readonly writable: readonly string[];
  /** The user the platform runs the container as; undefined: the image's user. */
  readonly user?: string;
}

interface EcsContainer {
  name: string;
  user?: string;
  command: string[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  mountPoints?: { containerPath: string; readOnly: boolean }[];
  readonlyRootFilesystem?: boolean;
}

const awsYaml = `name: t
environment: dev
cloud: aws
region: eu-west-1
database: {}
artifacts: {}
tracking:
  domainName: mlflow.example.com
  loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x
teams:
  - name: vision
    trustedPrincipals: [arn:aws:iam::123456789012:role/vision-training]
  - name: team-b
    trustedPrincipals: [arn:aws:iam::123456789012:role/b-training]
`;
const azureYaml = `name: t
environment: dev
cloud: azure
location: westeurope
database: {}
artifacts: {}
tracking: {}
teams:
  - name: vision
    principalIds: [00000000-0000-0000-0000-000000000001]
  - name: team-b
    principalIds: [00000000-0000-0000-0000-000000000002]
`;

/** Container definitions by config text: a config is synthesized once per file (three tests read the default one). */
const definitionsByYaml = new Map<string, string>();

function awsContainers(yaml = awsYaml): EcsContainer[] {
  let definitions = definitionsByYaml.get(yaml);
  if (definitions === undefined) {
    definitions = String(serviceTaskDefinition(synth(configFrom(yaml))).container_definitions);
    definitionsByYaml.set(yaml, definitions);
  }
  return JSON.parse(definitions) as EcsContainer[];
}

function awsSpecs(): Spec[] {
  return awsContainers().map((c) => ({
    name: c.name,
    script: applied(c.command[0]),
    user: c.user,
    writable: (c.mountPoints ?? []).filter((m) => !m.readOnly).map((m) => m.containerPath),
    env: appliedEnv({
      ...Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value])),
      ...Object.fromEntries((c.secrets ?? []).map((s) => [s.name, secretValue(s.name)])),
    }),
  }));
}

interface AcaContainer {
  name: string;
  command: string[];
  env: { name: string; value?: string; secret_name?: string }[];
  volume_mounts?: { name: string; path: string }[];
}

function azureSpecs(yaml = azureYaml): Spec[] {
  const template = onlyResource(synth(configFrom(yaml)), 'azurerm_container_app').template as { init_container: AcaContainer[]; container: AcaContainer[] };
  return [...template.init_container, ...template.container].map((c) => ({
    name: c.name,
    script: applied(c.command[2]),
    writable: (c.volume_mounts ?? []).map((m) => m.path),
    env: appliedEnv(Object.fromEntries(c.env.map((e) => [e.name, e.value ?? secretValue(e.name)]))),
  }));
}

const STUB = (name: string) => `#!/bin/sh
n=$(ls "$RECORD" | wc -l)
out="$RECORD/${name}.$n"
printf '%s\\0' "$@" > "$out.args"
env -0 > "$out.env"
if [ "${name}" = python ]; then cat > "$out.stdin"; fi
if [ -n "\${MLFLOW_AUTH_CONFIG_PATH:-}" ] && [ -f "$MLFLOW_AUTH_CONFIG_PATH" ]; then
  cp "$MLFLOW_AUTH_CONFIG_PATH" "$out.ini"
  stat -c %a "$MLFLOW_AUTH_CONFIG_PATH" > "$out.mode"
fi
exit 0
`;

interface Call {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly stdin?: string;
  readonly ini?: string;
  readonly iniMode?: string;
}

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly calls: Record<'python' | 'mlflow', Call[]>;
  /** The executables in the order they ran. */
  readonly order: string[];
  /** Files the run left outside the fake root, in the host's world-writable folders. */
  readonly strays: string[];
}

const runAsRoot = process.getuid?.() === 0;
const FAKE_ROOT_PREFIX = 'mlp-entrypoint-';

function readCall(record: string, base: string): Call {
  const read = (ext: string) => (fs.existsSync(path.join(record, `${base}.${ext}`)) ? fs.readFileSync(path.join(record, `${base}.${ext}`), 'utf8') : undefined);
  const env = Object.fromEntries(
    (read('env') ?? '')
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { args: (read('args') ?? '').split('\0').slice(0, -1), env, stdin: read('stdin'), ini: read('ini'), iniMode: read('mode')?.trim() };
}

/**
 * Whether the server user (uid and gid SERVER_UID, no supplementary groups: Node's spawn with `uid`
 * drops them) may enter a folder. Nothing below a folder it cannot enter can be its write, so the
 * scan skips such folders (the temporary folders of other processes, mode 0700, are most of /tmp).
 */
const serverUserMayEnter = (st: fs.Stats): boolean =>
  st.uid === SERVER_UID || (st.gid === SERVER_UID ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0);

function strayFiles(since: number, fakeRoot: string): string[] {
  if (!runAsRoot) return [];
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      // This run's fake root, and those of another run of this test at the same time on this machine.
      if (p === fakeRoot || e.name.startsWith(FAKE_ROOT_PREFIX)) continue;
      if (st.uid === SERVER_UID && st.ctimeMs >= since) found.push(p);
      if (e.isDirectory() && depth > 0 && serverUserMayEnter(st)) walk(p, depth - 1);
    }
  };
  for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) walk(dir, 2);
  return found;
}

/** Runs a container's script in a fake root where only its writable mounts exist and are writable. */
function run(spec: Spec, options: { prepared?: boolean } = {}): Run {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), FAKE_ROOT_PREFIX));
  fs.chmodSync(root, 0o755);
  const bin = path.join(root, 'bin');
  const record = path.join(root, 'record');
  const cwd = path.join(root, 'cwd');
  for (const dir of [bin, record, cwd]) fs.mkdirSync(dir);
  fs.chmodSync(record, 0o777);
  for (const stub of ['python', 'mlflow'] as const) fs.writeFileSync(path.join(bin, stub), STUB(stub), { mode: 0o755 });

  // Each writable mount becomes a folder of the fake root, owned by the user the container runs as
  // (the AWS prepare-scratch step hands it over; an Azure EmptyDir is writable by the image user).
  const mounts = spec.writable.map((containerPath) => [containerPath, path.join(root, 'mnt', containerPath)] as const);
  // Unprepared: what Fargate gives a bind mount, root-owned with mode 0755 (read-only to anyone else).
  const prepared = options.prepared ?? true;
  for (const [, hostPath] of mounts) {
    fs.mkdirSync(hostPath, { recursive: true });
    if (runAsRoot && prepared) fs.chownSync(hostPath, SERVER_UID, SERVER_UID);
    fs.chmodSync(hostPath, prepared ? 0o700 : runAsRoot ? 0o755 : 0o555);
  }
  const remap = (value: string) => {
    for (const [containerPath, hostPath] of mounts) {
      if (value === containerPath || value.startsWith(`${containerPath}/`)) return hostPath + value.slice(containerPath.length);
    }
    return value;
  };
  const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, remap(v)]));
  const since = Date.now() - 1000;
  const result = spawnSync('/bin/sh', ['-c', spec.script], {
    cwd,
    env: { ...env, PATH: `${bin}:/usr/bin:/bin`, RECORD: record },
    encoding: 'utf8',
    ...(runAsRoot ? { uid: SERVER_UID, gid: SERVER_UID } : {}),
  });
  const calls: Run['calls'] = { python: [], mlflow: [] };
  const bases = fs
    .readdirSync(record)
    .filter((f) => f.endsWith('.args'))
    .map((f) => f.slice(0, -'.args'.length))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  for (const base of bases) calls[base.split('.')[0] as 'python' | 'mlflow'].push(readCall(record, base));
  const order = bases.map((b) => b.split('.')[0]);
  const strays = strayFiles(since, root);
  for (const stray of strays) fs.rmSync(stray, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, calls, order, strays };
}

/** configparser's BasicInterpolation, as mlflow/server/auth/config.py reads the ini. */
function parseIni(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let out = '';
    for (let i = 0; i < m[2].length; i++) {
      if (m[2][i] !== '%') {
        out += m[2][i];
        continue;
      }
      if (m[2][i + 1] !== '%') throw new Error(`configparser InterpolationSyntaxError in ${m[1]}: '%' must be followed by '%' or '('`);
      out += '%';
      i++;
    }
    values[m[1]] = out;
  }
  return values;
}

const byName = (specs: Spec[], name: string): Spec => {
  const found = specs.find((s) => s.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
};

describe.each([
  ['AWS', awsSpecs],
  ['Azure', () => azureSpecs()],
])('%s entrypoint scripts, run with stub executables', (_cloud, specsOf) => {
  const specs = specsOf();

  it('the init step hands the admin password to python untouched, keeps it out of the program text, then upgrades both schemas', () => {
    const migrate = run(byName(specs, 'migrate'));
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.strays).toEqual([]);
    const [python] = migrate.calls.python;
    expect(python.args).toEqual(['-']);
    expect(python.env.MLFLOW_ADMIN_PASSWORD).toBe(NASTY.MLFLOW_ADMIN_PASSWORD);
    expect(python.env.PGPASSWORD).toBe(NASTY.PGPASSWORD);
    expect(python.stdin).not.toContain(NASTY.MLFLOW_ADMIN_PASSWORD);
    expect(python.stdin).toContain('auth.create_user(admin, os.environ["MLFLOW_ADMIN_PASSWORD"], is_admin=True)');
    // The Default experiment gets the proxied root (mlflow/utils/server_cli_utils.py: DEFAULT_ARTIFACTS_URI).
    expect(python.stdin).toContain('SqlAlchemyStore(uri, "mlflow-artifacts:/")');
    expect(python.stdin).toMatch(/UPDATE experiments SET artifact_location = 'mlflow-artifacts:\/0'/);
    // One python program holds the init lock and runs `mlflow db upgrade` itself (without the admin
    // password in its environment): test/init-python.test.ts runs it and checks the order.
    expect(migrate.order).toEqual(['python']);
    expect(python.env.MLFLOW_DISABLE_TELEMETRY).toBe('true');
    expect(python.env.DO_NOT_TRACK).toBe('true');
    expect(python.stdin).toContain('os.environ.pop("MLFLOW_ADMIN_PASSWORD", None)\ncode = subprocess.call(["mlflow", "db", "upgrade", os.environ["MLFLOW_BACKEND_STORE_URI"]])');
  });

  it('the init step creates the server database role, then (after migrations) the team workspaces and team admins, and hands the tables over', () => {
    const migrate = run(byName(specs, 'migrate'));
    expect(migrate.status).toBe(0);
    const [bootstrap] = migrate.calls.python;
    const teams = bootstrap;
    expect(bootstrap.env.MLFLOW_SERVER_DB_PASSWORD).toBe(secretValue('MLFLOW_SERVER_DB_PASSWORD'));
    expect(bootstrap.stdin).not.toContain(secretValue('MLFLOW_SERVER_DB_PASSWORD'));
    // Bound as a parameter, never formatted into the SQL text.
    expect(bootstrap.stdin).toContain('ALTER ROLE mlflow_server WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %s", (os.environ["MLFLOW_SERVER_DB_PASSWORD"],))');
    expect(teams.env.MLFLOW_PLATFORM_TEAMS).toBe(TEAMS.join(','));
    for (const team of TEAMS) {
      const variable = `MLFLOW_TEAM_ADMIN_PASSWORD_${team.toUpperCase().replace(/-/g, '_')}`;
      expect(teams.env[variable]).toBe(secretValue(variable));
      expect(teams.stdin).not.toContain(secretValue(variable));
    }
    // mlflow/store/workspace/sqlalchemy_store.py create_workspace; mlflow/server/auth/sqlalchemy_store.py set_workspace_permission.
    expect(teams.stdin).toContain('workspaces.create_workspace(Workspace(name=team, description=f"Team {team}"))');
    expect(teams.stdin).toContain('auth.set_workspace_permission(team, user, "MANAGE")');
    expect(teams.stdin).toContain('user = team + "-admin"');
    expect(teams.stdin).toContain("SELECT format('ALTER TABLE %I.%I OWNER TO mlflow_server'");
  });

  it('the server writes a configparser-safe auth ini without the admin password, mode 600, and runs mlflow server', () => {
    const spec = byName(specs, 'mlflow');
    expect(spec.env.MLFLOW_ADMIN_PASSWORD).toBeUndefined();
    const server = run(spec);
    expect(server.stderr).toBe('');
    expect(server.status).toBe(0);
    expect(server.strays).toEqual([]);
    const [call] = server.calls.mlflow;
    expect(call.args.slice(0, 9)).toEqual(['server', '--host', '0.0.0.0', '--port', String(CONTAINER_PORT), '--workers', expect.stringMatching(/^\d+$/), '--backend-store-uri', spec.env.MLFLOW_BACKEND_STORE_URI]);
    expect(call.args.slice(9)).toEqual(['--serve-artifacts', '--artifacts-destination', expect.stringMatching(/^(s3|wasbs):\/\//), '--app-name', 'basic-auth', '--enable-workspaces']);
    // Its own least-privilege database role; workspaces on; basic-auth fails closed (mlflow/server/auth/__init__.py).
    expect([call.env.PGUSER, call.env.PGPASSWORD]).toEqual(['mlflow_server', NASTY.PGPASSWORD]);
    expect([call.env.MLFLOW_ENABLE_WORKSPACES, call.env.MLFLOW_BASIC_AUTH_FAIL_CLOSED]).toEqual(['true', 'true']);
    for (const name of Object.keys(call.env)) expect(name).not.toMatch(/ADMIN_PASSWORD|SERVER_DB_PASSWORD/);
    expect(call.iniMode).toBe('600');
    const ini = parseIni(call.ini ?? '');
    expect(ini).toEqual({
      default_permission: 'NO_PERMISSIONS',
      database_uri: `postgresql://${spec.env.PGHOST}:${spec.env.PGPORT}/mlflow_auth?sslmode=require`,
      admin_username: 'admin',
      admin_password: expect.stringMatching(/^[0-9a-f]{48}$/),
      authorization_function: 'mlflow.server.auth:authenticate_request_basic_auth',
    });
    for (const secret of Object.values(NASTY)) expect(call.ini).not.toContain(secret);
    expect(call.env.MLFLOW_FLASK_SERVER_SECRET_KEY).toBe(NASTY.MLFLOW_FLASK_SERVER_SECRET_KEY);
  });

  it('escapes % for configparser in every value it writes (a % in the database host survives)', () => {
    const spec = byName(specs, 'mlflow');
    const server = run({ ...spec, env: { ...spec.env, PGHOST: 'db%host', MLFLOW_ADMIN_USERNAME: 'ad%min' } });
    expect(server.status).toBe(0);
    const ini = parseIni(server.calls.mlflow[0].ini ?? '');
    expect(ini.database_uri).toBe(`postgresql://db%host:${spec.env.PGPORT}/mlflow_auth?sslmode=require`);
    expect(ini.admin_username).toBe('ad%min');
  });

  it('fails, and starts nothing, when the scratch mount is not writable by the server user (a Fargate bind mount as created)', () => {
    const outside = run(byName(specs, 'mlflow'), { prepared: false });
    expect(outside.status).not.toBe(0);
    expect(outside.stderr).toMatch(/Permission denied/);
    expect(outside.calls.mlflow).toEqual([]);
  });

  it('notices a write that escapes the fake root into a world-writable host folder', () => {
    if (!runAsRoot) return;
    const spec = byName(specs, 'mlflow');
    const leaky = run({ ...spec, script: `echo leak > /var/tmp/mlp-leak-${process.pid}\n${spec.script}` });
    expect(leaky.strays).toEqual([`/var/tmp/mlp-leak-${process.pid}`]);
  });

  it('admits the loopback names with the port (in-container health check, MLflow job runner on 0.0.0.0) and the private range', () => {
    const hosts = byName(specs, 'mlflow').env.MLFLOW_SERVER_ALLOWED_HOSTS.split(',');
    // mlflow/server/security_utils.py: exact match unless the pattern holds '*'; the Host header carries the port.
    expect(hosts).toEqual(expect.arrayContaining([`localhost:${CONTAINER_PORT}`, `127.0.0.1:${CONTAINER_PORT}`, `0.0.0.0:${CONTAINER_PORT}`]));
    expect(hosts).not.toContain('localhost');
    expect(hosts.some((h) => h.endsWith('.*'))).toBe(true);
  });
});

describe('AWS scratch volume on Fargate', () => {
  const containers = awsContainers();

  it('a root init container hands the bind mount (root-owned 0755 on Fargate) to the server user, and every other step waits for it', () => {
    const prepare = containers.find((c) => c.name === 'prepare-scratch') as EcsContainer & Block;
    expect(prepare).toMatchObject({ user: '0', essential: false, readonlyRootFilesystem: true });
    expect(prepare.secrets).toBeUndefined();
    expect(prepare.command[0]).toBe(`set -eu\nchown ${SERVER_UID}:${SERVER_UID} /tmp\nchmod 0700 /tmp`);
    const migrate = containers.find((c) => c.name === 'migrate') as EcsContainer & Block;
    expect(migrate.dependsOn).toEqual([{ containerName: 'prepare-scratch', condition: 'SUCCESS' }]);
    for (const c of containers.filter((c) => c.name !== 'prepare-scratch')) {
      expect(c).toMatchObject({ user: `${SERVER_UID}:${SERVER_UID}`, readonlyRootFilesystem: true });
      expect(c.mountPoints).toEqual(prepare.mountPoints);
    }
  });

  it('runs the prepare script as root: the server user then owns the scratch folder', () => {
    if (!runAsRoot) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-scratch-'));
    const script = String(containers.find((c) => c.name === 'prepare-scratch')?.command[0]).replaceAll('/tmp', dir);
    expect(spawnSync('/bin/sh', ['-c', script]).status).toBe(0);
    const st = fs.statSync(dir);
    expect([st.uid, st.mode & 0o777]).toEqual([SERVER_UID, 0o700]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('MLflow telemetry', () => {
  it.each([
    ['AWS', (extra: string) => awsContainers(awsYaml.replace('tracking:\n', `tracking:\n${extra}`)).map((c) => Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value])))],
    ['Azure', (extra: string) => azureSpecs(azureYaml.replace('tracking: {}\n', `tracking:\n${extra || '  workers: 2\n'}`)).map((s) => s.env)],
  ])('%s: off by default (MLFLOW_DISABLE_TELEMETRY, DO_NOT_TRACK: mlflow/telemetry/utils.py), on only when tracking.telemetry is true', (_cloud, envs) => {
    for (const env of envs('').filter((e) => e.PGHOST)) expect([env.MLFLOW_DISABLE_TELEMETRY, env.DO_NOT_TRACK]).toEqual(['true', 'true']);
    for (const env of envs('  telemetry: true\n').filter((e) => e.PGHOST)) expect([env.MLFLOW_DISABLE_TELEMETRY, env.DO_NOT_TRACK]).toEqual(['false', 'false']);
  });
});
