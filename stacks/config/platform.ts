import { z } from 'zod';
import { DEFAULT_ADMIN_USERNAME, DEFAULT_MLFLOW_IMAGE } from '../../constructs/shared/mlflow-server';
import { pattern, reportDuplicates } from './zod-helpers';

/** Fields and rules the tracking platform shares on every cloud. */

export const mlflowImage = pattern(/^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, 'a pinned image reference (a tag or digest, not latest)')
  .refine((i) => !i.endsWith(':latest'), { message: 'expected a pinned image, not :latest' })
  .default(DEFAULT_MLFLOW_IMAGE)
  .describe('MLflow image with the PostgreSQL driver, the cloud storage packages and the auth extra (the -full variant); pinned, not latest. Point it at a private mirror if you have one.');

export const adminUsername = pattern(/^[a-z][a-z0-9_-]{2,31}$/, '3-32 lowercase letters, digits, _ or -')
  .default(DEFAULT_ADMIN_USERNAME)
  .describe('MLflow auth admin user.');

export const telemetry = z
  .boolean()
  .default(false)
  .describe("Send MLflow's anonymous usage telemetry (MLFLOW_DISABLE_TELEMETRY and DO_NOT_TRACK are set otherwise).");

/** Workspace names MLflow reserves (mlflow/store/workspace/abstract_store.py WorkspaceNameValidator, and `default`). */
const RESERVED_WORKSPACES = ['default', 'workspaces', 'api', 'ajax-api', 'static-files'];

export const teamName = pattern(
  /^(?!.*--)[a-z][a-z0-9-]{0,29}[a-z0-9]$/,
  '2-31 lowercase letters, digits and single dashes, starting with a letter and ending with a letter or digit',
)
  .refine((t) => !RESERVED_WORKSPACES.includes(t), { message: `expected a name MLflow does not reserve (not ${RESERVED_WORKSPACES.join(', ')})` })
  .describe('Team name: its MLflow workspace, artifact prefix workspaces/<name>/ and team admin <name>-admin.');

/** A list of teams whose names are unique. */
export function teamList<T extends z.ZodType<{ name: string }>>(team: T) {
  return z.array(team).superRefine((teams, ctx) =>
    reportDuplicates(ctx, teams.map((t) => t.name), (i) => [i, 'name'], 'team name'),
  );
}

/** The tracking platform is database, artifacts and tracking together; teams need it. */
export function checkPlatformSections(
  d: { database?: unknown; artifacts?: unknown; tracking?: { adminUsername?: string }; teams?: readonly { name: string }[] },
  ctx: z.RefinementCtx,
): void {
  (d.teams ?? []).forEach((team, i) => {
    if (`${team.name}-admin` === d.tracking?.adminUsername) {
      ctx.addIssue({ code: 'custom', path: ['teams', i, 'name'], message: `its team admin ${team.name}-admin would be the MLflow admin (tracking.adminUsername)`, input: team.name });
    }
  });
  const sections = { database: d.database, artifacts: d.artifacts, tracking: d.tracking };
  const missing = Object.entries(sections).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0 && missing.length < 3) {
    for (const section of missing) {
      ctx.addIssue({
        code: 'custom',
        path: [section],
        message: `the tracking platform needs the database, artifacts and tracking sections together: add ${section} (\`${section}: {}\` takes the defaults)`,
      });
    }
  }
  if (d.teams && !d.tracking) ctx.addIssue({ code: 'custom', path: ['teams'], message: 'teams need the tracking platform (database, artifacts, tracking)' });
}
