import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway';
import { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { cidrContains, cidrProblem, cidrsOverlap } from '../shared/cidr';
import { shortHash } from '../shared/naming';

export type SubnetRole = 'containerApps' | 'postgres' | 'privateEndpoints' | 'databricksPublic' | 'databricksPrivate';

/** Subnet delegations Azure requires per role. */
const DELEGATIONS: Partial<Record<SubnetRole, { service: string; actions: string[] }>> = {
  containerApps: { service: 'Microsoft.App/environments', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] },
  postgres: { service: 'Microsoft.DBforPostgreSQL/flexibleServers', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] },
  databricksPublic: {
    service: 'Microsoft.Databricks/workspaces',
    actions: [
      'Microsoft.Network/virtualNetworks/subnets/join/action',
      'Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action',
      'Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action',
    ],
  },
  databricksPrivate: {
    service: 'Microsoft.Databricks/workspaces',
    actions: [
      'Microsoft.Network/virtualNetworks/subnets/join/action',
      'Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action',
      'Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action',
    ],
  },
};

/** Subnets whose egress goes through the NAT gateway (no default outbound access anywhere). */
const NAT_ROLES: readonly SubnetRole[] = ['containerApps', 'databricksPublic', 'databricksPrivate'];

export type PrivateZone = 'postgres' | 'blob' | 'vault';

export interface AzureNetworkProps {
  readonly namePrefix: string;
  readonly location: string;
  /** Deploy into this existing resource group. @default a new rg-<namePrefix> */
  readonly existingResourceGroupName?: string;
  readonly vnetCidr: string;
  /** Subnet CIDRs by role; the Databricks ones only with a workspace. */
  readonly subnets: Partial<Record<SubnetRole, string>>;
  /**
   * Resource ids of other VNets (deploy runners, hub networks) whose hosts must resolve the private
   * names: every private DNS zone is linked to them too. @default []
   */
  readonly dnsLinkedVnetIds?: readonly string[];
}

/**
 * What the Azure constructs place themselves in: a resource group and region, a VNet with a subnet per
 * role, and private DNS zones linked to it. Implemented by `AzureNetwork`; constructs take this
 * interface (`network`) rather than loose ids, as the tracking app and the Databricks workspace did.
 */
export interface IAzureNetwork {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly vnetId: string;
  readonly vnetCidr: string;
  readonly subnetNames: Partial<Record<SubnetRole, string>>;
  readonly nsgAssociationIds: Partial<Record<SubnetRole, string>>;
  readonly privateDnsZoneIds: Readonly<Record<PrivateZone, string>>;
  /** The subnet of a role; fails when the network has none. */
  subnetId(role: SubnetRole): string;
  /** The CIDR of a role's subnet; fails when the network has none. */
  subnetCidr(role: SubnetRole): string;
  /** A new private DNS zone linked like the others (the tracking app's environment domain). */
  privateZone(key: string, name: string): PrivateDnsZone;
  /** The link of a private DNS zone to the VNet: whatever resolves its names during apply waits for it. */
  privateDnsZoneLink(key: string): ITerraformDependable;
  /** Every link of a private DNS zone (the VNet's, then those of the extra VNets). */
  allPrivateDnsZoneLinks(key: string): ITerraformDependable[];
}

/**
 * A VNet resource id with Azure's canonical casing of the fixed segments and subscription id.
 * `virtual_network_id` of a DNS zone link is compared as written and forces a new link when it
 * differs (azurerm 4.55 private_dns_zone_virtual_network_link_resource.go: ForceNew, no case-
 * insensitive diff suppression), so the id is sent the way Azure returns it.
 */
export function canonicalVnetId(vnetId: string): string {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i.exec(vnetId);
  if (!match) return vnetId;
  const [, subscription, group, name] = match;
  return `/subscriptions/${subscription.toLowerCase()}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworks/${name}`;
}

/**
 * Construct id and link name suffix for an extra VNet: its name and a hash of its full id
 * (case-insensitive, as Azure resource ids are), so the link follows the VNet, not its position
 * in the list, and two VNets of the same name in different groups stay apart.
 */
export function vnetLinkSuffix(vnetId: string): string {
  const name = (vnetId.split('/').pop() ?? 'vnet').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${name.slice(0, 40)}-${shortHash(vnetId.toLowerCase(), 8)}`;
}

/**
 * Resource group, VNet, one delegated subnet per tier with its own NSG, a NAT gateway for egress
 * (subnets have no default outbound access), and private DNS zones linked to the VNet for
 * PostgreSQL, blob storage and Key Vault.
 */
export class AzureNetwork extends Construct implements IAzureNetwork {
  public readonly resourceGroupName: string;
  public readonly location: string;
  public readonly vnetId: string;
  public readonly vnetName: string;
  public readonly vnetCidr: string;
  public readonly subnetIds: Partial<Record<SubnetRole, string>> = {};
  private readonly subnetCidrs: Partial<Record<SubnetRole, string>>;
  public readonly subnetNames: Partial<Record<SubnetRole, string>> = {};
  public readonly nsgAssociationIds: Partial<Record<SubnetRole, string>> = {};
  public readonly privateDnsZoneIds: Record<PrivateZone, string>;
  private readonly nsgNames: Partial<Record<SubnetRole, string>> = {};

  /** The links of each private DNS zone, by zone key: to this VNet first, then to the extra VNets. */
  private readonly privateDnsZoneLinks: Record<string, PrivateDnsZoneVirtualNetworkLink[]> = {};
  private readonly dnsLinkedVnetIds: readonly string[];

  constructor(scope: Construct, id: string, props: AzureNetworkProps) {
    super(scope, id);
    checkNetworkProps(this, props);
    this.location = props.location;
    this.subnetCidrs = props.subnets;
    this.dnsLinkedVnetIds = (props.dnsLinkedVnetIds ?? []).map(canonicalVnetId);
    this.resourceGroupName =
      props.existingResourceGroupName ?? new ResourceGroup(this, 'resource-group', { name: `rg-${props.namePrefix}`, location: props.location }).name;
    const rg = { resourceGroupName: this.resourceGroupName, location: props.location };

    const vnet = new VirtualNetwork(this, 'vnet', { ...rg, name: `vnet-${props.namePrefix}`, addressSpace: [props.vnetCidr] });
    this.vnetId = vnet.id;
    this.vnetCidr = props.vnetCidr;
    this.vnetName = vnet.name;

    const egressIp = new PublicIp(this, 'nat-ip', { ...rg, name: `pip-${props.namePrefix}-nat`, allocationMethod: 'Static', sku: 'Standard' });
    const nat = new NatGateway(this, 'nat', { ...rg, name: `ng-${props.namePrefix}`, skuName: 'Standard', idleTimeoutInMinutes: 10 });
    new NatGatewayPublicIpAssociation(this, 'nat-ip-association', { natGatewayId: nat.id, publicIpAddressId: egressIp.id });

    for (const [role, cidr] of Object.entries(props.subnets) as [SubnetRole, string][]) {
      const kebab = role.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const delegation = DELEGATIONS[role];
      const subnet = new Subnet(this, `${kebab}-subnet`, {
        resourceGroupName: this.resourceGroupName,
        virtualNetworkName: vnet.name,
        name: `snet-${kebab}`,
        addressPrefixes: [cidr],
        defaultOutboundAccessEnabled: false,
        privateEndpointNetworkPolicies: role === 'privateEndpoints' ? 'Enabled' : undefined,
        delegation: delegation
          ? [{ name: delegation.service.replace('/', '.'), serviceDelegation: { name: delegation.service, actions: delegation.actions } }]
          : undefined,
      });
      this.subnetIds[role] = subnet.id;
      this.subnetNames[role] = subnet.name;
      // Every subnet gets an NSG; Databricks adds the rules it needs to its own two.
      const nsg = new NetworkSecurityGroup(this, `${kebab}-nsg`, { ...rg, name: `nsg-${props.namePrefix}-${kebab}` });
      this.nsgAssociationIds[role] = new SubnetNetworkSecurityGroupAssociation(this, `${kebab}-nsg-association`, {
        subnetId: subnet.id,
        networkSecurityGroupId: nsg.id,
      }).id;
      this.nsgNames[role] = nsg.name;
      if (NAT_ROLES.includes(role)) {
        new SubnetNatGatewayAssociation(this, `${kebab}-nat-association`, { subnetId: subnet.id, natGatewayId: nat.id });
      }
    }

    if (props.subnets.postgres && props.subnets.containerApps) this.admitDatabaseFrom('containerApps');

    const zones: Record<PrivateZone, string> = {
      // VNet-integrated flexible servers need a zone ending in .postgres.database.azure.com.
      postgres: `${props.namePrefix}.private.postgres.database.azure.com`,
      blob: 'privatelink.blob.core.windows.net',
      vault: 'privatelink.vaultcore.azure.net',
    };
    this.privateDnsZoneIds = Object.fromEntries(
      (Object.entries(zones) as [PrivateZone, string][]).map(([key, name]) => [key, this.privateZone(key, name).id]),
    ) as Record<PrivateZone, string>;
  }

  /**
   * A private DNS zone linked to the VNet, so its names resolve inside the VNet, and to every extra
   * VNet of `dnsLinkedVnetIds` (peering carries traffic, not private DNS resolution).
   */
  public privateZone(key: string, name: string): PrivateDnsZone {
    const zone = new PrivateDnsZone(this, `${key}-dns-zone`, { resourceGroupName: this.resourceGroupName, name });
    const links = [
      new PrivateDnsZoneVirtualNetworkLink(this, `${key}-dns-link`, {
      resourceGroupName: this.resourceGroupName,
      name: `link-${key}`,
      privateDnsZoneName: zone.name,
      virtualNetworkId: this.vnetId,
        registrationEnabled: false,
      }),
    ];
    for (const vnetId of this.dnsLinkedVnetIds) {
      const suffix = vnetLinkSuffix(vnetId);
      links.push(
        new PrivateDnsZoneVirtualNetworkLink(this, `${key}-dns-link-${suffix}`, {
          resourceGroupName: this.resourceGroupName,
          name: `link-${key}-${suffix}`,
          privateDnsZoneName: zone.name,
          virtualNetworkId: vnetId,
          registrationEnabled: false,
        }),
      );
    }
    this.privateDnsZoneLinks[key] = links;
    return zone;
  }

  /**
   * The database subnet admits PostgreSQL from `client`'s subnet only: the rest of the VNet (the
   * Databricks subnets where users run their own code, private endpoints) is denied. Azure's default
   * AllowVnetInBound (65000) would otherwise admit every VNet address on every port.
   *
   * Kept: 5432/6432 inside the database subnet (high availability: primary and standby replicate there,
   * per Microsoft's "Networking with private access" guidance for flexible servers) and Azure Load
   * Balancer probes (the VirtualNetwork tag includes the host's virtual IP, so the deny would shadow
   * the default AllowAzureLoadBalancerInBound). Rules: azurerm_network_security_rule (azurerm 4.55);
   * the NSGs here carry no inline rules, which the standalone resource requires.
   */
  private admitDatabaseFrom(client: SubnetRole): void {
    const db = this.subnetCidr('postgres');
    const nsg = { resourceGroupName: this.resourceGroupName, networkSecurityGroupName: this.nsgNames.postgres ?? '' };
    const rule = (id: string, priority: number, access: 'Allow' | 'Deny', source: string, ports: string[], destination: string) =>
      new NetworkSecurityRule(this, `postgres-nsg-${id}`, {
        ...nsg,
        name: id,
        priority,
        direction: 'Inbound',
        access,
        protocol: ports.includes('*') ? '*' : 'Tcp',
        sourcePortRange: '*',
        sourceAddressPrefix: source,
        ...(ports.includes('*') ? { destinationPortRange: '*' } : { destinationPortRanges: ports }),
        destinationAddressPrefix: destination,
      });
    rule('allow-postgres-from-app', 100, 'Allow', this.subnetCidr(client), ['5432'], db);
    rule('allow-replication-within-subnet', 110, 'Allow', db, ['5432', '6432'], db);
    rule('allow-azure-load-balancer', 120, 'Allow', 'AzureLoadBalancer', ['*'], '*');
    rule('deny-rest-of-vnet', 4000, 'Deny', 'VirtualNetwork', ['*'], '*');
  }

  /**
   * The link of a private DNS zone to this VNet; fails when the zone does not exist. Whatever
   * resolves a private name from inside the VNet during apply (a flexible server, a deployer writing
   * Key Vault secrets) depends on it.
   */
  public privateDnsZoneLink(key: string): PrivateDnsZoneVirtualNetworkLink {
    return this.allPrivateDnsZoneLinks(key)[0];
  }

  /**
   * Every link of a private DNS zone: this VNet's and those of `dnsLinkedVnetIds`. Terraform running
   * in one of those VNets resolves the zone's names only once its own link exists.
   */
  public allPrivateDnsZoneLinks(key: string): PrivateDnsZoneVirtualNetworkLink[] {
    const links = this.privateDnsZoneLinks[key];
    if (!links) throw new Error(`the network has no ${key} private DNS zone`);
    return links;
  }

  /** The CIDR of a role's subnet; fails when the deployment has none. */
  public subnetCidr(role: SubnetRole): string {
    const cidr = this.subnetCidrs[role];
    if (!cidr) throw new Error(`the network has no ${role} subnet`);
    return cidr;
  }

  /** The subnet of a role; fails when the deployment has none. */
  public subnetId(role: SubnetRole): string {
    const id = this.subnetIds[role];
    if (!id) throw new Error(`the network has no ${role} subnet`);
    return id;
  }
}

/** Address plans the network cannot build: a bad CIDR, a subnet outside the VNet, overlapping subnets. */
function checkNetworkProps(scope: Construct, props: AzureNetworkProps): void {
  const path = scope.node.path;
  const vnetProblem = cidrProblem(props.vnetCidr);
  if (vnetProblem) throw new Error(`${path}: vnetCidr ${props.vnetCidr}: ${vnetProblem}`);
  const subnets = Object.entries(props.subnets) as [SubnetRole, string][];
  for (const [role, cidr] of subnets) {
    const problem = cidrProblem(cidr);
    if (problem) throw new Error(`${path}: subnet ${role} ${cidr}: ${problem}`);
    if (!cidrContains(props.vnetCidr, cidr)) throw new Error(`${path}: subnet ${role} ${cidr} is outside the VNet ${props.vnetCidr}`);
  }
  subnets.forEach(([role, cidr], i) => {
    const other = subnets.slice(i + 1).find(([, c]) => cidrsOverlap(cidr, c));
    if (other) throw new Error(`${path}: subnets ${role} ${cidr} and ${other[0]} ${other[1]} overlap`);
  });
}
