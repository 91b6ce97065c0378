import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gcScript } from '../constructs/shared/gc-script';
import { type Block, configFrom, onlyResource, resourcesOf, synth, tempDirWith } from './helpers';
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
    expect(log[0]).toBe(
      'mlflow server --host 127.0.0.1 --port 5000 --workers 1 --backend-store-uri postgresql://db:5432/mlflow?sslmode=require --serve-artifacts --artifacts-destination s3://bucket --enable-workspaces tracking= hosts=localhost,localhost:5000,127.0.0.1,127.0.0.1:5000 workspaces=true',
    );
    // mlflow/cli/__init__.py `_resolve_gc_workspaces` (stored mlflow/mlflow 00747dbb): with workspaces on and no
    // --all-workspaces, gc handles only the default workspace; the teams' workspaces would never be purged.
    expect(log[1]).toBe(
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

describe('AWS: EventBridge Scheduler runs the server task definition with a gc command', () => {
  const json = synth(configFrom(aws('retention:\n  deletedRunsDays: 90\n')));
  const schedule = onlyResource(json, 'aws_scheduler_schedule');
  const target = schedule.target as Block;
  const input = JSON.parse(String(target.input)) as {
    TaskDefinition: string;
    NetworkConfiguration: { AwsvpcConfiguration: { Subnets: unknown; SecurityGroups: string[]; AssignPublicIp: string } };
    Overrides: { ContainerOverrides: { Name: string; Command: string[] }[] };
  };

  it('runs daily at 04:00 UTC, after the backups, through the ecs:runTask universal target', () => {
    expect(schedule).toMatchObject({ schedule_expression: 'cron(0 4 * * ? *)', schedule_expression_timezone: 'UTC' });
    expect(target.arn).toBe('arn:${data.aws_partition.partition.partition}:scheduler:::aws-sdk:ecs:runTask');
  });

  it("reuses the server's task definition, network and security group, overriding only the command", () => {
    expect(input.TaskDefinition).toMatch(/aws_ecs_task_definition\.tracking_task-definition_\w+\.arn/);
    // The service's own subnets and public-IP setting: in the no-NAT default (public task subnets)
    // the gc task needs its public IPv4 to pull the image, like the service's tasks.
    const serviceNet = ([onlyResource(json, 'aws_ecs_service').network_configuration].flat()[0] ?? {}) as Block;
    expect(input.NetworkConfiguration.AwsvpcConfiguration).toMatchObject({
      SecurityGroups: [expect.stringMatching(/task-security-group/)],
      Subnets: serviceNet.subnets,
      AssignPublicIp: serviceNet.assign_public_ip === true ? 'ENABLED' : 'DISABLED',
    });
    expect(serviceNet.assign_public_ip).toBe(true);
    expect(input.Overrides.ContainerOverrides).toHaveLength(1);
    expect(input.Overrides.ContainerOverrides[0].Name).toBe('mlflow');
    expect(input.Overrides.ContainerOverrides[0].Command).toHaveLength(1);
    expect(input.Overrides.ContainerOverrides[0].Command[0]).toContain('--older-than 90d');
    expect(resourcesOf(json, 'aws_ecs_task_definition')).toEqual({ [Object.keys(resourcesOf(json, 'aws_ecs_task_definition'))[0]]: expect.anything() });
  });

  it('runs gc when Docker executes entryPoint + command override (ECS ContainerOverride.command replaces CMD only; Docker run reference "ENTRYPOINT + CMD")', () => {
    const taskDefs = resourcesOf(json, 'aws_ecs_task_definition');
    const containers = JSON.parse(String(Object.values(taskDefs)[0].container_definitions)) as { name: string; entryPoint?: string[] }[];
    const entryPoint = containers.find((c) => c.name === 'mlflow')?.entryPoint ?? [];
    const argv = [...entryPoint, ...input.Overrides.ContainerOverrides[0].Command];
    const dir = tempDirWith({});
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(dir, 'log');
    fs.writeFileSync(log, '');
    fs.writeFileSync(path.join(bin, 'mlflow'), '#!/bin/sh\necho "mlflow $*" >> "$LOG"\nif [ "$1" = server ]; then exec /bin/sleep 30; fi\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'python'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const result = spawnSync(argv[0], argv.slice(1), {
      env: { PATH: `${bin}:/usr/bin:/bin`, LOG: log, MLFLOW_BACKEND_STORE_URI: 'postgresql://db:5432/mlflow?sslmode=require' },
      input: '',
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/^mlflow gc .*--older-than 90d/m);
  });

  it('lets the scheduler role run that family in that cluster and pass the two task roles, nothing else', () => {
    const policy = Object.values(resourcesOf(json, 'aws_iam_role_policy')).find((p) => p.name === 'gc-run-task') as Block;
    const statements = (JSON.parse(String(policy.policy)) as { Statement: Block[] }).Statement;
    expect(statements).toEqual([
      expect.objectContaining({ Action: 'ecs:RunTask', Resource: expect.stringMatching(/:task-definition\/\$\{aws_ecs_task_definition\.\S+\.family\}:\*$/) }),
      expect.objectContaining({ Action: 'iam:PassRole', Resource: [expect.stringMatching(/execution-role/), expect.stringMatching(/task-role/)] }),
    ]);
  });

  it('is off with retention.gcEnabled false', () => {
    expect(resourcesOf(synth(configFrom(aws('retention:\n  gcEnabled: false\n'))), 'aws_scheduler_schedule')).toEqual({});
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
