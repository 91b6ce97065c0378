import { z } from 'zod';
import { MAX_CONFIG_TAGS, MAX_TAGS_PER_RESOURCE, PLATFORM_TAG_KEYS } from '../../constructs/shared/tags';
import { awsArtifactsSchema, awsDatabaseSchema, awsNetworkSchema, awsTeamsSchema, awsTrackingSchema, checkAwsDeployment } from './aws';
import {
  azureArtifactsSchema,
  azureDatabaseSchema,
  azureNetworkSchema,
  azureTeamsSchema,
  azureTrackingSchema,
  checkAzureDeployment,
  databricksWorkspaceSchema,
} from './azure';
import { databricksSchema } from './databricks';
import { awsConnectionPlan, azureConnectionPlan, checkAzureBackup, checkConnections, operationsFields } from './operations';
import { isProduction } from './production';
import { resolveAws, resolveAzure, resolveShared } from './resolve';
import { POLICY_RULE_IDS, isPolicyRuleId } from './rule-ids';
import { dnsLabel, pattern, strictObject } from './zod-helpers';

/**
 * The deployment config schema: one YAML file per deployment, one CDKTF stack per file.
 * Every field is documented here; `npm run schema` turns this into `config/schema.json` for editors.
 */

const tagKey = pattern(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, 'a tag key of 1-128 letters, digits, spaces or _.:/=+@-');

export const backendSchema = z
  .discriminatedUnion('type', [
    strictObject(
      {
        type: z.literal('local'),
        path: z
          .string()
          .regex(/^[^/]/, { message: 'expected a relative path (absolute paths make snapshots machine-dependent)' })
          .optional()
          .describe('State file path relative to the project root.'),
      },
      'Local state file, for trying things out; not for shared deployments.',
    ),
    strictObject(
      {
        type: z.literal('s3'),
        bucket: z.string().min(3).describe('S3 bucket that holds the state.'),
        key: z.string().min(1).optional().describe('State object key: one per stack.'),
        region: z.string().min(1).describe('Region of the state bucket.'),
        encrypt: z.boolean().default(true).describe('Server-side encryption of the state object.'),
        useLockfile: z
          .boolean()
          .default(true)
          .describe('S3-native state locking (Terraform >= 1.10), no DynamoDB table.'),
        kmsKeyId: z.string().optional().describe('KMS key for the state object.'),
      },
      'S3 backend: Terraform `backend "s3"`.',
    ),
    strictObject(
      {
        type: z.literal('azurerm'),
        resourceGroupName: z.string().min(1).optional().describe('Resource group of the storage account.'),
        storageAccountName: pattern(/^[a-z0-9]{3,24}$/, '3-24 lowercase letters and digits').describe(
          'Storage account that holds the state.',
        ),
        containerName: z.string().min(3).describe('Blob container that holds the state.'),
        key: z.string().min(1).optional().describe('State blob name: one per stack.'),
        useAzureadAuth: z
          .boolean()
          .default(true)
          .describe('Entra ID authentication to the storage account instead of shared keys.'),
      },
      'Azure Storage backend: Terraform `backend "azurerm"`.',
    ),
  ])
  .describe('Where Terraform keeps this stack\'s state. One state key per stack by default.');

export type BackendConfig = z.output<typeof backendSchema>;

const suppression = strictObject({
  rule: z
    .string()
    .refine(isPolicyRuleId, { message: `expected a policy rule id: ${POLICY_RULE_IDS.join(', ')}` })
    .describe('The rule to suppress (see the README table).'),
  resource: pattern(/^[a-z0-9_]+\.[\w-]+$/, 'a Terraform address such as aws_db_instance.database_instance_D7FC2283').describe(
    'The Terraform address of the one resource the suppression applies to.',
  ),
  reason: z.string().trim().min(20, { message: 'expected a written reason of at least 20 characters' }).describe('Why the violation is accepted.'),
});

const commonFields = {
  name: dnsLabel(40).describe('Stack name, unique across all loaded configs: `cdktf deploy <name>`.'),
  environment: pattern(/^[a-z][a-z0-9_-]{0,19}$/, 'lowercase letters, digits, _ and -, starting with a letter, at most 20 characters').describe(
    'The environment of this deployment (e.g. dev, acc, prod).',
  ),
  production: z
    .boolean()
    .optional()
    .describe('Production deployments get production defaults (deletion protection, Multi-AZ, longer backups, …).'),
  tags: z
    .record(tagKey, z.string().max(256))
    .refine((t) => Object.keys(t).length <= MAX_CONFIG_TAGS, {
      message: `expected at most ${MAX_CONFIG_TAGS} tags: AWS and Azure allow ${MAX_TAGS_PER_RESOURCE} per resource and the platform adds up to ${PLATFORM_TAG_KEYS.length} (${PLATFORM_TAG_KEYS.join(', ')})`,
    })
    .default({})
    .describe('Tags for every taggable resource (AWS provider default_tags, Azure per resource), merged with the automatic deployment, environment and managed-by tags, which win.'),
  backend: backendSchema.default({ type: 'local' }).describe('Terraform state backend.'),
  suppressions: z
    .array(suppression)
    .default([])
    .describe('Accepted policy violations: a rule, a resource address and a reason each; listed at every synth (README, "Policy checks").'),
};

const awsRegion = pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1');
const azureLocation = pattern(/^[a-z]+[a-z0-9]*$/, 'an Azure location such as westeurope');

/** The fields every deployment has, and the cloud's: the README's deployment table (cli/docs/config-tables.ts). */
const { name, environment, ...otherCommonFields } = commonFields;
export const deploymentFieldsSchema = strictObject({
  name,
  environment,
  cloud: z.enum(['aws', 'azure']).optional().describe('Cloud of the tracking platform; the sections below depend on it.'),
  region: awsRegion.optional().describe('AWS region (cloud: aws).'),
  location: azureLocation.optional().describe('Azure location (cloud: azure).'),
  ...otherCommonFields,
});

const awsDeployment = strictObject({
  ...commonFields,
  cloud: z.literal('aws').describe('Cloud of the tracking platform.'),
  region: awsRegion.describe('AWS region.'),
  network: awsNetworkSchema.optional().describe('VPC over 2-3 AZs with public, private and isolated subnets (a new one unless network.existing).'),
  database: awsDatabaseSchema.optional().describe('PostgreSQL backend store of the tracking server.'),
  artifacts: awsArtifactsSchema.optional().describe('Private S3 artifact store.'),
  tracking: awsTrackingSchema.optional().describe('MLflow tracking server on ECS Fargate behind an Application Load Balancer.'),
  teams: awsTeamsSchema.optional().describe('Teams: artifact prefix and IAM role each.'),
  databricks: databricksSchema.optional().describe('Databricks governance of the workspace in `databricks.host`.'),
  ...operationsFields,
}).superRefine((d, ctx) => {
  const production = isProduction({ environment: d.environment, production: d.production });
  // The checks judge the values the stack will use: the same resolver as stacks/sections/aws.ts.
  const resolved = resolveAws(d, production);
  checkAwsDeployment(d, resolved, ctx);
  checkConnections(awsConnectionPlan(resolved, d.tracking?.maxTasks !== undefined), ctx);
});

const azureDeployment = strictObject({
  ...commonFields,
  cloud: z.literal('azure').describe('Cloud of the tracking platform.'),
  location: azureLocation.describe('Azure location.'),
  network: azureNetworkSchema.optional().describe('Resource group, VNet, delegated subnets, NSGs and private DNS.'),
  database: azureDatabaseSchema.optional().describe('PostgreSQL flexible server with private access.'),
  artifacts: azureArtifactsSchema.optional().describe('Private storage account for artifacts.'),
  tracking: azureTrackingSchema.optional().describe('MLflow tracking server on Azure Container Apps (internal).'),
  teams: azureTeamsSchema.optional().describe('Teams: artifact prefix and Entra ID principals each.'),
  databricks: databricksSchema.optional().describe('Databricks governance of the workspace (the one created here, or databricks.host).'),
  databricksWorkspace: databricksWorkspaceSchema.optional().describe('A VNet-injected Azure Databricks workspace (Premium, no public IP).'),
  ...operationsFields,
}).superRefine((d, ctx) => {
  const production = isProduction({ environment: d.environment, production: d.production });
  const resolved = resolveAzure(d, production);
  checkAzureDeployment(d, resolved, ctx);
  checkConnections(azureConnectionPlan(resolved, d.tracking?.maxReplicas !== undefined), ctx);
  checkAzureBackup(d, resolved, ctx);
});

const governanceDeployment = strictObject({
  ...commonFields,
  cloud: z.undefined().optional().describe('Omitted for a governance-only deployment.'),
  databricks: databricksSchema.describe('Databricks governance of an existing workspace.'),
});

export const deploymentSchema = z
  .discriminatedUnion('cloud', [awsDeployment, azureDeployment, governanceDeployment], {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'expected "aws" or "azure", or no cloud for a governance-only deployment' : undefined,
  })
  .describe('One MLflow platform deployment: one CDKTF stack.');

type ParsedDeployment = z.output<typeof deploymentSchema>;

/** A validated deployment with every default resolved. */
export type DeploymentConfig = ParsedDeployment & {
  readonly production: boolean;
  /** The file the deployment was loaded from, relative to the working directory. */
  readonly source: string;
};

/** Resolves defaults that depend on other fields. */
export function resolveDeployment(parsed: ParsedDeployment, source: string): DeploymentConfig {
  return { ...parsed, production: resolveShared(parsed).production, source };
}
