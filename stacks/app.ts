import { App } from 'cdktf';
import { ConfigError, loadDeployments } from './config/load';
import type { DeploymentConfig } from './config/schema';
import { DeploymentStack } from './deployment-stack';

export interface PlatformAppProps {
  /** Where the synthesized stacks go. @default cdktf's own default (`CDKTF_OUTDIR` or `cdktf.out`) */
  readonly outdir?: string;
}

/** One stack per deployment, named after the deployment. */
export function buildApp(deployments: readonly DeploymentConfig[], props: PlatformAppProps = {}): App {
  // No construct stack traces in the output: smaller, faster and machine-independent JSON.
  const app = new App({ outdir: props.outdir, stackTraces: false });
  for (const config of deployments) new DeploymentStack(app, config.name, { config });
  return app;
}

/**
 * The entry point's whole job: load every config, build the stacks, synthesize. Nothing is
 * written unless every config is valid and every stack builds; problems are printed as
 * messages and the process exits non-zero.
 */
export function main(): void {
  try {
    const app = buildApp(loadDeployments());
    app.synth();
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof ConfigError) {
      console.error(`Invalid deployment config; nothing was synthesized:\n${error.problems.map((p) => `  ${p}`).join('\n')}`);
    } else {
      console.error(`Synthesis failed; nothing was synthesized: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
