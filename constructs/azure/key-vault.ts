import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { ephemeralBlock } from '../shared/ephemeral';
import { compactName } from '../shared/naming';
import { lockAgainstDeletion } from './delete-lock';
import type { IGrantable } from './grants';
import type { IAzureNetwork } from './network';
import { addPrivateEndpoint } from './private-endpoint';
import { checkWholeNumber } from './validate';

export interface PrivateKeyVaultProps {
  readonly namePrefix: string;
  /**
   * Its resource group and region; the vault private endpoint goes into its privateEndpoints subnet
   * and vault zone, and secrets are written only once every link of that zone exists (the zone must
   * resolve where Terraform runs: the VNet or a deploy-runner VNet).
   */
  readonly network: IAzureNetwork;
  readonly tenantId: string;
  /** Object id of the principal running Terraform: it writes the secrets. */
  readonly deployerObjectId: string;
  /** Deployer address ranges allowed through the firewall; none keeps public access off. @default [] */
  readonly deployerCidrs?: readonly string[];
  /** Days a deleted vault or secret can be recovered, 7-90 (azurerm 4.55 r/key_vault). @default 90 */
  readonly softDeleteRetentionDays?: number;
  /** Terraform `prevent_destroy`. @default true */
  readonly protect?: boolean;
}

/**
 * A Key Vault with RBAC authorization and purge protection, reached through a private endpoint.
 * Public network access stays off unless deployer CIDRs are given (then only those, and trusted
 * Azure services, pass the firewall).
 */
export class PrivateKeyVault extends Construct {
  public readonly vault: KeyVault;
  /** What a data-plane call from the deployer needs: its role, the private endpoint and DNS. */
  private readonly dataPlaneReady: ITerraformDependable[];
  /** The expression of each secret read back so far (ephemeralValue). */
  private readonly ephemeralValues = new Map<KeyVaultSecret, string>();

  constructor(scope: Construct, id: string, props: PrivateKeyVaultProps) {
    super(scope, id);
    const deployerCidrs = props.deployerCidrs ?? [];
    const protect = props.protect ?? true;
    checkWholeNumber(this, 'softDeleteRetentionDays', props.softDeleteRetentionDays, 7, 90);
    const net = props.network;
    this.vault = new KeyVault(this, 'vault', {
      name: compactName('kv', props.namePrefix, 24),
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      tenantId: props.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: props.softDeleteRetentionDays ?? 90,
      publicNetworkAccessEnabled: deployerCidrs.length > 0,
      networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: [...deployerCidrs] },
      lifecycle: protect ? { preventDestroy: true } : undefined,
    });
    if (protect) lockAgainstDeletion(this, 'delete-lock', this.vault.id, 'the MLflow secrets');
    const endpoint = addPrivateEndpoint(this, {
      name: `pe-${props.namePrefix}-vault`,
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      subnetId: net.subnetId('privateEndpoints'),
      resourceId: this.vault.id,
      subresource: 'vault',
      privateDnsZoneId: net.privateDnsZoneIds.vault,
    });
    const deployerAccess = new RoleAssignment(this, 'deployer-secrets-officer', {
      scope: this.vault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: props.deployerObjectId,
      description: 'The principal running Terraform writes the generated secrets',
    });
    // Secrets are written through the vault's data plane: from inside the VNet that is the private
    // endpoint (its DNS zone group registers the A record) and the zone's VNet link. On destroy the
    // order reverses: the secrets go while the endpoint still exists.
    this.dataPlaneReady = [deployerAccess, endpoint, ...net.allPrivateDnsZoneLinks('vault')];
  }

  /** A secret whose value is written through the write-only `value_wo` (never in state). */
  public addWriteOnlySecret(id: string, name: string, valueExpression: string, version: number): KeyVaultSecret {
    return new KeyVaultSecret(this, id, {
      name,
      keyVaultId: this.vault.id,
      valueWo: valueExpression,
      valueWoVersion: version,
      contentType: 'password',
      dependsOn: this.dataPlaneReady,
    });
  }

  /**
   * The expression of `secret`'s value read back from the vault during the Terraform run: an
   * ephemeral `azurerm_key_vault_secret` (azurerm 4.55, website/docs/ephemeral-resources/
   * key_vault_secret.html.markdown), never stored in the plan or the state. It reads the secret's
   * current `version`, so it also waits for the secret to be written. The block is named after the
   * secret's construct path (constructs/shared/ephemeral.ts): one per secret, however often asked.
   */
  public ephemeralValue(secret: KeyVaultSecret): string {
    if (secret.node.scope !== this) throw new Error(`${secret.node.path} is not a secret of ${this.node.path}: add it with addWriteOnlySecret`);
    let value = this.ephemeralValues.get(secret);
    if (value === undefined) {
      value = ephemeralBlock(secret, {
        type: 'azurerm_key_vault_secret',
        args: { name: secret.name, key_vault_id: this.vault.id, version: secret.version },
        attribute: 'value',
      });
      this.ephemeralValues.set(secret, value);
    }
    return value;
  }

  /** Lets `grantee` read secret values (Key Vault Secrets User). Its `grantName` keeps the address stable. */
  public grantSecretsUser(grantee: IGrantable): RoleAssignment {
    return new RoleAssignment(this, `${grantee.grantName}-secrets-user`, {
      scope: this.vault.id,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId: grantee.principalId,
      principalType: grantee.principalType,
    });
  }
}
