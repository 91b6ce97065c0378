import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ClientConfigError } from './client/client-config';
import { SmokeError, checkCaFile, credentialsFromEnv, runSmoke, smokeTarget } from './client/smoke';
import { parseLargeArtifactMb } from './client/large-artifact';

const USAGE = `usage: npm run smoke -- <stack> [--outputs <outputs.json>] [--ca-file <ca-bundle.pem>] [--large-artifact-mb <n>]

Checks a deployed tracking server: /health answers, anonymous requests are refused, the admin
creates a throwaway experiment, run and artifact (read back through the server's artifact proxy),
the Default experiment's artifacts go through the proxy, a user without permissions is refused;
everything it creates is removed again.

  --outputs   the stack's outputs (default outputs.json): npx cdktf output <stack> --outputs-file outputs.json
  --ca-file   CA bundle (PEM) of a load balancer with a private CA (default: $MLFLOW_TRACKING_SERVER_CERT_PATH;
              NODE_EXTRA_CA_CERTS=<pem> works too)
  --large-artifact-mb  also send an n MiB artifact through the proxy in one streamed PUT, read it back,
              compare SHA-256, delete it (the single-request route; with MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD
              on AWS the MLflow client sends large files in parts straight to S3 instead: not checked here)

Admin credentials come from the environment, as for the MLflow client:
  export MLFLOW_TRACKING_USERNAME=admin     # tracking.adminUsername in the config, default admin
  AWS:   export MLFLOW_TRACKING_PASSWORD="$(aws secretsmanager get-secret-value --secret-id <admin_secret> --query SecretString --output text)"
  Azure: export MLFLOW_TRACKING_PASSWORD="$(az keyvault secret show --id <admin_secret> --query value --output tsv)"`;

/** Node reads NODE_EXTRA_CA_CERTS at start only: run this command again with it set. */
function rerunWithCa(caFile: string): number {
  const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  return result.status ?? 1;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      outputs: { type: 'string', default: 'outputs.json' },
      'ca-file': { type: 'string' },
      'large-artifact-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const stack = positionals[0];
  if (!stack || positionals.length > 1) throw new SmokeError(`${USAGE.split('\n')[0]} (--help for more)`);
  const caFile = values['ca-file'] ?? process.env.MLFLOW_TRACKING_SERVER_CERT_PATH;
  if (caFile && process.env.NODE_EXTRA_CA_CERTS !== path.resolve(caFile)) {
    checkCaFile(caFile);
    process.exitCode = rerunWithCa(path.resolve(caFile));
    return;
  }
  let largeArtifactMb: number | undefined;
  try {
    largeArtifactMb = parseLargeArtifactMb(values['large-artifact-mb']);
  } catch (error) {
    throw new SmokeError(error instanceof Error ? error.message : String(error));
  }
  const target = smokeTarget(values.outputs, stack);
  const admin = credentialsFromEnv(process.env, target.passwordCommand);
  await runSmoke({
    trackingUri: target.trackingUri,
    admin,
    pass: (step) => console.log(`ok   ${step}`),
    warn: (problem) => console.error(`warn ${problem}`),
    largeArtifactMb,
  });
  console.log(`smoke: ${stack} passed every check`);
}

main().catch((error: unknown) => {
  process.exitCode = 1;
  // Every problem is one line, never a stack trace.
  const parseProblem = error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  const known = error instanceof SmokeError || error instanceof ClientConfigError || parseProblem;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`smoke: ${known ? message : `unexpected error: ${message}`}`);
});
