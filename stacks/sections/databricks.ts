import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { DatabricksProvider } from '@cdktf/provider-databricks/lib/provider';
import { DatabricksGovernance } from '../../constructs/databricks/governance';
import type { DatabricksConfig } from '../config/databricks';
import { resolveDatabricks } from '../config/resolve';

export interface DatabricksSectionProps {
  readonly config: DatabricksConfig;
  /** Whether the deployment is a production one: production objects get prevent_destroy. */
  readonly production: boolean;
  /** The cloud of the deployment, to pick the account console when the config names none. */
  readonly cloud?: 'aws' | 'azure';
  /** A workspace created in the same stack: the provider points at it. @default config.host or DATABRICKS_HOST */
  readonly workspace?: { readonly host: string; readonly azureWorkspaceResourceId: string };
}

/** The `databricks` section: providers, governance, outputs. */
export function addDatabricksSection(scope: Construct, props: DatabricksSectionProps): DatabricksGovernance {
  const config = resolveDatabricks(props.config, { cloud: props.cloud, createsWorkspace: props.workspace !== undefined });
  // Credentials come from the environment at deploy time (README, "Deploying").
  new DatabricksProvider(
    scope,
    'databricks',
    props.workspace ? { host: props.workspace.host, azureWorkspaceResourceId: props.workspace.azureWorkspaceResourceId } : { host: config.host },
  );
  const account = config.registry === 'unity-catalog' ? config.unityCatalog?.account : undefined;
  const accountProvider = account
    ? new DatabricksProvider(scope, 'databricks-account', {
        alias: 'account',
        host: account.host,
        accountId: account.id,
      })
    : undefined;

  const governance = new DatabricksGovernance(scope, 'databricks-governance', {
    environments: config.environments,
    models: config.models,
    experimentsRoot: config.experimentsRoot,
    registry: config.registry,
    unityCatalog: config.unityCatalog && {
      catalog: config.unityCatalog.catalog,
      storageRoot: config.unityCatalog.storageRoot,
      account: account && accountProvider && { accountId: account.id, workspaceId: account.workspaceId, provider: accountProvider },
    },
    protectProduction: props.production,
  });

  new TerraformOutput(scope, 'databricks_environments', {
    description: 'Per logical environment: group, experiment folder, registered model names, production flag.',
    value: Object.fromEntries(
      governance.environments.map((e) => [
        e.name,
        { group: e.groupName, experiment_folder: e.experimentFolder, models: e.modelNames, production: e.production },
      ]),
    ),
  });
  new TerraformOutput(scope, 'databricks_registry', { value: config.registry, description: 'Model registry: workspace or unity-catalog.' });
  const host = props.workspace?.host ?? config.host;
  if (host) new TerraformOutput(scope, 'databricks_host', { value: host, description: 'DATABRICKS_HOST for clients.' });
  return governance;
}
