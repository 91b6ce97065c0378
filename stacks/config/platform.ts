import { z } from 'zod';
import { DEFAULT_MLFLOW_IMAGE } from '../../constructs/shared/mlflow-server';
import { pattern, reportDuplicates } from './zod-helpers';

/** Fields and rules the tracking platform shares on every cloud. */

export const mlflowImage = pattern(/^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, 'a pinned image reference (a tag or digest, not latest)')
  .refine((i) => !i.endsWith(':latest'), { message: 'expected a pinned image, not :latest' })
  .default(DEFAULT_MLFLOW_IMAGE)
  .describe(`MLflow image with the PostgreSQL driver, the cloud storage packages and the auth extra. @default ${DEFAULT_MLFLOW_IMAGE}`);

export const adminUsername = pattern(/^[a-z][a-z0-9_-]{2,31}$/, '3-32 lowercase letters, digits, _ or -')
  .default('admin')
  .describe('MLflow auth admin user. @default admin');

export const telemetry = z
  .boolean()
  .default(false)
  .describe("Send MLflow's anonymous usage telemetry (MLFLOW_DISABLE_TELEMETRY and DO_NOT_TRACK are set otherwise). @default false");

export const teamName = pattern(/^[a-z][a-z0-9-]{1,30}$/, '2-31 lowercase letters, digits and dashes, starting with a letter').describe(
  'Team name: artifact prefix teams/<name>/, experiment namespace <name>/<problem>/<model>.',
);

/** A list of teams whose names are unique. */
export function teamList<T extends z.ZodType<{ name: string }>>(team: T) {
  return z.array(team).superRefine((teams, ctx) =>
    reportDuplicates(ctx, teams.map((t) => t.name), (i) => [i, 'name'], 'team name'),
  );
}

/** The tracking platform is database, artifacts and tracking together; teams need it. */
export function checkPlatformSections(d: { database?: unknown; artifacts?: unknown; tracking?: unknown; teams?: unknown }, ctx: z.RefinementCtx): void {
  const platform = [d.database, d.artifacts, d.tracking].filter(Boolean).length;
  if (platform > 0 && platform < 3) {
    ctx.addIssue({ code: 'custom', path: [], message: 'the tracking platform needs the database, artifacts and tracking sections together' });
  }
  if (d.teams && !d.tracking) ctx.addIssue({ code: 'custom', path: ['teams'], message: 'teams need the tracking platform (database, artifacts, tracking)' });
}
