import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AWS_SERVICES,
  awsPrice,
  awsRegionFromOffers,
  azurePrice,
  azureQueryUrl,
  azureRegionFromItems,
  collectPages,
  renderPriceTable,
  unitsOf,
  type AwsOffer,
  type AwsService,
  type AzureRetailItem,
  type AzureRetailPage,
} from '../cli/cost/price-sources';

// Small files in the real formats (made-up prices): the AWS Price List bulk offer file
// (docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-an-offer.html) and the Azure Retail Prices API
// response (learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices), two pages.
const dir = path.join(__dirname, 'fixtures', 'cost');
const offers = Object.fromEntries(
  AWS_SERVICES.map((s) => [s, JSON.parse(fs.readFileSync(path.join(dir, 'aws', `${s}.json`), 'utf8')) as AwsOffer]),
) as Record<AwsService, AwsOffer>;
const pages = ['azure-retail-page1.json', 'azure-retail-page2.json'].map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as AzureRetailPage);
const items: AzureRetailItem[] = pages.flatMap((p) => p.Items);

describe('AWS Price List offer files', () => {
  const prices = awsRegionFromOffers(offers);

  it('reads the on-demand first-tier price of each component, ignoring Multi-AZ, other engines, reserved terms and later tiers', () => {
    expect(prices.rdsInstanceHour['db.t4g.micro']).toBe(0.018);
    expect(prices.rdsInstanceHour['db.m7g.large']).toBe(0.186);
    expect(prices.rdsGp3GbMonth).toBe(0.127);
    expect(prices.auroraAcuHour).toBe(0.13);
    expect(prices.fargate).toEqual({ x86: { vcpuHour: 0.04048, gbHour: 0.004445 }, arm: { vcpuHour: 0.03238, gbHour: 0.00356 }, spot: { vcpuHour: 0.01334, gbHour: 0.00146 } });
    expect(prices).toMatchObject({ albHour: 0.0252, albLcuHour: 0.008, natHour: 0.048, natGb: 0.048, publicIpv4Hour: 0.005, interfaceEndpointAzHour: 0.011 });
    expect(prices).toMatchObject({ kmsKeyMonth: 1, secretMonth: 0.4, logsIngestGb: 0.57, logsIngestIaGb: 0.285, logsStorageGbMonth: 0.03, s3GbMonth: 0.023 });
  });

  it('fails loudly when a price is missing or ambiguous', () => {
    expect(() => awsPrice(offers.AmazonRDS, { service: 'AmazonRDS', attributes: { instanceType: 'db.x9.huge' } }, 'db.x9.huge')).toThrow('AmazonRDS: no on-demand price for db.x9.huge');
    expect(() => awsPrice(offers.AmazonRDS, { service: 'AmazonRDS', attributes: { instanceType: 'db.t4g.micro' } }, 'any t4g.micro')).toThrow(/different prices for any t4g.micro/);
  });
});

describe('Azure Retail Prices API items', () => {
  const prices = azureRegionFromItems(items);

  it('reads pay-as-you-go prices per unit: vCore SKUs times their vCores, per-second meters, per-million requests', () => {
    expect(prices.postgresHour.B_Standard_B1ms).toBe(0.0207);
    expect(prices.postgresHour.GP_Standard_D2ds_v5).toBeCloseTo(2 * 0.0975, 10); // the Reservation item is ignored
    expect(prices.postgresStorageGbMonth).toBe(0.137);
    expect(prices.containerApps).toEqual({ activeVcpuSecond: 0.000024, idleVcpuSecond: 0.000003, gibSecond: 0.000003, millionRequests: 0.4 });
    expect(prices).toMatchObject({ natHour: 0.045, natGb: 0.045, publicIpHour: 0.005, privateEndpointHour: 0.01, logAnalyticsIngestGb: 2.99, logAnalyticsRetentionGbMonth: 0.13 });
    expect(prices).toMatchObject({ logAnalyticsBasicIngestGb: 0.65, logAnalyticsLongTermGbMonth: 0.026 }); // Azure Monitor service, skuName Basic Logs / Data Archive
    expect(prices.blobGbMonth).toEqual({ LRS: 0.0196, ZRS: 0.0246, GRS: 0.0392, GZRS: 0.0443, RAGZRS: 0.0554 }); // first tier only
  });

  it('follows NextPageLink until the last page', async () => {
    const asked: string[] = [];
    const all = await collectPages('https://prices.azure.com/api/retail/prices?first', (url) => {
      asked.push(url);
      return Promise.resolve(asked.length === 1 ? pages[0] : pages[1]);
    });
    expect(asked).toEqual(['https://prices.azure.com/api/retail/prices?first', pages[0].NextPageLink]);
    expect(all).toHaveLength(items.length);
  });

  it('normalizes units of measure', () => {
    expect([unitsOf('1 Hour'), unitsOf('100 Hours'), unitsOf('1M'), unitsOf('10K'), unitsOf('1 GB/Month'), unitsOf('1 GiB Second')]).toEqual([1, 100, 1e6, 1e4, 1, 1]);
    expect(() => unitsOf('Hour')).toThrow('unknown unit of measure "Hour"');
  });

  it('fails loudly when a meter is missing', () => {
    expect(() => azurePrice(items, { serviceName: 'Log Analytics', meterName: 'Basic Logs Data Ingestion' }, 'basic logs')).toThrow(/no pay-as-you-go price for basic logs/);
  });

  it('queries one service of one region, in USD, consumption prices only', () => {
    const url = new URL(azureQueryUrl('Azure Container Apps', 'westeurope'));
    expect(url.origin + url.pathname).toBe('https://prices.azure.com/api/retail/prices');
    expect(url.searchParams.get('$filter')).toBe("serviceName eq 'Azure Container Apps' and armRegionName eq 'westeurope' and priceType eq 'Consumption'");
  });
});

describe('the generated file', () => {
  it('is TypeScript exporting PRICE_TABLE, marked generated, with its date and source', () => {
    const table = { checked: '2026-01-02', generated: true, source: 'fixture', aws: { 'eu-west-1': awsRegionFromOffers(offers) }, azure: { westeurope: azureRegionFromItems(items) } };
    const text = renderPriceTable(table);
    expect(text).toContain('GENERATED by `npm run prices`');
    expect(text).toContain("import type { PriceTable } from './price-types';");
    const body = text.slice(text.indexOf('= ') + 2, text.lastIndexOf(';'));
    expect(JSON.parse(body)).toEqual(table);
  });
});
