import { parseArgs } from 'node:util';
import { ConfigError, loadDeployments } from '../stacks/config/load';
import { RestorePlanError, parseRestoreTime, restorePlan, synthesizedStack } from './restore/restore-plan';

const USAGE = 'usage: npm run restore-plan -- <stack> --to <UTC timestamp, e.g. 2026-11-23T18:00:00Z>';

try {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { to: { type: 'string' } } });
  const stack = positionals[0];
  if (!stack || positionals.length > 1 || !values.to) throw new RestorePlanError(USAGE);
  const now = new Date();
  const to = parseRestoreTime(values.to, now);
  const config = loadDeployments().find((d) => d.name === stack);
  if (!config) throw new RestorePlanError(`no deployment named ${stack} in the configs`);
  console.log(restorePlan(config, synthesizedStack(config), to, now));
} catch (error) {
  process.exitCode = 1;
  const known = error instanceof RestorePlanError || error instanceof ConfigError;
  console.error(`restore-plan: ${error instanceof Error ? error.message : String(error)}${known ? '' : `\n${USAGE}`}`);
}
