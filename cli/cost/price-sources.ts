/**
 * Turns the providers' public price data into the price table of `npm run cost`:
 * - AWS Price List bulk offer files, one per service and region:
 *   https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<service>/current/<region>/index.json
 *   (format: docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-an-offer.html: `products` by SKU with
 *   `productFamily` and `attributes`, `terms.OnDemand[sku][offerTermCode].priceDimensions[rateCode]` with `unit`,
 *   `beginRange` and `pricePerUnit.USD`).
 * - Azure Retail Prices API: https://prices.azure.com/api/retail/prices?$filter=... (format:
 *   learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices: `Items` of `serviceName`,
 *   `productName`, `skuName`, `meterName`, `unitOfMeasure`, `retailPrice`, `tierMinimumUnits`, `type`, `armRegionName`,
 *   paged with `NextPageLink`).
 * Pure functions: cli/prices.ts does the downloading; tests feed small files in the same formats.
 */
import { HAND_ENTERED_OPERATIONS, type AwsOperationsPrices, type AwsRegionPrices, type AzureOperationsPrices, type AzureRegionPrices, type PriceTable } from './price-types';

// ---------- AWS ----------

export interface AwsOffer {
  readonly offerCode?: string;
  readonly publicationDate?: string;
  readonly products: Readonly<Record<string, { readonly sku: string; readonly productFamily?: string; readonly attributes: Readonly<Record<string, string>> }>>;
  readonly terms: {
    readonly OnDemand?: Readonly<
      Record<string, Readonly<Record<string, { readonly priceDimensions: Readonly<Record<string, { readonly unit: string; readonly beginRange?: string; readonly pricePerUnit: { readonly USD?: string } }>> }>>>
    >;
  };
}

/** Which on-demand price of which offer: attribute values (exact) and a usagetype pattern. */
export interface AwsMatch {
  readonly service: string;
  readonly productFamily?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly usagetype?: RegExp;
}

/** The first-tier on-demand USD price of the one product that matches; an error naming what is missing otherwise. */
export function awsPrice(offer: AwsOffer, match: AwsMatch, what: string): number {
  const skus = Object.values(offer.products).filter(
    (p) =>
      (!match.productFamily || p.productFamily === match.productFamily) &&
      Object.entries(match.attributes ?? {}).every(([k, v]) => p.attributes[k] === v) &&
      (!match.usagetype || match.usagetype.test(p.attributes.usagetype ?? '')),
  );
  const prices = new Set<number>();
  for (const p of skus) {
    for (const term of Object.values(offer.terms.OnDemand?.[p.sku] ?? {})) {
      for (const dim of Object.values(term.priceDimensions)) {
        if ((dim.beginRange ?? '0') !== '0' || dim.pricePerUnit.USD === undefined) continue;
        prices.add(Number(dim.pricePerUnit.USD));
      }
    }
  }
  if (prices.size === 0) throw new Error(`${match.service}: no on-demand price for ${what}`);
  if (prices.size > 1) throw new Error(`${match.service}: ${prices.size} different prices for ${what} (${[...prices].join(', ')}); narrow the match`);
  return [...prices][0];
}

/** AWS services whose offer files the table needs. */
export const AWS_SERVICES = ['AmazonRDS', 'AmazonECS', 'AWSELB', 'AmazonEC2', 'AmazonVPC', 'awskms', 'AWSSecretsManager', 'AmazonCloudWatch', 'AmazonS3'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/**
 * A usagetype: the name with an optional region prefix (`EU-`, `USW2-`; none in us-east-1), so that
 * `Fargate-vCPU-Hours:perCPU` does not also match `EU-SpotUsage-Fargate-vCPU-Hours:perCPU`.
 */
export function u(name: string): RegExp {
  return new RegExp(`^(?:[A-Z]{2,4}\\d?-)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** RDS instance classes the table prices. */
export const RDS_CLASSES = ['db.t4g.micro', 'db.t4g.small', 'db.t4g.medium', 'db.t4g.large', 'db.m7g.large', 'db.m7g.xlarge', 'db.m7g.2xlarge', 'db.r7g.large', 'db.r7g.xlarge'];

/**
 * One AWS region's prices from its offer files (keyed by service). The operations prices are not read
 * from the offer files: they are carried over (the committed table's, else the hand-entered defaults).
 */
export function awsRegionFromOffers(offers: Readonly<Record<AwsService, AwsOffer>>, operations: AwsOperationsPrices = HAND_ENTERED_OPERATIONS.aws): AwsRegionPrices {
  const p = (m: AwsMatch, what: string) => awsPrice(offers[m.service as AwsService], m, what);
  const fargate = (usage: RegExp, what: string) => p({ service: 'AmazonECS', usagetype: usage }, what);
  return {
    rdsInstanceHour: Object.fromEntries(
      RDS_CLASSES.map((cls) => [
        cls,
        p({ service: 'AmazonRDS', productFamily: 'Database Instance', attributes: { instanceType: cls, databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' } }, cls),
      ]),
    ),
    rdsGp3GbMonth: p({ service: 'AmazonRDS', productFamily: 'Database Storage', usagetype: u('RDS:GP3-Storage') }, 'gp3 storage, Single-AZ'),
    auroraAcuHour: p({ service: 'AmazonRDS', usagetype: u('Aurora:ServerlessV2Usage') }, 'Aurora Serverless v2 ACU-hour'),
    auroraStorageGbMonth: p({ service: 'AmazonRDS', usagetype: u('Aurora:StorageUsage') }, 'Aurora storage'),
    fargate: {
      x86: { vcpuHour: fargate(u('Fargate-vCPU-Hours:perCPU'), 'Fargate vCPU-hour'), gbHour: fargate(u('Fargate-GB-Hours'), 'Fargate GB-hour') },
      arm: { vcpuHour: fargate(u('Fargate-ARM-vCPU-Hours:perCPU'), 'Fargate ARM vCPU-hour'), gbHour: fargate(u('Fargate-ARM-GB-Hours'), 'Fargate ARM GB-hour') },
      spot: {
        vcpuHour: fargate(u('SpotUsage-Fargate-vCPU-Hours:perCPU'), 'Fargate Spot vCPU-hour'),
        gbHour: fargate(u('SpotUsage-Fargate-GB-Hours'), 'Fargate Spot GB-hour'),
      },
    },
    albHour: p({ service: 'AWSELB', productFamily: 'Load Balancer-Application', usagetype: u('LoadBalancerUsage') }, 'ALB hour'),
    albLcuHour: p({ service: 'AWSELB', productFamily: 'Load Balancer-Application', usagetype: u('LCUUsage') }, 'ALB LCU-hour'),
    natHour: p({ service: 'AmazonEC2', productFamily: 'NAT Gateway', usagetype: u('NatGateway-Hours') }, 'NAT gateway hour'),
    natGb: p({ service: 'AmazonEC2', productFamily: 'NAT Gateway', usagetype: u('NatGateway-Bytes') }, 'NAT gateway GB processed'),
    publicIpv4Hour: p({ service: 'AmazonVPC', usagetype: u('PublicIPv4:InUseAddress') }, 'public IPv4 address hour'),
    interfaceEndpointAzHour: p({ service: 'AmazonVPC', usagetype: u('VpcEndpoint-Hours') }, 'interface endpoint AZ-hour'),
    kmsKeyMonth: p({ service: 'awskms', usagetype: u('KMS-Keys') }, 'KMS key-month'),
    secretMonth: p({ service: 'AWSSecretsManager', usagetype: u('AWSSecretsManager-Secrets') }, 'secret-month'),
    logsIngestGb: p({ service: 'AmazonCloudWatch', usagetype: u('DataProcessing-Bytes') }, 'CloudWatch Logs ingestion GB'),
    logsIngestIaGb: p({ service: 'AmazonCloudWatch', usagetype: u('DataProcessingIA-Bytes') }, 'CloudWatch Logs Infrequent Access ingestion GB'),
    logsStorageGbMonth: p({ service: 'AmazonCloudWatch', usagetype: u('TimedStorage-ByteHrs') }, 'CloudWatch Logs storage GB-month'),
    s3GbMonth: p({ service: 'AmazonS3', attributes: { volumeType: 'Standard' }, usagetype: u('TimedStorage-ByteHrs') }, 'S3 Standard GB-month'),
    operations,
  };
}

// ---------- Azure ----------

export interface AzureRetailItem {
  readonly currencyCode: string;
  readonly retailPrice: number;
  readonly armRegionName: string;
  readonly serviceName: string;
  readonly productName: string;
  readonly skuName: string;
  readonly meterName: string;
  readonly unitOfMeasure: string;
  readonly tierMinimumUnits?: number;
  readonly type: string;
}

export interface AzureRetailPage {
  readonly Items: readonly AzureRetailItem[];
  readonly NextPageLink?: string | null;
}

export interface AzureMatch {
  readonly serviceName: string;
  readonly productName?: string;
  readonly skuName?: string;
  readonly meterName: string;
}

/** How many units a price is for: "1 Hour" 1, "100 Hours" 100, "1M" 1,000,000, "10K" 10,000, "1 GB/Month" 1. */
export function unitsOf(unitOfMeasure: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KM]?)\b/.exec(unitOfMeasure.trim());
  if (!m) throw new Error(`unknown unit of measure "${unitOfMeasure}"`);
  return Number(m[1]) * (m[2] === 'K' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
}

/** The pay-as-you-go USD price of one unit (first tier), from the items of one region. */
export function azurePrice(items: readonly AzureRetailItem[], match: AzureMatch, what: string): number {
  const found = items.filter(
    (i) =>
      i.type === 'Consumption' &&
      i.currencyCode === 'USD' &&
      (i.tierMinimumUnits ?? 0) === 0 &&
      i.serviceName === match.serviceName &&
      i.meterName === match.meterName &&
      (!match.productName || i.productName === match.productName) &&
      (!match.skuName || i.skuName === match.skuName),
  );
  const prices = new Set(found.map((i) => i.retailPrice / unitsOf(i.unitOfMeasure)));
  if (prices.size === 0) throw new Error(`${match.serviceName}: no pay-as-you-go price for ${what} (meter "${match.meterName}")`);
  if (prices.size > 1) throw new Error(`${match.serviceName}: ${prices.size} different prices for ${what}; narrow the match`);
  return [...prices][0];
}

/** PostgreSQL flexible server SKUs: Burstable meters are per server, General Purpose / Memory Optimized per vCore. */
export const POSTGRES_SKUS: Readonly<Record<string, { readonly productName: string; readonly meterName: string; readonly units: number }>> = {
  B_Standard_B1ms: { productName: 'Azure Database for PostgreSQL Flexible Server Burstable BS Series Compute', meterName: 'B1MS', units: 1 },
  B_Standard_B2s: { productName: 'Azure Database for PostgreSQL Flexible Server Burstable BS Series Compute', meterName: 'B2S', units: 1 },
  B_Standard_B2ms: { productName: 'Azure Database for PostgreSQL Flexible Server Burstable BS Series Compute', meterName: 'B2MS', units: 1 },
  GP_Standard_D2ds_v5: { productName: 'Azure Database for PostgreSQL Flexible Server General Purpose Ddsv5 Series Compute', meterName: 'vCore', units: 2 },
  GP_Standard_D4ds_v5: { productName: 'Azure Database for PostgreSQL Flexible Server General Purpose Ddsv5 Series Compute', meterName: 'vCore', units: 4 },
  GP_Standard_D8ds_v5: { productName: 'Azure Database for PostgreSQL Flexible Server General Purpose Ddsv5 Series Compute', meterName: 'vCore', units: 8 },
  MO_Standard_E2ds_v5: { productName: 'Azure Database for PostgreSQL Flexible Server Memory Optimized Edsv5 Series Compute', meterName: 'vCore', units: 2 },
};

/** Service names the Azure part of the table needs (one API query per service and region). */
export const AZURE_SERVICES = ['Azure Database for PostgreSQL', 'Azure Container Apps', 'NAT Gateway', 'Virtual Network', 'Log Analytics', 'Azure Monitor', 'Storage'] as const;

/** The Retail Prices API query of one service in one region. */
export function azureQueryUrl(service: string, region: string): string {
  const filter = `serviceName eq '${service}' and armRegionName eq '${region}' and priceType eq 'Consumption'`;
  return `https://prices.azure.com/api/retail/prices?currencyCode='USD'&$filter=${encodeURIComponent(filter)}`;
}

/** Every item of a paged Retail Prices API answer, following `NextPageLink` (`get` does the HTTP). */
export async function collectPages(url: string, get: (url: string) => Promise<AzureRetailPage>): Promise<AzureRetailItem[]> {
  const items: AzureRetailItem[] = [];
  for (let next: string | null | undefined = url; next; ) {
    const page = await get(next);
    items.push(...page.Items);
    next = page.NextPageLink;
  }
  return items;
}

/** One Azure region's prices from its Retail Prices API items; operations prices carried over as on AWS. */
export function azureRegionFromItems(items: readonly AzureRetailItem[], operations: AzureOperationsPrices = HAND_ENTERED_OPERATIONS.azure): AzureRegionPrices {
  const p = (m: AzureMatch, what: string) => azurePrice(items, m, what);
  const pg = 'Azure Database for PostgreSQL';
  const apps = 'Azure Container Apps';
  const blob = (replication: string) => p({ serviceName: 'Storage', productName: 'General Block Blob v2', skuName: `Hot ${replication}`, meterName: `Hot ${replication} Data Stored` }, `hot ${replication} blob GB-month`);
  return {
    postgresHour: Object.fromEntries(Object.entries(POSTGRES_SKUS).map(([sku, s]) => [sku, s.units * p({ serviceName: pg, productName: s.productName, meterName: s.meterName }, sku)])),
    postgresStorageGbMonth: p({ serviceName: pg, productName: 'Azure Database for PostgreSQL Flexible Server Storage', meterName: 'Storage Data Stored' }, 'PostgreSQL storage GB-month'),
    containerApps: {
      activeVcpuSecond: p({ serviceName: apps, meterName: 'Standard vCPU Active Usage' }, 'active vCPU-second'),
      idleVcpuSecond: p({ serviceName: apps, meterName: 'Standard vCPU Idle Usage' }, 'idle vCPU-second'),
      gibSecond: p({ serviceName: apps, meterName: 'Standard Memory Active Usage' }, 'GiB-second'),
      millionRequests: 1e6 * p({ serviceName: apps, meterName: 'Standard Requests' }, 'requests'),
    },
    natHour: p({ serviceName: 'NAT Gateway', meterName: 'Standard Gateway' }, 'NAT gateway hour'),
    natGb: p({ serviceName: 'NAT Gateway', meterName: 'Standard Data Processed' }, 'NAT gateway GB processed'),
    publicIpHour: p({ serviceName: 'Virtual Network', productName: 'IP Addresses', meterName: 'Standard IPv4 Static Public IP' }, 'static public IP hour'),
    privateEndpointHour: p({ serviceName: 'Virtual Network', productName: 'Virtual Network Private Link', meterName: 'Standard Private Endpoint' }, 'private endpoint hour'),
    logAnalyticsIngestGb: p({ serviceName: 'Log Analytics', meterName: 'Analytics Logs Data Ingestion' }, 'Analytics Logs ingestion GB'),
    logAnalyticsRetentionGbMonth: p({ serviceName: 'Log Analytics', meterName: 'Analytics Logs Data Retention' }, 'Analytics Logs retention GB-month'),
    // The Basic plan and long-term retention are billed under "Azure Monitor" (skuName "Basic Logs" / "Data Archive").
    logAnalyticsBasicIngestGb: p({ serviceName: 'Azure Monitor', skuName: 'Basic Logs', meterName: 'Basic Logs Data Ingestion' }, 'Basic Logs ingestion GB'),
    logAnalyticsLongTermGbMonth: p({ serviceName: 'Azure Monitor', skuName: 'Data Archive', meterName: 'Data Archive' }, 'long-term retention GB-month'),
    blobGbMonth: Object.fromEntries(['LRS', 'ZRS', 'GRS', 'GZRS', 'RA-GZRS'].map((r) => [r === 'RA-GZRS' ? 'RAGZRS' : r, blob(r)])),
    operations,
  };
}

// ---------- the generated file ----------

/** The TypeScript source of cli/cost/price-table.ts for a generated table. */
export function renderPriceTable(table: PriceTable): string {
  return [
    '/*',
    ' * GENERATED by `npm run prices` (cli/prices.ts): do not edit. It downloads the AWS Price List bulk offer files and',
    ' * queries the Azure Retail Prices API, then writes this file; `npm run cost` reads it offline.',
    ' * Exception: every region\'s `operations` prices (alarms, AWS Backup, Fargate ephemeral storage, Azure Monitor alerts)',
    ' * are not read from those sources: they are carried over from the previous table (entered by hand).',
    ' */',
    "import type { PriceTable } from './price-types';",
    '',
    `export const PRICE_TABLE: PriceTable = ${JSON.stringify(table, null, 2)};`,
    '',
  ].join('\n');
}
