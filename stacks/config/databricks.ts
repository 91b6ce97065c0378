import { z } from 'zod';
import { modelNameCollisions } from '../../constructs/databricks/model-names';
import { isProduction } from './production';
import { pattern, reportDuplicates, strictObject } from './zod-helpers';

const uuid = pattern(
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  'an application id: a lowercase UUID such as 11111111-2222-3333-4444-555555555555',
);

const servicePrincipal = strictObject({
  applicationId: uuid
    .optional()
    .describe('Application id of an existing service principal (Entra ID app on Azure, account service principal on AWS).'),
  displayName: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, { message: 'expected 1-100 letters, digits, spaces, dots, dashes or underscores' })
    .optional()
    .describe('Display name. Alone, it creates a Databricks-managed service principal.'),
}).superRefine((sp, ctx) => {
  if (!sp.applicationId && !sp.displayName) {
    ctx.addIssue({ code: 'custom', message: 'expected applicationId (an existing principal) or displayName (a new Databricks-managed one)' });
  }
});

/**
 * What the environment client (`environment_mlflow_client` 3.0.2, `EnvMlflowClient`) expects of a
 * workspace-registry deployment: it writes experiments to `/experiments/<env>/<name>` whatever
 * the deployment says, and uses the Production stage only for an environment named `production`.
 */
export const CLIENT_EXPERIMENTS_ROOT = '/experiments';
export const CLIENT_PRODUCTION_ENVIRONMENT = 'production';

// Names: lowercase letters, digits and _ only. They end up in workspace folder paths, registered
// model names (`<model>_<env>`), group names and Unity Catalog schema and model names, which
// allow at most 255 characters and no period, space or slash, and are stored lowercase
// (Databricks docs, "Unity Catalog requirements and limitations", securable object naming).
const environment = strictObject({
  name: pattern(/^[a-z][a-z0-9_]{0,19}$/, 'lowercase letters, digits and _, starting with a letter, at most 20 characters')
    .refine((name) => name !== 'all', { message: 'expected another name: "all" would make the group apps_all, the group of every environment' })
    .describe('Logical environment name: group apps_<name>, folder /experiments/<name>, models <model>_<name>. Name the production environment "production": the environment client uses the Production stage only for that name.'),
  production: z
    .boolean()
    .optional()
    .describe('Production environments manage production model versions.'),
  servicePrincipals: z
    .array(servicePrincipal)
    .default([])
    .describe('Application principals of this environment: members of apps_<name> and apps_all.'),
});

const account = strictObject({
  id: uuid.describe('Databricks account id.'),
  host: z
    .enum(['https://accounts.azuredatabricks.net', 'https://accounts.cloud.databricks.com'])
    .optional()
    .describe('Account console URL.'),
  workspaceId: pattern(/^\d{1,20}$/, 'the numeric workspace id').describe('Workspace the account groups are assigned to.'),
});

const unityCatalog = strictObject({
  catalog: pattern(/^[a-z][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _, starting with a letter')
    .default('mlflow')
    .describe('Catalog created for the models; one schema per environment inside it.'),
  storageRoot: z
    .string()
    .regex(/^(s3|abfss|gs):\/\/.+/, { message: 'expected a cloud storage URL (s3://, abfss://, gs://)' })
    .optional()
    .describe('Managed storage of the catalog, when the metastore has no root storage.'),
  account: account
    .optional()
    .describe('Create the groups at account level through the account API.'),
});

export const databricksSchema = strictObject({
  host: z
    .url({ protocol: /^https$/, message: 'expected an https:// workspace URL' })
    .optional()
    .describe('Workspace URL.'),
  registry: z
    .enum(['workspace', 'unity-catalog'])
    .default('workspace')
    .describe('Where registered models live.'),
  experimentsRoot: pattern(/^\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'an absolute workspace folder such as /experiments')
    .default(CLIENT_EXPERIMENTS_ROOT)
    .describe('Parent folder of the per-environment experiment folders; only /experiments with the workspace registry (the environment client writes there).'),
  environments: z
    .array(environment)
    .min(1, { message: 'expected at least one environment' })
    .describe('Logical environments sharing the workspace.'),
  models: z
    .array(pattern(/^[a-z][a-z0-9_]{0,99}$/, 'lowercase letters, digits and _, starting with a letter'))
    .default([])
    .describe('Registered models; one per environment is created.'),
  unityCatalog: unityCatalog.optional().describe('Unity Catalog settings, with registry: unity-catalog.'),
}).superRefine((d, ctx) => {
  reportDuplicates(ctx, d.environments.map((e) => e.name), (i) => ['environments', i, 'name'], 'environment name');
  reportDuplicates(ctx, d.models, (i) => ['models', i], 'model name');
  // A principal in two environments would carry one environment's rights into another.
  const principals: string[] = [];
  const paths: PropertyKey[][] = [];
  d.environments.forEach((env, e) =>
    env.servicePrincipals.forEach((sp, s) => {
      principals.push(sp.applicationId ?? `name:${sp.displayName}`);
      paths.push(['environments', e, 'servicePrincipals', s]);
    }),
  );
  reportDuplicates(ctx, principals, (i) => paths[i], 'service principal (a principal belongs to one environment only)');
  if (d.registry === 'workspace') workspaceRegistryRules(d, ctx);
  if (d.unityCatalog && d.registry !== 'unity-catalog') {
    ctx.addIssue({ code: 'custom', path: ['unityCatalog'], message: 'only allowed with registry: unity-catalog' });
  }
  if (d.registry === 'unity-catalog' && !d.unityCatalog?.account) {
    d.environments.forEach((env, e) => {
      if (env.servicePrincipals.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', e, 'servicePrincipals'],
          message:
            'existing account groups are managed in the identity provider: add members there, or set unityCatalog.account to create the groups here',
        });
      }
    });
  }
});

interface DatabricksInput {
  readonly experimentsRoot: string;
  readonly models: readonly string[];
  readonly environments: readonly { readonly name: string; readonly production?: boolean }[];
}

/**
 * Rules of the workspace registry, where the environment client names every object:
 * experiments under `/experiments/<env>`, models `<model>_<env>`, the Production stage for
 * `production` only (environment_mlflow_client 3.0.2, environment_mlflow_client/env_mlflow_client.py).
 */
function workspaceRegistryRules(d: DatabricksInput, ctx: z.RefinementCtx): void {
  if (d.experimentsRoot !== CLIENT_EXPERIMENTS_ROOT) {
    ctx.addIssue({
      code: 'custom',
      path: ['experimentsRoot'],
      message: `expected ${CLIENT_EXPERIMENTS_ROOT} with registry: workspace: the environment client creates experiments at ${CLIENT_EXPERIMENTS_ROOT}/<env>/<name> whatever this says, so with another root it would write to folders this deployment does not govern`,
      input: d.experimentsRoot,
    });
  }
  d.environments.forEach((env, e) => {
    if (env.name === CLIENT_PRODUCTION_ENVIRONMENT && env.production === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', e, 'production'],
        message: `expected true or nothing: the environment client moves the versions of an environment named ${CLIENT_PRODUCTION_ENVIRONMENT} to the Production stage, which a non-production environment may not set`,
      });
    }
  });
  for (const problem of modelNameCollisions(d.models, d.environments.map((env) => env.name))) {
    ctx.addIssue({ code: 'custom', path: ['models', problem.modelIndex], message: problem.message });
  }
}

/**
 * Warnings about a valid config: a production environment that the environment client will not
 * treat as production. Each line names the file.
 */
export function databricksWarnings(config: DatabricksConfig | undefined, source: string): string[] {
  if (!config || config.registry !== 'workspace') return [];
  return config.environments.flatMap((env, e) =>
    isProductionEnvironment(env) && env.name !== CLIENT_PRODUCTION_ENVIRONMENT
      ? [
          `${source}: warning: databricks.environments[${e}].name: "${env.name}" is a production environment, but the environment client uses the Production stage only for an environment named "${CLIENT_PRODUCTION_ENVIRONMENT}": with MLFLOW_ENV=${env.name} it moves new versions of <model>_${env.name} to Staging and reads only Staging versions, so nothing of ${env.name} reaches Production. Rename the environment to ${CLIENT_PRODUCTION_ENVIRONMENT} (this creates new folders and models), or set the stage yourself without the client.`,
        ]
      : [],
  );
}

export { modelNameCollisions };
export type DatabricksConfig = z.output<typeof databricksSchema>;
export type DatabricksEnvironmentConfig = DatabricksConfig['environments'][number];

/** Whether an environment is a production one (explicit flag, else its name). */
export function isProductionEnvironment(env: Pick<DatabricksEnvironmentConfig, 'name' | 'production'>): boolean {
  return isProduction({ name: env.name, production: env.production });
}
