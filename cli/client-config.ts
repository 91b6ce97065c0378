import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ClientConfigError, clientConfig, readStackOutputs } from './client/client-config';

const USAGE =
  'usage: npm run client-config -- <stack> [--team <team>] [--environment <env>] [--outputs <outputs.json>] [--out <dir>]';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      team: { type: 'string' },
      environment: { type: 'string' },
      outputs: { type: 'string', default: 'outputs.json' },
      out: { type: 'string' },
    },
  });
  const stack = positionals[0];
  if (!stack || positionals.length > 1) throw new ClientConfigError(USAGE);
  const config = clientConfig(readStackOutputs(values.outputs, stack), { stack, team: values.team, environment: values.environment });
  const out = values.out ?? path.join('client', [stack, values.team, values.environment].filter(Boolean).join('-'));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, '.env'), config.env);
  fs.writeFileSync(path.join(out, 'MLFLOW.md'), config.sheet);
  console.log(`wrote ${path.join(out, '.env')} and ${path.join(out, 'MLFLOW.md')}`);
} catch (error) {
  process.exitCode = 1;
  // Every problem is a message, never a stack trace.
  console.error(`client-config: ${error instanceof Error ? error.message : String(error)}${error instanceof ClientConfigError ? '' : `\n${USAGE}`}`);
}
