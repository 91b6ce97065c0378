import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gcScript } from '../constructs/shared/gc-script';
import { type Block, configFrom, onlyResource, resourcesOf, serviceTaskDefinition, synth, tempDirWith } from './helpers';
import { minimalAws, minimalAzure } from './fixtures/minimal';

/**
 * Day-2 operations, item "retention": a daily `mlflow gc` (flags from mlflow/cli/__init__.py at v3.17.0:
 * --older-than, --backend-store-uri; gc refuses to run without a tracking URI and deletes proxied
 * artifacts through it).
 */

const aws = (extra = '') => minimalAws({ extra });
const azure = (extra = '') => minimalAzure({ extra });

/** Runs the gc script with stub mlflow, python and sleep; `healthyAfter` failed health checks first. */
function runGc(healthyAfter: number): { status: number | null; log: string[]; stderr: string } {
  const dir = tempDirWith({});
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  stub('mlflow', 'echo "mlflow $* tracking=${MLFLOW_TRACKING_URI:-} hosts=$MLFLOW_SERVER_ALLOWED_HOSTS workspaces=${MLFLOW_ENABLE_WORKSPACES:-}" >> "$LOG"\nif [ "$1" = server ]; then exec sleep 30; fi');
  stub('python', `n=$(cat "$DIR/checks" 2>/dev/null || echo 0); echo $((n + 1)) > "$DIR/checks"; [ "$n" -ge ${healthyAfter} ]`);
  stub('sleep', 'if [ "$1" = 30 ]; then exec /bin/sleep 30; fi');
  const log = path.join(dir, 'log');
  fs.writeFileSync(log, '');
  const result = spawnSync('sh', ['-c', gcScript({ artifactsDestination: 's3://bucket', olderThanDays: 30 })], {
    env: { PATH: `${bin}:/usr/bin:/bin`, LOG: log, DIR: dir, MLFLOW_BACKEND_STORE_URI: 'postgresql://db:5432/mlflow?sslmode=require' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, log: fs.readFileSync(log, 'utf8').trim().split('\n'), stderr: result.stderr };
}

describe('the gc script, run with stub executables', () => {
  it('starts a local server on the artifacts destination, waits for it, then runs gc against it', () => {
    const { status, log } = runGc(2);
    expect(status).toBe(0);
    // The server runs in the background: its record and the gc's may land in either order.
    expect(log).toHaveLength(2);
    expect(log.find((l) => l.startsWith('mlflow server'))).toBe(
      'mlflow server --host 127.0.0.1 --port 5000 --workers 1 --backend-store-uri postgresql://db:5432/mlflow?sslmode=require --serve-artifacts --artifacts-destination s3://bucket --enable-workspaces tracking= hosts=localhost,localhost:5000,127.0.0.1,127.0.0.1:5000 workspaces=true',
    );
    // mlflow/cli/__init__.py `_resolve_gc_workspaces` (stored mlflow/mlflow 00747dbb): with workspaces on and no
    // --all-workspaces, gc handles only the default workspace; the teams' workspaces would never be purged.
    expect(log.find((l) => l.startsWith('mlflow gc'))).toBe(
      'mlflow gc --backend-store-uri postgresql://db:5432/mlflow?sslmode=require --all-workspaces --older-than 30d tracking=http://localhost:5000 hosts=localhost,localhost:5000,127.0.0.1,127.0.0.1:5000 workspaces=true',
    );
  });

  it('fails with a message, without running gc, when the local server never answers', () => {
    const { status, log, stderr } = runGc(1000);
    expect(status).toBe(1);
    expect(stderr).toContain('mlflow gc: the local server did not start');
    expect(log.some((l) => l.startsWith('mlflow gc'))).toBe(false);
  });
});

interface EcsContainer {
  name: string;
  image: string;
  user?: string;
  essential?: boolean;
  readonlyRootFilesystem?: boolean;
  mountPoints?: Block[];
  dependsOn?: Block[];
  portMappings?: Block[];
  entryPoint?: string[];
  command?: string[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}

const containersOf = (td: Block): EcsContainer[] => JSON.parse(String(td.container_definitions)) as EcsContainer[];
const policyStatements = (policy: Block): Block[] => (JSON.parse(String(policy.policy)) as { Statement: Block[] }).Statement;
/** What Terraform does before ECS sees a definition: `${ref}` becomes the referenced value. */
const applied = (text: string): string => text.replace(/\$\{([^}]+)\}/g, (_m, ref: string) => `tf-${ref.replace(/[^A-Za-z0-9]+/g, '-')}`);

describe('AWS: EventBridge Scheduler runs a gc task definition of its own, with the server database role only', () => {
  const teams = 'teams:\n  - name: vision\n    trustedPrincipals: [arn:aws:iam::123456789012:role/vision]\n';
  const json = synth(configFrom(aws(`retention:\n  deletedRunsDays: 90\n${teams}`)));
  const schedule = onlyResource(json, 'aws_scheduler_schedule');
  const target = schedule.target as Block;
  const input = JSON.parse(String(target.input)) as {
    TaskDefinition: string;
    LaunchType: string;
    NetworkConfiguration: { AwsvpcConfiguration: { Subnets: unknown; SecurityGroups: string[]; AssignPublicIp: string } };
    Overrides?: unknown;
  };
  const taskDefs = resourcesOf(json, 'aws_ecs_task_definition');
  const gcName = Object.keys(taskDefs).find((k) => input.TaskDefinition === `\${aws_ecs_task_definition.${k}.arn}`) ?? '';
  const gcTd = taskDefs[gcName] ?? {};
  const serviceTd = serviceTaskDefinition(json);
  const gcContainers = containersOf(gcTd);
  const gc = gcContainers.find((c) => c.name === 'gc') as EcsContainer;
  const server = containersOf(serviceTd).find((c) => c.name === 'mlflow') as EcsContainer;
  const role = (arn: unknown) => Object.entries(resourcesOf(json, 'aws_iam_role')).find(([k]) => arn === `\${aws_iam_role.${k}.arn}`)?.[1] ?? {};
  const policiesOf = (roleBlock: Block) =>
    Object.values(resourcesOf(json, 'aws_iam_role_policy')).filter((p) => Object.entries(resourcesOf(json, 'aws_iam_role')).some(([k, r]) => r === roleBlock && p.role === `\${aws_iam_role.${k}.name}`));
  const serverDbSecret = Object.keys(resourcesOf(json, 'aws_secretsmanager_secret')).find((k) => k.includes('server-database-password')) ?? '';

  it('runs daily at 04:00 UTC, after the backups, through the ecs:runTask universal target', () => {
    expect(schedule).toMatchObject({ schedule_expression: 'cron(0 4 * * ? *)', schedule_expression_timezone: 'UTC' });
    expect(target.arn).toBe('arn:${data.aws_partition.partition.partition}:scheduler:::aws-sdk:ecs:runTask');
  });

  it("runs the family <stack>-mlflow-gc, not the service's, on Fargate in the service's subnets and security group, with no override", () => {
    expect(gcName).toMatch(/^tracking_gc-task-definition_/);
    expect(gcTd).toMatchObject({ family: 't-mlflow-gc', requires_compatibilities: ['FARGATE'], network_mode: 'awsvpc' });
    expect(gcTd.family).not.toBe(serviceTd.family);
    // The size and platform of the server's tasks (the gc starts a one-worker server of its own).
    expect(gcTd).toMatchObject({ cpu: serviceTd.cpu, memory: serviceTd.memory, runtime_platform: serviceTd.runtime_platform });
    expect(input.LaunchType).toBe('FARGATE');
    expect(input.Overrides).toBeUndefined();
    // The service's own subnets and public-IP setting: in the no-NAT default (public task subnets)
    // the gc task needs its public IPv4 to pull the image, like the service's tasks.
    const serviceNet = ([onlyResource(json, 'aws_ecs_service').network_configuration].flat()[0] ?? {}) as Block;
    expect(input.NetworkConfiguration.AwsvpcConfiguration).toMatchObject({
      SecurityGroups: [expect.stringMatching(/task-security-group/)],
      Subnets: serviceNet.subnets,
      AssignPublicIp: serviceNet.assign_public_ip === true ? 'ENABLED' : 'DISABLED',
    });
    expect(serviceNet.assign_public_ip).toBe(true);
  });

  it('has no migrate step and no admin credential: prepare-scratch, then gc with the server database role only', () => {
    expect(gcContainers.map((c) => c.name)).toEqual(['prepare-scratch', 'gc']);
    expect(gcContainers[0]).toMatchObject({ user: '0', essential: false });
    expect(gcContainers[0].secrets).toBeUndefined();
    expect(gc.secrets).toEqual([{ name: 'PGPASSWORD', valueFrom: `\${aws_secretsmanager_secret.${serverDbSecret}.arn}` }]);
    expect(gc.environment).toContainEqual({ name: 'PGUSER', value: 'mlflow_server' });
    expect(gc.portMappings).toBeUndefined();
    // Not the RDS master secret, no MLflow admin, team-admin or Flask secret anywhere in the task.
    expect(JSON.stringify(gcTd)).not.toMatch(/master_user_secret|admin-password|team-admin|flask-secret-key/);
  });

  it("keeps the server container's hardening: same image, non-root user, read-only root, the scratch volume after prepare-scratch", () => {
    expect(gc).toMatchObject({
      image: server.image,
      user: server.user,
      readonlyRootFilesystem: true,
      essential: true,
      mountPoints: server.mountPoints,
      dependsOn: [{ containerName: 'prepare-scratch', condition: 'SUCCESS' }],
      entryPoint: server.entryPoint,
    });
    expect(gcContainers[0]).toEqual(containersOf(serviceTd).find((c) => c.name === 'prepare-scratch'));
    expect(gcTd.volume).toEqual(serviceTd.volume);
    // The server's environment minus what only serving needs (hosts, CORS, pool and keep-alive tuning):
    // the same variables the Azure job gets.
    const names = (c: EcsContainer) => (c.environment ?? []).map((e) => e.name);
    expect(names(gc).filter((n) => !names(server).includes(n))).toEqual([]);
    expect(names(gc)).toEqual(expect.arrayContaining(['MLFLOW_BACKEND_STORE_URI', 'PGHOST', 'PGDATABASE', 'PGSSLMODE', 'AWS_DEFAULT_REGION', 'HOME', 'TMPDIR']));
  });

  it('runs the generated gc script unchanged: entryPoint ["/bin/sh", "-c"] + the script as command', () => {
    const bucket = Object.keys(resourcesOf(json, 'aws_s3_bucket')).find((k) => k.startsWith('artifacts_')) ?? '';
    expect(gc.command).toEqual([gcScript({ artifactsDestination: `s3://\${aws_s3_bucket.${bucket}.bucket}`, olderThanDays: 90 })]);
  });

  it('RUN with stub executables in the gc container environment: both mlflow commands as before, as mlflow_server, with no admin secret in sight', () => {
    const dir = tempDirWith({});
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(dir, 'log');
    // mlflow records its arguments and the credentials it can see, one file per subcommand: the server
    // runs in the background, so its record and the gc's may come in either order. The server stays up until killed.
    fs.writeFileSync(
      path.join(bin, 'mlflow'),
      '#!/bin/sh\nout="$LOG.$1"\necho "mlflow $*" >> "$out"\necho "  PGUSER=$PGUSER PGPASSWORD=$PGPASSWORD" >> "$out"\nenv | sed -n "s/^\\([A-Z_]*\\(ADMIN_PASSWORD\\|SECRET_KEY\\)[A-Z_]*\\)=.*/  admin: \\1/p" >> "$out"\nif [ "$1" = server ]; then exec /bin/sleep 30; fi\n',
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, 'python'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    // ECS: environment as written (references resolved), secrets by value from Secrets Manager.
    const env: Record<string, string> = {
      ...Object.fromEntries((gc.environment ?? []).map((e) => [e.name, applied(e.value)])),
      ...Object.fromEntries((gc.secrets ?? []).map((x) => [x.name, `secret-of-${applied(x.valueFrom)}`])),
    };
    const argv = [...(gc.entryPoint ?? []), ...(gc.command ?? []).map(applied)];
    const result = spawnSync(argv[0], argv.slice(1), { env: { ...env, PATH: `${bin}:/usr/bin:/bin`, LOG: log }, input: '', encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(0);
    const store = env.MLFLOW_BACKEND_STORE_URI;
    const bucket = Object.keys(resourcesOf(json, 'aws_s3_bucket')).find((k) => k.startsWith('artifacts_')) ?? '';
    const credentials = `  PGUSER=mlflow_server PGPASSWORD=secret-of-tf-aws-secretsmanager-secret-${serverDbSecret.replace(/[^A-Za-z0-9]+/g, '-')}-arn`;
    const recorded = (subcommand: string) => fs.readFileSync(`${log}.${subcommand}`, 'utf8').trim().split('\n');
    expect(recorded('server')).toEqual([
      `mlflow server --host 127.0.0.1 --port 5000 --workers 1 --backend-store-uri ${store} --serve-artifacts --artifacts-destination s3://${applied(`\${aws_s3_bucket.${bucket}.bucket}`)} --enable-workspaces`,
      credentials,
    ]);
    expect(recorded('gc')).toEqual([`mlflow gc --backend-store-uri ${store} --all-workspaces --older-than 90d`, credentials]);
  });

  it('its execution role reads only the server database secret (and decrypts with the data key); its task role may only list and delete artifacts', () => {
    const execution = role(gcTd.execution_role_arn);
    expect(execution.name).toBe('t-mlflow-gc-execution');
    const executionStatements = policiesOf(execution).flatMap(policyStatements);
    expect(executionStatements.filter((st) => String(st.Action).includes('secretsmanager'))).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `\${aws_secretsmanager_secret.${serverDbSecret}.arn}` },
    ]);
    expect(executionStatements.filter((st) => String(st.Action).includes('kms'))).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: expect.stringMatching(/^\$\{aws_kms_key\.data-key_\w+\.arn\}$/) },
    ]);
    const task = role(gcTd.task_role_arn);
    expect(task.name).toBe('t-mlflow-gc-task');
    expect(gcTd.task_role_arn).not.toBe(serviceTd.task_role_arn);
    // mlflow gc removes a run's artifacts through the proxy (mlflow/cli/__init__.py gc, stored commit 00747dbb;
    // mlflow/server/handlers.py _delete_artifact_mlflow_artifacts): S3ArtifactRepository.delete_artifacts
    // (mlflow/store/artifact/s3_artifact_repo.py, stored commit 10dcff56: list_objects_v2, then delete_objects);
    // it never reads, writes or decrypts an object.
    expect(policiesOf(task).flatMap(policyStatements)).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: expect.stringMatching(/aws_s3_bucket\.artifacts_bucket_\w+\.arn\}$/) },
      { Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: expect.stringMatching(/aws_s3_bucket\.artifacts_bucket_\w+\.arn\}\/\*$/) },
    ]);
    // The bucket policy's deny of object access to everyone else exempts the gc task role.
    const bucketPolicy = Object.values(resourcesOf(json, 'aws_s3_bucket_policy')).find((p) => String(p.policy).includes('DenyObjectAccessToOthers')) as Block;
    const deny = policyStatements(bucketPolicy).find((st) => st.Sid === 'DenyObjectAccessToOthers') as Block;
    expect(JSON.stringify(deny.Condition)).toContain(String(gcTd.task_role_arn));
  });

  it('lets the scheduler role run only the gc family in that cluster and pass only the gc task roles', () => {
    const policy = Object.values(resourcesOf(json, 'aws_iam_role_policy')).find((p) => p.name === 'gc-run-task') as Block;
    expect(policyStatements(policy)).toEqual([
      expect.objectContaining({ Action: 'ecs:RunTask', Resource: expect.stringMatching(new RegExp(`:task-definition/\\$\\{aws_ecs_task_definition\\.${gcName}\\.family\\}:\\*$`)) }),
      expect.objectContaining({ Action: 'iam:PassRole', Resource: [gcTd.execution_role_arn, gcTd.task_role_arn] }),
    ]);
    expect(JSON.stringify(policy)).not.toContain(String(serviceTd.execution_role_arn));
  });

  it('is scheduled only once the service (whose first tasks migrate the database) and the task\'s policies and secret exist', () => {
    const after = schedule.depends_on as string[];
    expect(after).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_ecs_service\.tracking_service_/), expect.stringMatching(/^aws_iam_role_policy\.tracking_gc-execution_/)]));
    expect(after).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_secretsmanager_secret_version\.tracking_server-database-password_/)]));
  });

  it('is off with retention.gcEnabled false: no schedule, no gc task definition or roles', () => {
    const off = synth(configFrom(aws('retention:\n  gcEnabled: false\n')));
    expect(resourcesOf(off, 'aws_scheduler_schedule')).toEqual({});
    expect(Object.keys(resourcesOf(off, 'aws_ecs_task_definition'))).toEqual([expect.stringMatching(/^tracking_task-definition_/)]);
    expect(Object.values(resourcesOf(off, 'aws_iam_role')).map((r) => r.name)).not.toContain('t-mlflow-gc-task');
  });
});

describe('Azure: a Container Apps job on a cron schedule, like the server', () => {
  const json = synth(configFrom(azure()));
  const job = onlyResource(json, 'azurerm_container_app_job');
  const app = onlyResource(json, 'azurerm_container_app');

  it('runs daily at 04:00 UTC in the server environment, as the server database role, with no admin credential', () => {
    expect(job.schedule_trigger_config).toMatchObject({ cron_expression: '0 4 * * *', parallelism: 1 });
    expect(job.container_app_environment_id).toBe(app.container_app_environment_id);
    expect(job.identity).toEqual(app.identity);
    // Least privilege: the one secret it needs, the server role's password.
    expect((job.secret as Block[]).map((s) => s.name)).toEqual(['server-db-password']);
    const jobContainer = (job.template as { container: { env: Block[]; command: string[]; image: string }[] }).container[0];
    const appContainer = (app.template as { container: { env: Block[]; image: string }[] }).container[0];
    const env = Object.fromEntries(jobContainer.env.map((e) => [String(e.name), e.value ?? `secret:${String(e.secret_name)}`]));
    expect(env).toMatchObject({ PGUSER: 'mlflow_server', PGPASSWORD: 'secret:server-db-password', MLFLOW_BACKEND_STORE_URI: expect.any(String) });
    expect(Object.keys(env).filter((k) => /ADMIN_PASSWORD/.test(k))).toEqual([]);
    expect(jobContainer.image).toBe(appContainer.image);
    expect(jobContainer.command[2]).toContain('--older-than 30d');
    expect(jobContainer.command[2]).toContain('--artifacts-destination wasbs://');
  });
});
