import { Construct } from 'constructs';
import { DatabricksWorkspace } from '@cdktf/provider-azurerm/lib/databricks-workspace';
import { lockAgainstDeletion } from './delete-lock';
import type { IAzureNetwork } from './network';

export interface InjectedDatabricksWorkspaceProps {
  readonly name: string;
  readonly network: IAzureNetwork;
  /** Resource group Azure Databricks manages. */
  readonly managedResourceGroupName: string;
  /** Terraform `prevent_destroy`: the workspace holds notebooks, experiments and models. @default true */
  readonly protect?: boolean;
}

/**
 * A Premium Azure Databricks workspace injected into our VNet: its two subnets are delegated to
 * `Microsoft.Databricks/workspaces` with their NSG associations passed in, and clusters get no
 * public IP (secure cluster connectivity; egress through the VNet's NAT gateway).
 */
export class InjectedDatabricksWorkspace extends Construct {
  public readonly workspace: DatabricksWorkspace;
  /** `https://adb-….azuredatabricks.net` */
  public readonly host: string;

  constructor(scope: Construct, id: string, props: InjectedDatabricksWorkspaceProps) {
    super(scope, id);
    const net = props.network;
    for (const role of ['databricksPublic', 'databricksPrivate'] as const) {
      if (!net.subnetNames[role] || !net.nsgAssociationIds[role]) throw new Error(`${this.node.path}: the network has no ${role} subnet (VNet injection needs both Databricks subnets)`);
    }
    this.workspace = new DatabricksWorkspace(this, 'workspace', {
      name: props.name,
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      sku: 'premium',
      managedResourceGroupName: props.managedResourceGroupName,
      customParameters: {
        noPublicIp: true,
        virtualNetworkId: net.vnetId,
        publicSubnetName: net.subnetNames.databricksPublic,
        privateSubnetName: net.subnetNames.databricksPrivate,
        publicSubnetNetworkSecurityGroupAssociationId: net.nsgAssociationIds.databricksPublic,
        privateSubnetNetworkSecurityGroupAssociationId: net.nsgAssociationIds.databricksPrivate,
      },
      lifecycle: (props.protect ?? true) ? { preventDestroy: true } : undefined,
    });
    if (props.protect ?? true) lockAgainstDeletion(this, 'delete-lock', this.workspace.id, 'the Databricks workspace');
    this.host = `https://${this.workspace.workspaceUrl}`;
  }
}
