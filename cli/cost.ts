import { parseArgs } from 'node:util';
import { ConfigError, loadDeployments } from '../stacks/config/load';
import { costReport, estimateDeployments } from './cost/report';

// npm run cost [-- --json] [<stack> ...]: the monthly estimate of every (or the named) deployment,
// from the committed price table of each deployment's region.
try {
  const { values, positionals } = parseArgs({ options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  console.log(costReport(estimateDeployments(loadDeployments(), positionals), values.json === true));
} catch (error) {
  process.exitCode = 1;
  console.error(`cost: ${error instanceof ConfigError ? error.problems.join('\n') : error instanceof Error ? error.message : String(error)}`);
}
