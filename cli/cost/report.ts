import type { TerraformStack } from 'cdktf';
import { buildApp } from '../../stacks/app';
import { ConfigError } from '../../stacks/config/load';
import type { DeploymentConfig } from '../../stacks/config/schema';
import { stackJson } from '../../stacks/stack-json';
import { estimateJson, estimateStack, formatEstimate, type CostEstimate } from './estimate';
import { PRICE_TABLE, PRICE_TABLE_SOURCE, type PriceTable } from './prices';

/** The region whose prices apply to a deployment: its AWS region or Azure location. */
export function deploymentRegion(d: DeploymentConfig): string | undefined {
  if ('region' in d && typeof d.region === 'string') return d.region;
  if ('location' in d && typeof d.location === 'string') return d.location;
  return undefined;
}

/** Estimates of the named deployments (all when `names` is empty). An unknown region throws, naming it. */
export function estimateDeployments(deployments: readonly DeploymentConfig[], names: readonly string[] = [], prices: PriceTable = PRICE_TABLE): CostEstimate[] {
  const chosen = deployments.filter((d) => names.length === 0 || names.includes(d.name));
  const missing = names.filter((n) => !chosen.some((d) => d.name === n));
  if (missing.length > 0) throw new ConfigError([`no deployment named ${missing.join(', ')}`]);
  const app = buildApp(chosen);
  return chosen.map((d) =>
    estimateStack(d.name, stackJson(app.node.findChild(d.name) as TerraformStack), d.production, { region: deploymentRegion(d), prices }),
  );
}

/** What `npm run cost [-- --json] [stack ...]` prints. */
export function costReport(estimates: readonly CostEstimate[], json: boolean, prices: PriceTable = PRICE_TABLE): string {
  if (json) return JSON.stringify(estimates.map((e) => estimateJson(e, prices)), null, 2);
  const source = prices === PRICE_TABLE ? PRICE_TABLE_SOURCE : `${prices.source} Checked ${prices.checked}`;
  return [...estimates.map(formatEstimate), `Prices: ${source}.`].join('\n\n');
}
