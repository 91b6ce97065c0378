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

/**
 * Tags one resource may carry: AWS allows 50 user tags per resource (provider default_tags count
 * towards them), Azure 50 tag name/value pairs per resource.
 */
export const MAX_TAGS_PER_RESOURCE = 50;

/** Tag keys the platform itself may set on a resource: the automatic ones, plus `Name` and `tier` (AWS network resources). */
export const PLATFORM_TAG_KEYS: readonly string[] = ['deployment', 'environment', 'managed-by', 'Name', 'tier'];

/** Tags a deployment config may add, so no resource ever exceeds the cloud's limit. */
export const MAX_CONFIG_TAGS = MAX_TAGS_PER_RESOURCE - PLATFORM_TAG_KEYS.length;
