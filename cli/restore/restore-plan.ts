import type { TerraformStack } from 'cdktf';
import { buildApp } from '../../stacks/app';
import type { DeploymentConfig } from '../../stacks/config/schema';
import type { Block, StackJson } from '../../policy/types';
import { stackJson } from '../../stacks/stack-json';

/**
 * `npm run restore-plan -- <stack> --to <timestamp>`: the commands that bring one deployment's
 * database AND artifacts back to the same point in time, read from the stack this package
 * synthesizes for it (names, regions, resource groups are never retyped by hand).
 *
 * The procedure is the same on both clouds (docs/runbook.md, "Restoring to a point in time"):
 * freeze writes, restore a database copy beside the live one at T, bring the artifacts back to T,
 * copy the restored databases into the live server (endpoint, secrets and Terraform state stay as
 * they are), unfreeze. The live server is never replaced.
 */

export class RestorePlanError extends Error {}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const DAY_MS = 86_400_000;

/** Parses an explicit UTC timestamp (`2026-11-23T18:00:00Z`); anything else is an error. */
export function parseRestoreTime(text: string, now: Date): Date {
  const m = TIMESTAMP.exec(text);
  const t = m ? new Date(text) : undefined;
  if (!t || Number.isNaN(t.getTime()) || t.toISOString().replace('.000Z', 'Z') !== text) {
    throw new RestorePlanError(`--to ${JSON.stringify(text)}: expected a UTC timestamp such as 2026-11-23T18:00:00Z`);
  }
  if (t.getTime() > now.getTime()) throw new RestorePlanError(`--to ${text}: is in the future`);
  return t;
}

/** The first resource of a type in the stack (the platform has one of each it restores). */
function single(json: StackJson, type: string): Block | undefined {
  return Object.values(json.resource?.[type] ?? {})[0];
}

/** Resolves `${type.name.attr}` to the literal attribute of that resource in the same stack. */
function literal(json: StackJson, value: unknown): string {
  const m = /^\$\{([a-z0-9_]+)\.([^.]+)\.([a-z_]+)\}$/.exec(String(value));
  if (!m) return String(value);
  return String(json.resource?.[m[1]]?.[m[2]]?.[m[3]] ?? value);
}

/** Oldest restorable point: each store keeps history only so long. */
function checkWindow(t: Date, now: Date, windows: readonly [string, number][]): void {
  for (const [what, days] of windows) {
    if (now.getTime() - t.getTime() > days * DAY_MS) {
      throw new RestorePlanError(`--to ${t.toISOString().replace('.000Z', 'Z')}: older than ${what} (${days} days)`);
    }
  }
}

const stamp = (t: Date) => t.toISOString().replace(/[-:]|\.000/g, '').toLowerCase();

/** The restore script for one deployment (bash, one command a line, comments saying why). */
export function restorePlan(config: DeploymentConfig, json: StackJson, to: Date, now: Date): string {
  if (config.cloud === 'aws') return awsPlan(config, json, to, now).join('\n');
  if (config.cloud === 'azure') return azurePlan(config, json, to, now).join('\n');
  throw new RestorePlanError(`${config.name}: a governance-only deployment has no database or artifacts to restore`);
}

function header(config: DeploymentConfig, where: string, t: string): string[] {
  return [
    '#!/usr/bin/env bash',
    `# Restore plan for ${config.name} (${where}) to ${t}: the database and the artifacts to the same point.`,
    '# Run from a host inside the network with the cloud CLI, psql/pg_dump/pg_restore of the server major version.',
    '# Read every step before running it; docs/runbook.md, "Restoring to a point in time", explains each.',
    'set -euo pipefail',
    `T=${t}`,
  ];
}

/** pg_dump from the restored copy, pg_restore over the live server: both MLflow databases. */
function copyDatabases(): string[] {
  return [
    '# 4. Copy the restored databases into the live server: its endpoint, secrets and Terraform state stay unchanged.',
    'export PGSSLMODE=require PGUSER',
    'for db in mlflow mlflow_auth; do',
    '  PGPASSWORD="$RESTORED_PASSWORD" pg_dump --format=custom --host "$RESTORED_HOST" --dbname "$db" --file "$db.dump"',
    '  PGPASSWORD="$LIVE_PASSWORD" pg_restore --clean --if-exists --single-transaction --host "$LIVE_HOST" --dbname "$db" "$db.dump"',
    'done',
  ];
}

function awsPlan(config: DeploymentConfig & { cloud: 'aws' }, json: StackJson, to: Date, now: Date): string[] {
  const t = to.toISOString().replace('.000Z', 'Z');
  const instance = single(json, 'aws_db_instance');
  const cluster = single(json, 'aws_rds_cluster');
  const db = instance ?? cluster;
  const target = single(json, 'aws_appautoscaling_target');
  const ecs = single(json, 'aws_ecs_cluster');
  if (!db || !target || !ecs) throw new RestorePlanError(`${config.name}: the deployment has no tracking platform to restore`);
  const lifecycle = Object.entries(json.resource?.aws_s3_bucket_lifecycle_configuration ?? {}).find(([k]) => k.startsWith('artifacts'))?.[1];
  const noncurrent = Number(((lifecycle?.rule as Block[] | undefined)?.[0]?.noncurrent_version_expiration as Block[] | undefined)?.[0]?.noncurrent_days ?? 30);
  const continuous = continuousDays(json);
  checkWindow(to, now, [['the database backups', Number(db.backup_retention_period)], ...(continuous ? [['the continuous backup of the artifacts', continuous] as [string, number]] : [['the artifact versions', noncurrent] as [string, number]])]);
  const id = String(instance ? instance.identifier : cluster?.cluster_identifier);
  const restored = `${id}-r${stamp(to)}`.slice(0, 63);
  // The alias of the data key: the restored copy's managed secret is encrypted with the same key.
  const keyRef = /^\$\{aws_kms_key\.([^.]+)\./.exec(String(db.kms_key_id))?.[1];
  const alias = Object.values(json.resource?.aws_kms_alias ?? {}).find((a) => keyRef && String(a.target_key_id).includes(`aws_kms_key.${keyRef}.`));
  const kms = String(alias?.name ?? db.kms_key_id);
  const subnetGroup = literal(json, db.db_subnet_group_name);
  const resourceId = `service/${String(ecs.name)}/mlflow`;
  const scaling = `aws application-autoscaling register-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount --resource-id ${resourceId}`;
  const describe = instance
    ? (which: string, query: string) => `$(aws rds describe-db-instances --db-instance-identifier ${which} --query 'DBInstances[0].${query}' --output text)`
    : (which: string, query: string) => `$(aws rds describe-db-clusters --db-cluster-identifier ${which} --query 'DBClusters[0].${query}' --output text)`;
  const restore = instance
    ? [
        `aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier ${id} --target-db-instance-identifier "$RESTORED" --restore-time "$T" \\`,
        `  --db-subnet-group-name ${subnetGroup} --vpc-security-group-ids "$SG" --db-parameter-group-name ${literal(json, instance.parameter_group_name)} \\`,
        `  --no-publicly-accessible --no-multi-az --manage-master-user-password --master-user-secret-kms-key-id ${kms}`,
        'aws rds wait db-instance-available --db-instance-identifier "$RESTORED"',
      ]
    : [
        `aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier ${id} --db-cluster-identifier "$RESTORED" --restore-to-time "$T" \\`,
        `  --db-subnet-group-name ${subnetGroup} --vpc-security-group-ids "$SG" --manage-master-user-password --master-user-secret-kms-key-id ${kms} \\`,
        `  --serverless-v2-scaling-configuration MinCapacity=0.5,MaxCapacity=${String((cluster?.serverlessv2_scaling_configuration as Block | undefined)?.max_capacity ?? 4)}`,
        `aws rds create-db-instance --db-cluster-identifier "$RESTORED" --db-instance-identifier "$RESTORED-0" --db-instance-class db.serverless --engine aurora-postgresql`,
        'aws rds wait db-instance-available --db-instance-identifier "$RESTORED-0"',
      ];
  return [
    ...header(config, `aws, ${config.region}`, t),
    `export AWS_REGION=${config.region}`,
    `RESTORED=${restored}`,
    'BUCKET="' + `${config.name}-artifacts-$(aws sts get-caller-identity --query Account --output text)"`,
    '',
    '# 1. Freeze writes: no task may write after the restore point while the copy runs.',
    `${scaling} --min-capacity 0 --max-capacity 0`,
    `aws ecs update-service --cluster ${String(ecs.name)} --service mlflow --desired-count 0`,
    `aws ecs wait services-stable --cluster ${String(ecs.name)} --services mlflow`,
    ...awsGc(json, String(ecs.name)).pause,
    '',
    '# 2. Database: restore a copy beside the live one at T (same subnets, security group and parameters).',
    `SG=${describe(id, 'VpcSecurityGroups[0].VpcSecurityGroupId')}`,
    ...restore,
    '',
    ...awsArtifacts(json, kms),
    '',
    `LIVE_HOST=${describe(id, instance ? 'Endpoint.Address' : 'Endpoint')}`,
    `RESTORED_HOST=${describe('"$RESTORED"', instance ? 'Endpoint.Address' : 'Endpoint')}`,
    '# The master secrets (RDS-managed): the copy got its own at restore.',
    "secret_field() { aws secretsmanager get-secret-value --secret-id \"$1\" --query SecretString --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' \"$2\"; }",
    `LIVE_SECRET=${describe(id, 'MasterUserSecret.SecretArn')}`,
    `RESTORED_SECRET=${describe('"$RESTORED"', 'MasterUserSecret.SecretArn')}`,
    'PGUSER=$(secret_field "$LIVE_SECRET" username)',
    'LIVE_PASSWORD=$(secret_field "$LIVE_SECRET" password)',
    'RESTORED_PASSWORD=$(secret_field "$RESTORED_SECRET" password)',
    ...copyDatabases(),
    '',
    '# 5. Unfreeze: the autoscaling bounds and task count of the deployed stack.',
    `${scaling} --min-capacity ${String(target.min_capacity)} --max-capacity ${String(target.max_capacity)}`,
    `aws ecs update-service --cluster ${String(ecs.name)} --service mlflow --desired-count ${String(target.min_capacity)}`,
    ...awsGc(json, String(ecs.name)).resume,
    '',
    '# 6. Check the UI and a run logged before T, then delete the copy (not done here on purpose):',
    instance
      ? '#    aws rds delete-db-instance --db-instance-identifier "$RESTORED" --skip-final-snapshot'
      : '#    aws rds delete-db-instance --db-instance-identifier "$RESTORED-0" && aws rds delete-db-cluster --db-cluster-identifier "$RESTORED" --skip-final-snapshot',
  ];
}

function azurePlan(config: DeploymentConfig & { cloud: 'azure' }, json: StackJson, to: Date, now: Date): string[] {
  const t = to.toISOString().replace('.000Z', 'Z');
  const server = single(json, 'azurerm_postgresql_flexible_server');
  const account = single(json, 'azurerm_storage_account');
  const app = single(json, 'azurerm_container_app');
  const vault = single(json, 'azurerm_key_vault');
  if (!server || !account || !app || !vault) throw new RestorePlanError(`${config.name}: the deployment has no tracking platform to restore`);
  const blob = (account.blob_properties ?? {}) as { restore_policy?: { days: number } };
  const pitrDays = blob.restore_policy?.days;
  checkWindow(to, now, [['the database backups', Number(server.backup_retention_days)], ...(pitrDays ? [['the artifact point-in-time restore', pitrDays] as [string, number]] : [])]);
  const rg = literal(json, server.resource_group_name);
  const name = String(server.name);
  const restored = `${name}-r${stamp(to)}`.slice(0, 63);
  const secret = Object.values(json.resource?.azurerm_key_vault_secret ?? {}).find((s) => String(s.name).startsWith('postgres-admin'));
  const password = `$(az keyvault secret show --vault-name ${String(vault.name)} --name ${String(secret?.name ?? 'postgres-admin-password')} --query value -o tsv)`;
  const appArgs = `--name ${String(app.name)} --resource-group ${rg}`;
  const artifacts = pitrDays
    ? [
        '# 3. Artifacts: container point-in-time restore of the storage account to T (every blob, one call).',
        `az storage blob restore --account-name ${String(account.name)} --resource-group ${rg} --time-to-restore "$T"`,
      ]
    : [
        '# 3. Artifacts: this deployment has no blob point-in-time restore (backup.enabled is off); soft-deleted blobs',
        `#    can be undeleted one by one for ${String((account.blob_properties as { delete_retention_policy?: { days?: number } }).delete_retention_policy?.days ?? 7)} days (az storage blob undelete).`,
      ];
  return [
    ...header(config, `azure, ${config.location}`, t),
    `RESTORED=${restored}`,
    '',
    '# 1. Freeze writes: deactivate the serving revision.',
    `REVISION=$(az containerapp show ${appArgs} --query properties.latestRevisionName -o tsv)`,
    `az containerapp revision deactivate ${appArgs} --revision "$REVISION"`,
    ...azureGc(json, rg, now).pause,
    '',
    '# 2. Database: restore a copy beside the live server at T (same network as the source).',
    `az postgres flexible-server restore --resource-group ${rg} --name "$RESTORED" --source-server ${name} --restore-time "$T"`,
    '',
    ...artifacts,
    '',
    `LIVE_HOST=$(az postgres flexible-server show --resource-group ${rg} --name ${name} --query fullyQualifiedDomainName -o tsv)`,
    `RESTORED_HOST=$(az postgres flexible-server show --resource-group ${rg} --name "$RESTORED" --query fullyQualifiedDomainName -o tsv)`,
    `PGUSER=${literal(json, server.administrator_login)}`,
    `LIVE_PASSWORD=${password}`,
    '# The copy has the admin password of T: if it was rotated since, read the older version of the secret.',
    'RESTORED_PASSWORD="$LIVE_PASSWORD"',
    ...copyDatabases(),
    '',
    '# 5. Unfreeze.',
    `az containerapp revision activate ${appArgs} --revision "$REVISION"`,
    ...azureGc(json, rg, now).resume,
    '',
    '# 6. Check the UI and a run logged before T, then delete the copy (not done here on purpose):',
    `#    az postgres flexible-server delete --resource-group ${rg} --name "$RESTORED" --yes`,
  ];
}

/** The stack JSON of one loaded deployment. */
export function synthesizedStack(config: DeploymentConfig): StackJson {
  const app = buildApp([config]);
  return stackJson(app.node.findChild(config.name) as TerraformStack);
}

/** Days of the artifact bucket's continuous AWS Backup (0 when the deployment has none). */
function continuousDays(json: StackJson): number {
  const plan = Object.values(json.resource?.aws_backup_plan ?? {}).find((p) => ((p.rule as Block[] | undefined)?.[0]?.enable_continuous_backup) === true);
  return Number(((plan?.rule as Block[] | undefined)?.[0]?.lifecycle as Block | undefined)?.delete_after ?? 0);
}

/**
 * Artifacts back to T. The bucket policy denies object writes and deletes to every principal but the
 * server, the team roles and the AWS Backup role (constructs/aws/buckets.ts), so an operator cannot
 * remove delete markers: the plan asks AWS Backup to restore the bucket's continuous recovery point
 * at T into the same bucket, as the backup role. AWS Backup restores to the original bucket are not
 * destructive: objects deleted after T (current version a delete marker) come back, objects written
 * after T stay, unreferenced (docs.aws.amazon.com/aws-backup/latest/devguide/restoring-s3.html).
 */
function awsArtifacts(json: StackJson, kmsAlias: string): string[] {
  const role = Object.values(json.resource?.aws_iam_role ?? {}).find((r) => String(r.assume_role_policy).includes('backup.amazonaws.com'));
  if (!role || continuousDays(json) === 0) {
    return [
      '# 3. Artifacts: this deployment has no continuous AWS Backup of the bucket (backup.enabled is off). The bucket',
      '#    policy lets only the server, the team roles and AWS Backup write or delete objects, so artifacts deleted',
      '#    after T cannot be brought back from here; runs restored with the database may miss artifacts.',
    ];
  }
  const metadata = [
    '\\"DestinationBucketName\\":\\"$BUCKET\\"',
    '\\"NewBucket\\":\\"false\\"',
    '\\"RestoreTime\\":\\"$T\\"',
    '\\"Encrypted\\":\\"true\\"',
    '\\"EncryptionType\\":\\"SSE-KMS\\"',
    '\\"KMSKey\\":\\"$KEY\\"',
    '\\"CreationToken\\":\\"$RESTORED\\"',
  ].join(',');
  return [
    '# 3. Artifacts: AWS Backup restores the continuous recovery point of the bucket at T into the same bucket, as the',
    '#    backup role (the only operator path the bucket policy admits). Objects deleted after T (mlflow gc, users)',
    '#    come back; objects written after T stay, unreferenced; nothing existing is overwritten.',
    'PARTITION=$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)',
    `BACKUP_ROLE=$(aws iam get-role --role-name ${String(role.name)} --query Role.Arn --output text)`,
    `KEY=$(aws kms describe-key --key-id ${kmsAlias} --query KeyMetadata.Arn --output text)`,
    `POINT=$(aws backup list-recovery-points-by-resource --resource-arn "arn:$PARTITION:s3:::$BUCKET" --query "RecoveryPoints[?contains(RecoveryPointArn, ':continuous:')].RecoveryPointArn | [0]" --output text)`,
    `JOB=$(aws backup start-restore-job --recovery-point-arn "$POINT" --iam-role-arn "$BACKUP_ROLE" --resource-type S3 --metadata "{${metadata}}" --query RestoreJobId --output text)`,
    'while :; do',
    '  STATUS=$(aws backup describe-restore-job --restore-job-id "$JOB" --query Status --output text)',
    '  case "$STATUS" in COMPLETED) break ;; ABORTED|FAILED) echo "artifact restore job $JOB: $STATUS" >&2; exit 1 ;; esac',
    '  sleep 60',
    'done',
  ];
}

/**
 * The daily mlflow gc must not run while the database and artifacts are restored: it would remove
 * runs and artifacts mid-copy. EventBridge Scheduler's UpdateSchedule replaces the whole definition
 * (fields left out are reset), so the plan reads the schedule, keeps the input fields and changes
 * only State (awscli `scheduler update-schedule`; the `get-schedule` output also holds read-only
 * Arn/CreationDate/LastModificationDate, which update-schedule rejects).
 */
function awsGc(json: StackJson, cluster: string): { pause: string[]; resume: string[] } {
  const schedule = Object.values(json.resource?.aws_scheduler_schedule ?? {}).find((s) => /-mlflow-gc$/.test(String(s.name)));
  if (!schedule) return { pause: [], resume: [] };
  const name = String(schedule.name);
  const withState = (state: string) =>
    `python3 -c 'import json,sys; s=json.load(open("gc-schedule.json")); keep=("Name","GroupName","ScheduleExpression","ScheduleExpressionTimezone","StartDate","EndDate","Description","Target","FlexibleTimeWindow","KmsKeyArn","ActionAfterCompletion"); d={k:v for k,v in s.items() if k in keep}; d["State"]=sys.argv[1]; json.dump(d, open("gc-schedule-" + sys.argv[1].lower() + ".json","w"))' ${state}`;
  return {
    pause: [
      `# The daily mlflow gc stays off until step 5, and a gc task already running is stopped.`,
      `aws scheduler get-schedule --name ${name} --output json > gc-schedule.json`,
      withState('DISABLED'),
      'aws scheduler update-schedule --cli-input-json file://gc-schedule-disabled.json',
      `for task in $(aws ecs list-tasks --cluster ${cluster} --desired-status RUNNING --query 'taskArns[]' --output text); do`,
      `  aws ecs stop-task --cluster ${cluster} --task "$task" --reason "restore to $T" > /dev/null`,
      'done',
    ],
    resume: [withState('ENABLED'), 'aws scheduler update-schedule --cli-input-json file://gc-schedule-enabled.json'],
  };
}

/**
 * Azure: a Container Apps job cannot be suspended; the plan moves the gc job's cron to a date six
 * months away (`az containerapp job update --cron-expression`), stops a running execution
 * (`az containerapp job stop`), and puts the deployed cron back at the end.
 */
function azureGc(json: StackJson, rg: string, now: Date): { pause: string[]; resume: string[] } {
  const job = Object.values(json.resource?.azurerm_container_app_job ?? {}).find((j) => /-mlflow-gc$/.test(String(j.name)));
  if (!job) return { pause: [], resume: [] };
  const args = `--name ${String(job.name)} --resource-group ${rg}`;
  const cron = String((job.schedule_trigger_config as Block | undefined)?.cron_expression);
  const month = ((now.getUTCMonth() + 6) % 12) + 1;
  return {
    pause: [
      '# The daily mlflow gc stays off until step 5 (its cron moved six months away), and a running execution is stopped.',
      `az containerapp job update ${args} --cron-expression "0 0 1 ${month} *"`,
      `for execution in $(az containerapp job execution list ${args} --query "[?properties.status=='Running'].name" -o tsv); do`,
      `  az containerapp job stop ${args} --job-execution-name "$execution"`,
      'done',
    ],
    resume: [`az containerapp job update ${args} --cron-expression "${cron}"`],
  };
}
