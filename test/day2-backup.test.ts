import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RestorePlanError, parseRestoreTime, restorePlan, synthesizedStack } from '../cli/restore/restore-plan';
import { type Block, configFrom, onlyResource, resourcesOf, synthOnce, tempDirWith } from './helpers';
import { minimalAws, minimalAzure } from './fixtures/minimal';
import type { DeploymentConfig } from '../stacks/config/schema';

/** Day-2 operations, item "backups and a restore drill". */

const aws = (environment: string, extra = '', database = '{}') => minimalAws({ environment, extra, database });
const azure = (environment: string, extra = '') => minimalAzure({ environment, extra });

/** The restore command's `synthesizedStack`, once per config in this file (a deep copy each time). */
const stacks = new Map<string, ReturnType<typeof synthesizedStack>>();
function stackOnce(config: DeploymentConfig): ReturnType<typeof synthesizedStack> {
  const key = JSON.stringify(config);
  if (!stacks.has(key)) stacks.set(key, synthesizedStack(config));
  return structuredClone(stacks.get(key) as ReturnType<typeof synthesizedStack>);
}

describe('AWS Backup (production)', () => {
  const prod = synthOnce(configFrom(aws('prod', 'alarms:\n  emails: [a@example.com]\nbackup:\n  retentionDays: 90\n')));

  it('keeps recovery points in a vault encrypted with the data key, protected from destroy', () => {
    const vault = onlyResource(prod, 'aws_backup_vault');
    expect(String(vault.kms_key_arn)).toMatch(/aws_kms_key\.data-key/);
    expect(vault).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  it('backs up the database and the bucket daily with the configured retention, and the bucket continuously (35 days at most)', () => {
    const plans = Object.values(resourcesOf(prod, 'aws_backup_plan'));
    const daily = plans.find((p) => String(p.name).endsWith('-daily')) as Block;
    expect((daily.rule as Block[])[0]).toMatchObject({ schedule: 'cron(0 3 * * ? *)', lifecycle: { delete_after: 90 } });
    const continuous = plans.find((p) => String(p.name).endsWith('-continuous')) as Block;
    expect((continuous.rule as Block[])[0]).toMatchObject({ enable_continuous_backup: true, lifecycle: { delete_after: 35 } });
    const selections = Object.values(resourcesOf(prod, 'aws_backup_selection'));
    const daySel = selections.find((s) => s.name === 'database-and-artifacts') as Block;
    expect(daySel.resources).toEqual([expect.stringMatching(/aws_db_instance\..*\.arn/), expect.stringMatching(/aws_s3_bucket\.artifacts.*\.arn/)]);
    expect(selections.find((s) => s.name === 'artifacts')?.resources).toEqual([expect.stringMatching(/aws_s3_bucket\.artifacts.*\.arn/)]);
  });

  it('lets the backup role past the bucket policy and use the key; the bucket is versioned (AWS Backup for S3 requires it)', () => {
    const bucketPolicy = Object.entries(resourcesOf(prod, 'aws_s3_bucket_policy')).find(([k]) => k.startsWith('artifacts'))?.[1] as Block;
    expect(String(bucketPolicy.policy)).toContain('aws_iam_role.backup_role');
    const attached = Object.values(resourcesOf(prod, 'aws_iam_role_policy_attachment')).map((a) => String(a.policy_arn));
    expect(attached).toEqual(expect.arrayContaining([expect.stringMatching(/:iam::aws:policy\/AWSBackupServiceRolePolicyForS3Backup$/), expect.stringMatching(/service-role\/AWSBackupServiceRolePolicyForBackup$/)]));
    const versioning = Object.entries(resourcesOf(prod, 'aws_s3_bucket_versioning')).find(([k]) => k.startsWith('artifacts'))?.[1];
    expect(versioning?.versioning_configuration).toEqual({ status: 'Enabled' });
  });

  it('is off by default outside production, on with backup.enabled', () => {
    expect(resourcesOf(synthOnce(configFrom(aws('dev'))), 'aws_backup_plan')).toEqual({});
    expect(Object.keys(resourcesOf(synthOnce(configFrom(aws('dev', 'backup:\n  enabled: true\n'))), 'aws_backup_plan'))).toHaveLength(2);
  });
});

describe('Azure blob point-in-time restore', () => {
  const blob = (yaml: string) => onlyResource(synthOnce(configFrom(yaml)), 'azurerm_storage_account').blob_properties as Block;

  it('production restores containers up to soft delete - 1 days (azurerm 4.55: days < delete_retention_policy days, versioning and change feed on)', () => {
    expect(blob(azure('prod', 'alarms:\n  emails: [a@example.com]\n'))).toMatchObject({
      versioning_enabled: true,
      change_feed_enabled: true,
      delete_retention_policy: { days: 30 },
      restore_policy: { days: 29 },
    });
  });

  it('is off by default outside production', () => {
    expect(blob(azure('dev')).restore_policy).toBeUndefined();
  });

  it('rejects backup.enabled with one day of soft delete', () => {
    expect(() => configFrom(azure('dev', 'backup:\n  enabled: true\n').replace('artifacts: {}', 'artifacts: { softDeleteDays: 1 }'))).toThrow(
      /artifacts\.softDeleteDays: point-in-time restore of the artifacts \(backup\.enabled\) needs at least 2 days of soft delete/,
    );
  });
});

describe('restore time', () => {
  const now = new Date('2026-11-23T20:00:00Z');
  it('accepts an explicit UTC timestamp only', () => {
    expect(parseRestoreTime('2026-11-23T18:00:00Z', now).toISOString()).toBe('2026-11-23T18:00:00.000Z');
    for (const bad of ['2026-11-23 18:00', '2026-11-23T18:00:00+01:00', '2026-02-30T18:00:00Z', 'yesterday']) {
      expect(() => parseRestoreTime(bad, now)).toThrow(/expected a UTC timestamp such as 2026-11-23T18:00:00Z/);
    }
    expect(() => parseRestoreTime('2026-11-24T18:00:00Z', now)).toThrow(/is in the future/);
  });

  it('refuses a point older than the database backups keep', () => {
    const config = configFrom(aws('dev'));
    expect(() => restorePlan(config, stackOnce(config), new Date('2026-11-01T00:00:00Z'), now)).toThrow(RestorePlanError);
    expect(() => restorePlan(config, stackOnce(config), new Date('2026-11-01T00:00:00Z'), now)).toThrow(/older than the database backups \(7 days\)/);
  });
});

/** Runs a generated plan with stub CLIs that log every call; returns the log lines. */
function runWithStubs(script: string, stubs: Record<string, string>): string[] {
  const dir = tempDirWith({});
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(stubs)) {
    fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "$LOG"\n${body}\n`, { mode: 0o755 });
  }
  const log = path.join(dir, 'log');
  fs.writeFileSync(log, '');
  fs.writeFileSync(path.join(dir, 'plan.sh'), script);
  execFileSync('bash', [path.join(dir, 'plan.sh')], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH ?? ''}`, LOG: log } });
  return fs.readFileSync(log, 'utf8').trim().split('\n');
}

const pgStub = 'echo "  as=$PGUSER password=$PGPASSWORD ssl=$PGSSLMODE" >> "$LOG"';

describe('restore plan, run with stub executables', () => {
  const now = new Date('2026-11-23T20:00:00Z');
  const to = new Date('2026-11-23T18:00:00Z');

  it('AWS: freezes (gc schedule off), restores the database beside the live one at T, restores the artifacts to T through AWS Backup, copies both databases, unfreezes', () => {
    const config = configFrom(aws('prod', 'alarms:\n  emails: [a@example.com]\n'));
    const lines = runWithStubs(restorePlan(config, stackOnce(config), to, now), {
      aws: `case "$*" in
  *get-caller-identity*) echo 123456789012 ;;
  *SecretArn*) case "$*" in *"identifier t "*) echo arn:live ;; *) echo arn:restored ;; esac ;;
  *VpcSecurityGroupId*) echo sg-1 ;;
  *Endpoint.Address*) case "$*" in *"identifier t "*) echo live.rds ;; *) echo restored.rds ;; esac ;;
  *"get-secret-value --secret-id arn:live"*) echo '{"username":"mlflow_admin","password":"live-pw"}' ;;
  *"get-secret-value --secret-id arn:restored"*) echo '{"username":"mlflow_admin","password":"old-pw"}' ;;
  *"scheduler get-schedule"*) echo '{"Arn":"arn:aws:scheduler:x","CreationDate":"2026-01-01T00:00:00Z","Name":"t-mlflow-gc","GroupName":"default","ScheduleExpression":"cron(0 4 * * ? *)","State":"ENABLED","Target":{"Arn":"a","RoleArn":"r","Input":"{}"},"FlexibleTimeWindow":{"Mode":"OFF"}}' ;;
  *"scheduler update-schedule"*) echo "  file=$(cat "\${4#file://}")" >> "$LOG" ;;
  *"ecs list-tasks"*) echo arn:task/gc-1 ;;
  *"iam get-role --role-name t-backup"*) echo arn:aws:iam::123456789012:role/t-backup ;;
  *"sts get-caller-identity --query Arn"*) echo arn:aws:iam::123456789012:user/op ;;
  *"kms describe-key"*) echo arn:aws:kms:eu-west-1:123456789012:key/k1 ;;
  *list-recovery-points-by-resource*) echo arn:aws:backup:eu-west-1:123456789012:recovery-point:continuous:abc ;;
  *start-restore-job*) echo job-1 ;;
  *describe-restore-job*) echo COMPLETED ;;
esac`,
      pg_dump: pgStub,
      pg_restore: pgStub,
    });
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const freeze = at(/register-scalable-target .* --min-capacity 0 --max-capacity 0/);
    const restore = at(/restore-db-instance-to-point-in-time --source-db-instance-identifier t --target-db-instance-identifier t-r20261123t180000z --restore-time 2026-11-23T18:00:00Z .*--vpc-security-group-ids sg-1 .*--master-user-secret-kms-key-id alias\/t\/data/);
    const gcOff = at(/^aws scheduler update-schedule --cli-input-json file:\/\/gc-schedule-disabled\.json$/);
    const restoreJob = at(/^aws backup start-restore-job --recovery-point-arn arn:aws:backup:eu-west-1:123456789012:recovery-point:continuous:abc --iam-role-arn arn:aws:iam::123456789012:role\/t-backup --resource-type S3 /);
    const dump = at(/^pg_dump --format=custom --host restored\.rds --dbname mlflow /);
    const unfreeze = at(/register-scalable-target .* --min-capacity 2 --max-capacity 6/);
    const gcOn = at(/^aws scheduler update-schedule --cli-input-json file:\/\/gc-schedule-enabled\.json$/);
    const order = [freeze, gcOff, restore, restoreJob, dump, unfreeze, gcOn];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // UpdateSchedule replaces the whole definition: everything but State is kept, read-only fields dropped.
    const sent = (i: number) => JSON.parse(lines[i + 1].replace(/^ {2}file=/, '')) as Record<string, unknown>;
    expect(sent(gcOff)).toEqual({ Name: 't-mlflow-gc', GroupName: 'default', ScheduleExpression: 'cron(0 4 * * ? *)', State: 'DISABLED', Target: { Arn: 'a', RoleArn: 'r', Input: '{}' }, FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(sent(gcOn)).toMatchObject({ State: 'ENABLED', ScheduleExpression: 'cron(0 4 * * ? *)' });
    expect(lines).toContain('aws ecs stop-task --cluster t --task arn:task/gc-1 --reason restore to 2026-11-23T18:00:00Z');
    const metadata = JSON.parse(/--metadata (\{.*\}) --query/.exec(lines[restoreJob])?.[1] ?? '{}') as Record<string, string>;
    expect(metadata).toEqual({
      DestinationBucketName: 't-artifacts-123456789012',
      NewBucket: 'false',
      RestoreTime: '2026-11-23T18:00:00Z',
      Encrypted: 'true',
      EncryptionType: 'SSE-KMS',
      KMSKey: 'arn:aws:kms:eu-west-1:123456789012:key/k1',
      CreationToken: 't-r20261123t180000z',
    });
    expect(lines[dump + 1]).toBe('  as=mlflow_admin password=old-pw ssl=require');
    expect(lines.filter((l) => l.startsWith('pg_restore'))).toEqual([
      'pg_restore --clean --if-exists --single-transaction --host live.rds --dbname mlflow mlflow.dump',
      'pg_restore --clean --if-exists --single-transaction --host live.rds --dbname mlflow_auth mlflow_auth.dump',
    ]);
    expect(lines[at(/^pg_restore .*--dbname mlflow_auth/) + 1]).toBe('  as=mlflow_admin password=live-pw ssl=require');
    // Nothing is deleted for good by the plan.
    expect(lines.some((l) => /delete-db-instance|delete-db-cluster/.test(l))).toBe(false);
  });

  it('Azure: deactivates the revision, restores the server and the blobs to T, copies both databases, reactivates', () => {
    const config = configFrom(azure('prod', 'alarms:\n  emails: [a@example.com]\n'));
    const lines = runWithStubs(restorePlan(config, stackOnce(config), to, now), {
      az: `case "$*" in
  *latestRevisionName*) echo t-mlflow--rev1 ;;
  *"--name psql-t --query"*) echo live.postgres ;;
  *"--query fullyQualifiedDomainName"*) echo restored.postgres ;;
  *"keyvault secret show"*) echo admin-pw ;;
  *"job execution list"*) echo t-mlflow-gc-x1 ;;
esac`,
      pg_dump: pgStub,
      pg_restore: pgStub,
    });
    const order = [
      /^az containerapp revision deactivate --name t-mlflow --resource-group rg-t --revision t-mlflow--rev1$/,
      /^az containerapp job update --name t-mlflow-gc --resource-group rg-t --cron-expression 0 0 1 5 \*$/,
      /^az containerapp job stop --name t-mlflow-gc --resource-group rg-t --job-execution-name t-mlflow-gc-x1$/,
      /^az postgres flexible-server restore --resource-group rg-t --name psql-t-r20261123t180000z --source-server psql-t --restore-time 2026-11-23T18:00:00Z$/,
      /^az storage blob restore --account-name \S+ --resource-group rg-t --time-to-restore 2026-11-23T18:00:00Z$/,
      /^pg_dump --format=custom --host restored\.postgres --dbname mlflow /,
      /^pg_restore .*--host live\.postgres --dbname mlflow_auth /,
      /^az containerapp revision activate --name t-mlflow --resource-group rg-t --revision t-mlflow--rev1$/,
      /^az containerapp job update --name t-mlflow-gc --resource-group rg-t --cron-expression 0 4 \* \* \*$/,
    ].map((p) => lines.findIndex((l) => p.test(l)));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe('AWS restore plan: every artifact command runs as a principal the bucket policy admits', () => {
  const now = new Date('2026-11-23T20:00:00Z');
  const to = new Date('2026-11-23T18:00:00Z');

  /** The principal ARN references the artifact bucket policy exempts from its deny of object writes and deletes. */
  function admitted(json: Block): string[] {
    const policy = Object.entries((json.resource as Record<string, Record<string, Block>>).aws_s3_bucket_policy).find(([k]) => k.startsWith('artifacts'))?.[1];
    const statements = (JSON.parse(String(policy?.policy)) as { Statement: Block[] }).Statement;
    const deny = statements.find((s) => s.Effect === 'Deny' && (s.Action as string[]).includes('s3:DeleteObject*') && (s.Action as string[]).includes('s3:PutObject*')) as Block;
    return ((deny.Condition as Record<string, Record<string, string[]>>).ArnNotLike['aws:PrincipalArn']);
  }

  it('writes objects only through AWS Backup as the backup role, which the bucket policy exempts (no operator s3 object call)', () => {
    const config = configFrom(aws('prod', 'alarms:\n  emails: [a@example.com]\n'));
    const json = stackOnce(config);
    const plan = restorePlan(config, json, to, now);
    // An operator's own s3 object writes and deletes are denied by the bucket policy (constructs/aws/buckets.ts).
    expect(plan).not.toMatch(/aws s3api (delete-object|put-object|copy-object|restore-object)|aws s3 (cp|mv|rm|sync)/);
    const roleName = /--role-name (\S+) --query Role\.Arn/.exec(plan)?.[1];
    expect(plan).toMatch(/aws backup start-restore-job .*--iam-role-arn "\$BACKUP_ROLE" --resource-type S3/);
    const roles = json.resource?.aws_iam_role ?? {};
    const [key, role] = Object.entries(roles).find(([, r]) => r.name === roleName) ?? [];
    expect(String(role?.assume_role_policy)).toContain('backup.amazonaws.com');
    expect(admitted(json as Block)).toContain(`\${aws_iam_role.${String(key)}.arn}`);
  });

  it('without AWS Backup (dev) says the artifacts cannot be brought back instead of printing a denied command', () => {
    const config = configFrom(aws('dev'));
    const json = stackOnce(config);
    const plan = restorePlan(config, json, new Date('2026-11-22T18:00:00Z'), now);
    expect(plan).not.toMatch(/aws s3api (delete-object|put-object)|start-restore-job/);
    expect(plan).toMatch(/no continuous AWS Backup of the bucket \(backup\.enabled is off\)/);
  });
});
