import type { TerraformStack } from 'cdktf';
import { buildApp } from '../stacks/app';
import { ConfigError, loadDeployments } from '../stacks/config/load';
import { estimateStack, formatEstimate } from '../stacks/cost/estimate';
import { PRICE_TABLE_SOURCE, USAGE_ASSUMPTIONS } from '../stacks/cost/prices';
import { stackJson } from '../stacks/stack-json';

// npm run cost [-- <stack> ...]: the monthly estimate of every (or the named) deployment.
try {
  const names = process.argv.slice(2);
  const deployments = loadDeployments().filter((d) => names.length === 0 || names.includes(d.name));
  const missing = names.filter((n) => !deployments.some((d) => d.name === n));
  if (missing.length > 0) throw new ConfigError([`no deployment named ${missing.join(', ')}`]);
  const app = buildApp(deployments);
  for (const d of deployments) {
    console.log(formatEstimate(estimateStack(d.name, stackJson(app.node.findChild(d.name) as TerraformStack), d.production)));
    console.log('');
  }
  console.log(`Prices: ${PRICE_TABLE_SOURCE}.`);
  console.log(`Usage assumptions: ${JSON.stringify(USAGE_ASSUMPTIONS)}.`);
} catch (error) {
  process.exitCode = 1;
  console.error(`cost: ${error instanceof ConfigError ? error.problems.join('\n') : error instanceof Error ? error.message : String(error)}`);
}
