import { z } from 'zod';

/** Total retention values above 730 days a Log Analytics table accepts (azurerm 4.55 log_analytics_workspace_table). */
const LONG_TERM_RETENTION_DAYS = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383];
import { POSTGRES_DEFAULTS } from '../../constructs/azure/database';
import type { ResolvedAzure } from './resolve';
import { adminUsername, checkPlatformSections, mlflowImage, teamList, teamName, telemetry } from './platform';
import { cidrContains, cidrsOverlap, ipv4Cidr, parseCidr, pattern, reportDuplicates, strictObject } from './zod-helpers';

const uuid = pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an Entra ID object id (a lowercase UUID)');

/** Azure reserves 5 addresses in every subnet. */
export const AZURE_RESERVED_ADDRESSES = 5;

/** The subnets of an Azure deployment, by role. */
export const AZURE_SUBNETS = ['containerApps', 'postgres', 'privateEndpoints', 'databricksPublic', 'databricksPrivate'] as const;
export type AzureSubnetRole = (typeof AZURE_SUBNETS)[number];

/** Default subnet layout inside a /16 VNet: offsets (in /24 units) and prefix lengths. */
const DEFAULT_LAYOUT: Readonly<Record<AzureSubnetRole, { offset: number; prefix: number }>> = {
  containerApps: { offset: 0, prefix: 23 },
  postgres: { offset: 2, prefix: 24 },
  privateEndpoints: { offset: 3, prefix: 24 },
  databricksPublic: { offset: 4, prefix: 22 },
  databricksPrivate: { offset: 8, prefix: 22 },
};

/** The default subnet of a role inside `vnetCidr` (only meaningful for a /16 or larger VNet). */
export function defaultSubnet(vnetCidr: string, role: AzureSubnetRole): string {
  const { network } = parseCidr(vnetCidr);
  const { offset, prefix } = DEFAULT_LAYOUT[role];
  const address = (network + offset * 256) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (address >>> s) & 255).join('.')}/${prefix}`;
}

/** An Azure virtual network resource id (Azure compares resource ids case-insensitively). */
const vnetResourceId = pattern(
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[A-Za-z0-9][\w.-]{0,62}[\w]$/i,
  'a virtual network resource id such as /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>',
);

export const azureNetworkSchema = strictObject({
  resourceGroupName: pattern(/^[-\w._()]{1,89}[-\w_()]$/, 'an Azure resource group name')
    .optional()
    .describe('Existing resource group to deploy into.'),
  vnetCidr: ipv4Cidr.default('10.40.0.0/16').describe('VNet address space.'),
  subnets: strictObject({
    containerApps: ipv4Cidr.optional().describe('Container Apps environment (delegated), /27 or larger.'),
    postgres: ipv4Cidr.optional().describe('PostgreSQL flexible server (delegated), /28 or larger.'),
    privateEndpoints: ipv4Cidr.optional().describe('Private endpoints, /28 or larger.'),
    databricksPublic: ipv4Cidr.optional().describe('Databricks host subnet (delegated), /26 or larger, with room for databricksWorkspace.minNodes.'),
    databricksPrivate: ipv4Cidr.optional().describe('Databricks container subnet (delegated), same size as the host subnet.'),
  })
    .default({})
    .describe('Subnet CIDRs by role; each inside the VNet, none overlapping.'),
  deployerCidrs: z
    .array(ipv4Cidr)
    .default([])
    .describe('Address ranges of the machine running cdktf deploy, allowed through the storage and Key Vault firewalls; empty: deploy from inside the VNet (README, "Deploying into a private network").'),
  dnsLinkedVnetIds: z
    .array(vnetResourceId)
    .default([])
    .describe('Other VNets (deploy runners, hub networks) linked to every private DNS zone, so their hosts resolve the database, vault, storage and tracking names.'),
}).superRefine((n, ctx) => {
  reportDuplicates(ctx, n.dnsLinkedVnetIds.map((id) => id.toLowerCase()), (i) => ['dnsLinkedVnetIds', i], 'VNet id');
});

const cpuSizes = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4];

export const azureDatabaseSchema = strictObject({
  version: z.enum(['14', '15', '16', '17']).default(POSTGRES_DEFAULTS.version).describe('PostgreSQL major version.'),
  skuName: pattern(/^(B|GP|MO)_Standard_[A-Za-z0-9_]+$/, 'a flexible server SKU such as GP_Standard_D2ds_v5')
    .optional()
    .describe('Server SKU (Burstable B_ SKUs have no high availability: non-production only).'),
  storageMb: z
    .union([32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408].map((v) => z.literal(v)))
    .default(POSTGRES_DEFAULTS.storageMb)
    .describe('Storage size in MB (the sizes Azure accepts).'),
  backupRetentionDays: z.number().int().min(7).max(35).optional().describe('Backups in days; at least 14 in production.'),
  highAvailability: z.boolean().optional().describe('Zone-redundant standby.'),
  geoRedundantBackup: z.boolean().optional().describe('Geo-redundant backups.'),
  zone: z.enum(['1', '2', '3']).default(POSTGRES_DEFAULTS.zone).describe('Availability zone of the primary.'),
  passwordVersion: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('Bump to generate and write a new admin password (write-only; never in state).'),
});

export const azureArtifactsSchema = strictObject({
  replication: z.enum(['LRS', 'ZRS', 'GRS', 'GZRS', 'RAGZRS']).optional().describe('Storage replication.'),
  softDeleteDays: z.number().int().min(1).max(365).optional().describe('Blob and container soft delete in days; versioning is always on.'),
});

export const azureIngressSchema = strictObject({
  allowedCidrs: z
    .array(ipv4Cidr)
    .min(1)
    .optional()
    .describe('Who may reach the tracking app (Container Apps ingress IP restrictions), private ranges only; like AWS tracking.loadBalancer.allowedCidrs.'),
});

export const azureTrackingSchema = strictObject({
  image: mlflowImage,
  cpu: z
    .number()
    .refine((c) => cpuSizes.includes(c), { message: `expected a Container Apps CPU size: ${cpuSizes.join(', ')}` })
    .optional()
    .describe('vCPUs per replica (memory is 2 GiB per vCPU).'),
  minReplicas: z
    .number()
    .int()
    .min(0)
    .max(30)
    .optional()
    .describe('0 scales to zero when idle (the first request waits for a replica to start); at least 2 in production.'),
  maxReplicas: z.number().int().min(1).max(300).optional().describe('Autoscaling maximum (HTTP concurrency scaling).'),
  workers: z.number().int().min(1).max(32).optional().describe('Server worker processes.'),
  logRetentionDays: z.number().int().min(30).max(730).optional().describe('Log Analytics interactive retention in days.'),
  logTotalRetentionDays: z
    .number()
    .int()
    .refine((d) => (d >= 30 && d <= 730) || LONG_TERM_RETENTION_DAYS.includes(d), { message: `expected 30 to 730 or one of ${LONG_TERM_RETENTION_DAYS.join(', ')}` })
    .optional()
    .describe(
      'Interactive plus long-term (archived, searchable with search jobs) retention of the platform\'s log tables, days; at least logRetentionDays.',
    ),
  consoleLogPlan: z
    .enum(['analytics', 'basic'])
    .optional()
    .describe(
      'Table plan of the tracking server\'s console logs (ContainerAppConsoleLogs). basic: a fraction of the ingestion price, 30 days interactive, queries of one table billed per GB scanned, no log search alerts.',
    ),
  adminUsername,
  ingress: azureIngressSchema.optional().describe('Ingress of the tracking app; `allowedCidrs` matches AWS tracking.loadBalancer.allowedCidrs.'),
  telemetry,
});

const azureTeamSchema = strictObject({
  name: teamName,
  principalIds: z.array(uuid).min(1).describe('Entra ID object ids (groups, service principals) of the team: read and write the blobs of the team workspace under workspaces/<name>/ only.'),
});

export const azureTeamsSchema = teamList(azureTeamSchema);

export const databricksWorkspaceSchema = strictObject({
  name: pattern(/^[A-Za-z0-9][A-Za-z0-9_-]{2,62}$/, '3-64 letters, digits, _ or -').optional().describe('Workspace name.'),
  managedResourceGroupName: pattern(/^[-\w._()]{1,89}[-\w_()]$/, 'an Azure resource group name')
    .optional()
    .describe('Resource group Azure Databricks manages.'),
  minNodes: z
    .number()
    .int()
    .min(1)
    .max(65000)
    .default(1000)
    .describe('Parallel nodes the subnets must have room for: each node takes an address in both subnets.'),
});

export type AzureNetworkConfig = z.output<typeof azureNetworkSchema>;
export type AzureDatabaseConfig = z.output<typeof azureDatabaseSchema>;
export type AzureArtifactsConfig = z.output<typeof azureArtifactsSchema>;
export type AzureTrackingConfig = z.output<typeof azureTrackingSchema>;
export type AzureTeamConfig = z.output<typeof azureTeamSchema>;
export type DatabricksWorkspaceConfig = z.output<typeof databricksWorkspaceSchema>;

/** Private IPv4 ranges (RFC 1918 and shared address space). */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/** Smallest subnet prefix Azure accepts per role. */
const MIN_SIZE: Readonly<Record<AzureSubnetRole, number>> = {
  containerApps: 27,
  postgres: 28,
  privateEndpoints: 28,
  databricksPublic: 26,
  databricksPrivate: 26,
};

/** Resolved subnet CIDRs: configured, or the default layout of the VNet. */
export function resolveSubnets(network: Pick<AzureNetworkConfig, 'vnetCidr' | 'subnets'>, withDatabricks: boolean): Partial<Record<AzureSubnetRole, string>> {
  const roles = AZURE_SUBNETS.filter((r) => withDatabricks || !r.startsWith('databricks'));
  return Object.fromEntries(roles.map((r) => [r, network.subnets[r] ?? defaultSubnet(network.vnetCidr, r)]));
}

/** The Azure sections of a deployment config. */
export interface AzureSections {
  readonly network?: AzureNetworkConfig;
  readonly database?: AzureDatabaseConfig;
  readonly artifacts?: AzureArtifactsConfig;
  readonly tracking?: AzureTrackingConfig;
  readonly teams?: readonly AzureTeamConfig[];
  readonly databricksWorkspace?: DatabricksWorkspaceConfig;
  readonly databricks?: { readonly host?: string };
}

/** Rules across the Azure sections: `d` as written (to tell a set field from a default), `r` resolved (resolveAzure). */
export function checkAzureDeployment(d: AzureSections, r: ResolvedAzure, ctx: z.RefinementCtx): void {
  const { production } = r;
  checkPlatformSections(d, ctx);
  if (d.databricksWorkspace && d.databricks?.host) {
    ctx.addIssue({ code: 'custom', path: ['databricks', 'host'], message: 'omit the host: the databricks provider points at the workspace this stack creates', input: d.databricks.host });
  }

  const vnet = r.network.vnetCidr;
  const subnets = r.network.subnets;
  const entries = Object.entries(subnets) as [AzureSubnetRole, string][];
  const vnetPrefix = parseCidr(vnet).prefix;
  if (vnetPrefix > 24 || vnetPrefix < 8) {
    ctx.addIssue({ code: 'custom', path: ['network', 'vnetCidr'], message: 'expected a VNet prefix between /8 and /24', input: vnet });
    return;
  }
  entries.forEach(([role, cidr], i) => {
    const path = ['network', 'subnets', role];
    if (!cidrContains(vnet, cidr)) {
      ctx.addIssue({ code: 'custom', path, message: `must lie inside the VNet ${vnet}${d.network?.subnets[role] ? '' : ' (default layout; set the subnets for this VNet)'}`, input: cidr });
      return;
    }
    if (parseCidr(cidr).prefix > MIN_SIZE[role]) {
      ctx.addIssue({ code: 'custom', path, message: `must be /${MIN_SIZE[role]} or larger`, input: cidr });
    }
    for (const [other, otherCidr] of entries.slice(i + 1)) {
      if (cidrsOverlap(cidr, otherCidr)) ctx.addIssue({ code: 'custom', path, message: `overlaps subnet ${other} (${otherCidr})`, input: cidr });
    }
  });

  const ws = d.databricksWorkspace;
  if (ws && subnets.databricksPublic && subnets.databricksPrivate) {
    const hostPrefix = parseCidr(subnets.databricksPublic).prefix;
    if (hostPrefix !== parseCidr(subnets.databricksPrivate).prefix) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'subnets', 'databricksPrivate'],
        message: 'must be the same size as databricksPublic: every node takes one address in each',
        input: subnets.databricksPrivate,
      });
    }
    const room = 2 ** (32 - hostPrefix) - AZURE_RESERVED_ADDRESSES;
    if (room < ws.minNodes) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'subnets', 'databricksPublic'],
        message: `has room for ${room} nodes, fewer than databricksWorkspace.minNodes (${ws.minNodes}); use a larger subnet`,
        input: subnets.databricksPublic,
      });
    }
  }

  const db = d.database;
  if (db && production && db.backupRetentionDays !== undefined && db.backupRetentionDays < 14) {
    ctx.addIssue({ code: 'custom', path: ['database', 'backupRetentionDays'], message: 'production keeps backups for at least 14 days', input: db.backupRetentionDays });
  }
  if (db && db.skuName?.startsWith('B_') && r.database?.highAvailability) {
    ctx.addIssue({ code: 'custom', path: ['database', 'skuName'], message: 'Burstable SKUs do not support high availability: use a GP_ or MO_ SKU', input: db.skuName });
  }
  const t = d.tracking;
  if (t && r.tracking) {
    const min = r.tracking.minReplicas;
    if (r.tracking.logTotalRetentionDays < r.tracking.logRetentionDays) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'logTotalRetentionDays'], message: `must be at least logRetentionDays (${r.tracking.logRetentionDays})`, input: t.logTotalRetentionDays });
    }
    if (production && min < 2) ctx.addIssue({ code: 'custom', path: ['tracking', 'minReplicas'], message: 'production runs at least 2 replicas', input: t.minReplicas });
    if (t.maxReplicas !== undefined && t.maxReplicas < min) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'maxReplicas'], message: `must be at least minReplicas (${min})`, input: t.maxReplicas });
    }
    // The environment is internal: its load balancer has a private address only.
    t.ingress?.allowedCidrs?.forEach((c, i) => {
      if (!PRIVATE_RANGES.some((r) => cidrContains(r, c))) {
        ctx.addIssue({ code: 'custom', path: ['tracking', 'ingress', 'allowedCidrs', i], message: 'the internal Container Apps environment is reached from private ranges only', input: c });
      }
    });
  }
}
