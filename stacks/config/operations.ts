import { z } from 'zod';
import {
  auroraMaxConnections,
  azureMaxConnections,
  DEPLOYMENT_OVERLAP,
  ENGINES_PER_WORKER,
  maxWorkersTimesReplicas,
  type PoolSizing,
  RESERVED_CONNECTIONS,
  rdsMaxConnections,
  sizePool,
} from '../../constructs/shared/db-connections';
import { DEFAULT_BACKUP_RETENTION_DAYS, DEFAULT_BACKUP_SCHEDULE } from '../../constructs/aws/backup';
import type { Resolved, ResolvedAws, ResolvedAzure } from './resolve';
import { pattern, strictObject } from './zod-helpers';

/**
 * Day-2 operations sections shared by AWS and Azure deployments: who is paged, how backups are
 * kept and how long deleted runs stay recoverable. Defaults are resolved here, for resolveAws and
 * resolveAzure (resolve.ts).
 */

const email = pattern(/^[^\s@${}%]+@[^\s@${}%]+\.[a-z]{2,}$/i, 'an e-mail address such as oncall@example.com');

export const alarmsSchema = strictObject({
  enabled: z.boolean().optional().describe('CloudWatch alarms / Azure Monitor alerts: 5xx, latency, unhealthy or missing tasks, restarts, database CPU, storage and connections.'),
  emails: z
    .array(email)
    .default([])
    .describe('E-mail addresses subscribed to the alarm topic (AWS SNS) or action group (Azure); production without one is policy warning MLP-OPS-1.'),
});

export const backupSchema = strictObject({
  enabled: z
    .boolean()
    .optional()
    .describe('AWS: an AWS Backup plan (daily database and bucket, continuous bucket; vault encrypted with the data key). Azure: container point-in-time restore.'),
  retentionDays: z
    .number()
    .int()
    .min(7)
    .max(3650)
    .optional()
    .describe('Days the AWS Backup recovery points are kept (continuous: 35 at most).'),
  schedule: pattern(/^cron\([0-9*?,/ A-Z#L-]+\)$/, 'an AWS Backup cron expression such as cron(0 3 * * ? *)')
    .optional()
    .describe('When AWS Backup takes the daily recovery points (UTC).'),
});

export const retentionSchema = strictObject({
  deletedRunsDays: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .optional()
    .describe('Runs and experiments deleted longer ago than this are removed for good, with their artifacts, by a daily mlflow gc.'),
  gcEnabled: z.boolean().optional().describe('Run the daily mlflow gc job.'),
});

export type AlarmsConfig = z.output<typeof alarmsSchema>;
export type BackupConfig = z.output<typeof backupSchema>;
export type RetentionConfig = z.output<typeof retentionSchema>;

/** Operations fields of a cloud deployment. */
export const operationsFields = {
  alarms: alarmsSchema.optional().describe('Alarms and where they go.'),
  backup: backupSchema.optional().describe('Backups beyond the database\'s point-in-time restore.'),
  retention: retentionSchema.optional().describe('Permanent removal of deleted runs and experiments.'),
};

/** The operations sections, as the stack sections receive them. */
export interface OperationsSections {
  readonly alarms?: AlarmsConfig;
  readonly backup?: BackupConfig;
  readonly retention?: RetentionConfig;
}

/** Alarm defaults, resolved once. */
export function resolveAlarms(a: AlarmsConfig | undefined): Resolved<AlarmsConfig> {
  return { enabled: a?.enabled ?? true, emails: a?.emails ?? [] };
}

/** Backup defaults, resolved once. */
export function resolveBackup(b: BackupConfig | undefined, production: boolean): Resolved<BackupConfig> {
  return { enabled: b?.enabled ?? production, retentionDays: b?.retentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS, schedule: b?.schedule ?? DEFAULT_BACKUP_SCHEDULE };
}

export type ConnectionPlan =
  | { readonly ok: true; readonly sizing: PoolSizing; readonly workers: number; readonly maxReplicas: number }
  | { readonly ok: false; readonly path: string[]; readonly message: string };

/**
 * The connection limit and pool of an AWS deployment's tracking platform. `maxTasksSet`: the config
 * sets tracking.maxTasks (the message then points at the field, else at the section).
 */
export function awsConnectionPlan(r: ResolvedAws, maxTasksSet: boolean): ConnectionPlan | undefined {
  const db = r.database;
  const t = r.tracking;
  if (!db || !t) return undefined;
  const aurora = db.engine === 'aurora-postgresql';
  const instanceClass = db.instanceClass;
  // A class that is not db.* has its own message already.
  if (!aurora && !instanceClass.startsWith('db.')) return undefined;
  const limit = aurora ? auroraMaxConnections(db.maxCapacity) : rdsMaxConnections(instanceClass);
  const sizeField = aurora ? ['database', 'maxCapacity'] : ['database', 'instanceClass'];
  if (limit === undefined) {
    return { ok: false, path: sizeField, message: `unknown connection limit for ${instanceClass}: use a db.t3/t4g/m5-m8g/r5-r8g/x2g class so the server's connection pool can be sized` };
  }
  return plan(limit, t.workers, t.maxTasks, ['tracking', 'maxTasks'], sizeField.join('.'), maxTasksSet);
}

/** The connection limit and pool of an Azure deployment's tracking platform. */
export function azureConnectionPlan(r: ResolvedAzure, maxReplicasSet: boolean): ConnectionPlan | undefined {
  const t = r.tracking;
  if (!r.database || !t) return undefined;
  const sku = r.database.skuName;
  const limit = azureMaxConnections(sku);
  if (limit === undefined) {
    return { ok: false, path: ['database', 'skuName'], message: `unknown connection limit for ${sku}: use a B*ms/B2s, D*ds/D*s or E*ds/E*s SKU so the server's connection pool can be sized` };
  }
  return plan(limit, t.workers, t.maxReplicas, ['tracking', 'maxReplicas'], 'database.skuName', maxReplicasSet);
}

function plan(limit: number, workers: number, maxReplicas: number, replicasPath: string[], sizeField: string, replicasSet: boolean): ConnectionPlan {
  const sizing = sizePool({ limit, maxReplicas, workers });
  if (sizing) return { ok: true, sizing, workers, maxReplicas };
  const field = replicasPath.join('.');
  return {
    ok: false,
    // The field the user set, or the section (a default is not "got nothing").
    path: replicasSet ? replicasPath : replicasPath.slice(0, 1),
    message:
      `${maxReplicas} ${field} x ${workers} tracking.workers need at least ${DEPLOYMENT_OVERLAP * maxReplicas * workers * ENGINES_PER_WORKER + RESERVED_CONNECTIONS} ` +
      `database connections at the peak of a rollout (x${DEPLOYMENT_OVERLAP} tasks, x${ENGINES_PER_WORKER} engines per worker, +${RESERVED_CONNECTIONS} reserved), ` +
      `more than the ${limit} that ${sizeField} allows; ` +
      `keep ${field} x tracking.workers at or below ${maxWorkersTimesReplicas(limit)} or choose a larger ${sizeField}`,
  };
}

/** Rejects a deployment whose server could open more connections than its database accepts. */
export function checkConnections(p: ConnectionPlan | undefined, ctx: z.RefinementCtx): void {
  if (p && !p.ok) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
}

/** Point-in-time restore of the artifacts (resolveAzure: one day less than blob soft delete) needs at least 2 days of soft delete. */
export function checkAzureBackup(
  d: { readonly artifacts?: { readonly softDeleteDays?: number } },
  r: Pick<ResolvedAzure, 'artifacts'>,
  ctx: z.RefinementCtx,
): void {
  const days = r.artifacts?.pointInTimeRestoreDays;
  if (days !== undefined && days < 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['artifacts', 'softDeleteDays'],
      message: 'point-in-time restore of the artifacts (backup.enabled) needs at least 2 days of soft delete',
      input: d.artifacts?.softDeleteDays,
    });
  }
}

/** Retention defaults, resolved once. The gc runs daily at 04:00 UTC, after the 03:00 backups. */
export function resolveRetention(r: RetentionConfig | undefined): Resolved<RetentionConfig> & { readonly hourUtc: number } {
  return { gcEnabled: r?.gcEnabled ?? true, deletedRunsDays: r?.deletedRunsDays ?? 30, hourUtc: 4 };
}
