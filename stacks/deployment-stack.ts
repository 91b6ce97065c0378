import { TerraformStack } from 'cdktf';
import { invokeAspects } from 'cdktf/lib/synthesize/synthesizer';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AzurermProvider, type AzurermProviderFeatures } from '@cdktf/provider-azurerm/lib/provider';
import { deploymentTags } from '../constructs/shared/tags';
import { configureBackend } from './backend';
import type { DeploymentConfig } from './config/schema';
import { applyAzureTags } from '../constructs/azure/tags';
import { addAwsPlatform } from './sections/aws';
import { addAzurePlatform, type CreatedWorkspace } from './sections/azure';
import { addDatabricksSection } from './sections/databricks';

export const TERRAFORM_VERSION_CONSTRAINT = '>= 1.11';

/**
 * The azurerm `features` block (azurerm 4.55: website/docs/guides/features-block.html.markdown).
 * - `storage.data_plane_available = false`: with the default (true) the provider polls the new
 *   storage account's blob, queue and file endpoints after creating it, and reads queue and static
 *   website properties on every refresh (internal/services/storage/storage_account_resource.go,
 *   storage_account_data_plane_helpers.go `waitForDataPlaneToBecomeAvailableForAccount`). With public
 *   access off and only a blob private endpoint, queue and file are unreachable and the create fails. We use neither
 *   `queue_properties` nor `static_website`, the two things the flag turns off; containers are
 *   created through Resource Manager (`storage_account_id`).
 * - `resource_group.prevent_deletion_if_contains_resources`: kept on in production; off elsewhere
 *   so that `cdktf destroy` of a non-production stack is not stopped by resources Azure added to
 *   the group on its own.
 */
export function azureProviderFeatures(production: boolean): AzurermProviderFeatures {
  return {
    storage: [{ dataPlaneAvailable: false }],
    resourceGroup: [{ preventDeletionIfContainsResources: production }],
  };
}

export interface DeploymentStackProps {
  /** The validated deployment config. */
  readonly config: DeploymentConfig;
}

/**
 * One deployment: composes whichever sections its config has, configures the providers and the
 * backend, and tags every taggable resource.
 */
export class DeploymentStack extends TerraformStack {
  /** Tags applied to every taggable resource of this deployment. */
  public readonly tags: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: DeploymentStackProps) {
    super(scope, id);
    const { config } = props;
    configureBackend(this, config.name, config.backend);
    // Write-only attributes (Azure) and S3-native state locking need Terraform >= 1.11.
    this.addOverride('terraform.required_version', TERRAFORM_VERSION_CONSTRAINT);
    this.tags = deploymentTags({ deployment: config.name, environment: config.environment, extra: config.tags });

    if (config.cloud === 'aws') {
      new AwsProvider(this, 'aws', { region: config.region, defaultTags: [{ tags: { ...this.tags } }] });
      addAwsPlatform(this, { ...config, production: config.production });
    }
    let workspace: CreatedWorkspace | undefined;
    if (config.cloud === 'azure') {
      // Entra ID for the storage data plane: the storage account has shared keys disabled.
      new AzurermProvider(this, 'azurerm', { features: [azureProviderFeatures(config.production)], storageUseAzuread: true });
      workspace = addAzurePlatform(this, { ...config, production: config.production });
    }

    if (config.databricks) {
      addDatabricksSection(this, { config: config.databricks, production: config.production, cloud: config.cloud, workspace });
    }
    if (config.cloud === 'azure') applyAzureTags(this, this.tags);
  }

  private synthesized?: Record<string, unknown>;
  private prepared = false;

  /** cdktf's preparing resolve pass, run once whether the policy pass or `app.synth()` asks first. */
  public override prepareStack(): void {
    if (this.prepared) return;
    this.prepared = true;
    super.prepareStack();
  }

  /**
   * The stack's Terraform JSON, computed once, in cdktf's own order (prepare, Aspects, JSON): the
   * policy pass and the synth read the same object, Aspects included. `app.synth()` invokes the
   * Aspects again (cdktf 0.21 `StackSynthesizer.synthesize` always does), so Aspects must be
   * idempotent, as cdktf already requires of Aspects on a re-synth; that second pass cannot change
   * the JSON written, which is this one. Aspects added after the first call are not applied.
   */
  public override toTerraform(): Record<string, unknown> {
    if (!this.synthesized) {
      this.prepareStack();
      invokeAspects(this);
      this.synthesized = super.toTerraform() as Record<string, unknown>;
    }
    return this.synthesized;
  }
}
