import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type TerraformStack } from 'cdktf';
import { databricksWarnings } from './config/databricks';
import { ConfigError, loadDeployments } from './config/load';
import type { DeploymentConfig } from './config/schema';
import { DeploymentStack } from './deployment-stack';
import { checkStack, formatUnusedSuppression, formatViolation, type PolicyReport } from '../policy/check';
import { stackJson } from './stack-json';

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

export interface RunOptions extends PlatformAppProps {
  /** A config file or folder. @default MLFLOW_PLATFORM_CONFIG, else config/ */
  readonly configLocation?: string;
  /** Where progress lines go. @default console.log */
  readonly out?: (line: string) => void;
  /** Where problems go. @default console.error */
  readonly err?: (line: string) => void;
}

/** Checks every stack against the policy pack; throws a PolicyError when anything fails. */
export function checkPolicies(app: App, deployments: readonly DeploymentConfig[]): PolicyReport[] {
  const reports = deployments.map((config) => checkStack(stackJson(app.node.findChild(config.name) as TerraformStack), config));
  const problems = reports.flatMap((r, i) => [
    ...r.violations.map((v) => formatViolation(deployments[i], v)),
    ...r.unusedSuppressions.map((s) => formatUnusedSuppression(deployments[i], s)),
  ]);
  if (problems.length > 0) throw new PolicyError(problems);
  return reports;
}

export class PolicyError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'PolicyError';
  }
}

/**
 * Load every config, build the stacks, check them against the policy pack, synthesize. Nothing is
 * written unless every config is valid, every stack builds and every policy passes; problems are
 * printed as messages. Returns the process exit code.
 */
export function runPlatform(options: RunOptions = {}): number {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  let app: App | undefined;
  let outdirExisted = true;
  try {
    const deployments = loadDeployments(options.configLocation);
    for (const d of deployments) for (const line of databricksWarnings(d.databricks, d.source)) out(line);
    outdirExisted = fs.existsSync(options.outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out');
    app = buildApp(deployments, options);
    const reports = checkPolicies(app, deployments);
    app.synth();
    const suppressed = reports.flatMap((r) => r.suppressed.map((s) => `  ${r.stack}: ${s.rule.id} ${s.address} suppressed: ${s.reason}`));
    out(`Policy check passed: ${reports.length} stack(s), ${reports[0]?.rulesChecked ?? 0} rules, ${suppressed.length} suppression(s).`);
    for (const line of suppressed) out(line);
    reports.forEach((r, i) => r.warnings.forEach((w) => out(`  warning: ${formatViolation(deployments[i], w)}`)));
    const stale = removeStaleStacks(app.outdir, deployments.map((d) => d.name));
    out(`Synthesized ${deployments.length} stack(s) into ${path.join(app.outdir, 'stacks')}:`);
    for (const d of deployments) out(`  ${d.name} (${d.source}): ${stackFiles(app.outdir, d.name).join(', ')}`);
    if (stale.length > 0) out(`Removed the output of deployments not loaded: ${stale.join(', ')}`);
    return 0;
  } catch (error) {
    if (app) removeEmptyOutput(app.outdir, outdirExisted);
    if (error instanceof ConfigError) err(`Invalid deployment config; nothing was synthesized:\n${indent(error.problems)}`);
    else if (error instanceof PolicyError) err(`Policy check failed; nothing was synthesized:\n${indent(error.problems)}`);
    else err(`Synthesis failed; nothing was synthesized: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * The synth output is exactly the loaded deployments: stack folders left by an earlier, wider synth
 * (another config location, a deleted config) are removed, so `npm run validate` and `cdktf deploy`
 * never pick up a stale stack. Returns the removed stack names.
 */
export function removeStaleStacks(outdir: string, names: readonly string[]): string[] {
  const stacks = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacks)) return [];
  const keep = new Set(names);
  const stale = fs
    .readdirSync(stacks, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !keep.has(e.name))
    .map((e) => e.name)
    .sort();
  for (const name of stale) fs.rmSync(path.join(stacks, name), { recursive: true, force: true });
  return stale;
}

/** The files synthesized for one stack, relative to the working directory (Terraform's own `.terraform` excluded). */
function stackFiles(outdir: string, name: string): string[] {
  const dir = path.join(outdir, 'stacks', name);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(process.cwd(), path.join(dir, e.name)))
    .sort();
}

/** cdktf creates `<outdir>/stacks` when the App is built; a failed run leaves no trace of it. */
function removeEmptyOutput(outdir: string, outdirExisted: boolean): void {
  const stacks = path.join(outdir, 'stacks');
  if (fs.existsSync(stacks) && fs.readdirSync(stacks).length === 0) fs.rmdirSync(stacks);
  if (!outdirExisted && fs.existsSync(outdir) && fs.readdirSync(outdir).length === 0) fs.rmdirSync(outdir);
}

const indent = (lines: readonly string[]) => lines.map((l) => `  ${l}`).join('\n');

/** The entry point's whole job. */
export function main(): void {
  process.exitCode = runPlatform();
}
