/** Tags that every taggable resource of a deployment carries, whatever the config says. */
export interface DeploymentTagsProps {
  readonly deployment: string;
  readonly environment: string;
  /** Tags from the deployment config; the automatic tags win over a config tag of the same key. */
  readonly extra?: Readonly<Record<string, string>>;
}

export const MANAGED_BY = 'mlflow-platform';

export function deploymentTags(props: DeploymentTagsProps): Record<string, string> {
  return {
    ...props.extra,
    deployment: props.deployment,
    environment: props.environment,
    'managed-by': MANAGED_BY,
  };
}
