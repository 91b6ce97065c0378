import { Construct } from 'constructs';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { compactName } from '../shared/naming';
import { lockAgainstDeletion } from './delete-lock';
import type { IGrantable } from './grants';
import type { IAzureNetwork } from './network';
import { addPrivateEndpoint } from './private-endpoint';
import { checkOneOf, checkWholeNumber } from './validate';

export interface ArtifactStorageProps {
  readonly namePrefix: string;
  /** Its resource group and region; the blob private endpoint goes into its privateEndpoints subnet and blob zone. */
  readonly network: IAzureNetwork;
  /** LRS, GRS, RAGRS, ZRS, GZRS or RAGZRS (azurerm 4.55 r/storage_account). @default ZRS */
  readonly replication?: string;
  /** Soft delete of blobs and containers, 1-365 days (azurerm 4.55 r/storage_account). @default 7 */
  readonly softDeleteDays?: number;
  /**
   * Container point-in-time restore, days; must be less than softDeleteDays (azurerm 4.55
   * storage_account restore_policy: needs delete retention, versioning and change feed, all on here).
   * @default off
   */
  readonly pointInTimeRestoreDays?: number;
  /** Deployer address ranges allowed through the firewall; none keeps public access off. @default [] */
  readonly deployerCidrs?: readonly string[];
  /** Terraform `prevent_destroy`. @default true */
  readonly protect?: boolean;
}

const BLOB_ACTIONS = ['read', 'write', 'delete', 'add/action', 'move/action'].map(
  (a) => `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/${a}`,
);

/**
 * The artifact store: HTTPS only, TLS 1.2, no public blobs, no shared keys (Entra ID only),
 * infrastructure encryption, public network access off with a blob private endpoint, versioning
 * and soft delete; one private container.
 */
export class ArtifactStorage extends Construct {
  public readonly account: StorageAccount;
  public readonly container: StorageContainer;
  /** `wasbs://<container>@<account>.blob.core.windows.net/` for MLflow. */
  public readonly artifactsUri: string;

  constructor(scope: Construct, id: string, props: ArtifactStorageProps) {
    super(scope, id);
    const deployerCidrs = props.deployerCidrs ?? [];
    const days = props.softDeleteDays ?? 7;
    const protect = props.protect ?? true;
    const restoreDays = props.pointInTimeRestoreDays;
    checkOneOf(this, 'replication', props.replication, ['LRS', 'GRS', 'RAGRS', 'ZRS', 'GZRS', 'RAGZRS']);
    checkWholeNumber(this, 'softDeleteDays', props.softDeleteDays, 1, 365);
    if (restoreDays !== undefined && (restoreDays < 1 || restoreDays >= days)) {
      throw new Error(`point-in-time restore days (${restoreDays}) must be between 1 and the soft delete days (${days}) minus one`);
    }
    const net = props.network;
    this.account = new StorageAccount(this, 'account', {
      name: compactName('st', props.namePrefix, 24),
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: props.replication ?? 'ZRS',
      httpsTrafficOnlyEnabled: true,
      minTlsVersion: 'TLS1_2',
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      infrastructureEncryptionEnabled: true,
      crossTenantReplicationEnabled: false,
      publicNetworkAccessEnabled: deployerCidrs.length > 0,
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'], ipRules: [...deployerCidrs] },
      blobProperties: {
        versioningEnabled: true,
        changeFeedEnabled: true,
        deleteRetentionPolicy: { days },
        containerDeleteRetentionPolicy: { days },
        restorePolicy: restoreDays ? { days: restoreDays } : undefined,
      },
      lifecycle: protect ? { preventDestroy: true } : undefined,
    });
    // Created through Resource Manager (storage_account_id): no data-plane access needed.
    this.container = new StorageContainer(this, 'container', {
      name: 'mlflow',
      storageAccountId: this.account.id,
      containerAccessType: 'private',
      lifecycle: protect ? { preventDestroy: true } : undefined,
    });
    if (protect) lockAgainstDeletion(this, 'delete-lock', this.account.id, 'the MLflow artifacts');
    this.artifactsUri = `wasbs://${this.container.name}@${this.account.name}.blob.core.windows.net/`;
    addPrivateEndpoint(this, {
      name: `pe-${props.namePrefix}-blob`,
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      subnetId: net.subnetId('privateEndpoints'),
      resourceId: this.account.id,
      subresource: 'blob',
      privateDnsZoneId: net.privateDnsZoneIds.blob,
    });
  }

  /**
   * Storage Blob Data Contributor on the container: on every blob, or, with `prefix` (e.g.
   * `workspaces/vision/`), limited by an ABAC condition to blobs under it (any blob action on another
   * path is denied). Like the AWS `ArtifactStore.grantReadWrite`. The assignment's id starts with the
   * grantee's `grantName`, which keeps its address stable.
   */
  public grantReadWrite(grantee: IGrantable, prefix?: string): RoleAssignment {
    if (prefix === undefined) {
      return new RoleAssignment(this, `${grantee.grantName}-blob-contributor`, {
        scope: this.container.resourceManagerId,
        roleDefinitionName: 'Storage Blob Data Contributor',
        principalId: grantee.principalId,
        principalType: grantee.principalType,
      });
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9._-]+)*\/$/.test(prefix)) {
      throw new Error(`${this.node.path}: the prefix of ${grantee.grantName} must be a blob path ending in / (letters, digits, . _ -), got "${prefix}"`);
    }
    const actions = BLOB_ACTIONS.map((a) => `!(ActionMatches{'${a}'})`).join(' AND ');
    return new RoleAssignment(this, `${grantee.grantName}-prefix-contributor`, {
      scope: this.container.resourceManagerId,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: grantee.principalId,
      principalType: grantee.principalType,
      description: `Blobs under ${prefix} only`,
      conditionVersion: '2.0',
      condition: `((${actions}) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '${prefix}'))`,
    });
  }
}
