import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_ENV_VAR, ConfigError, DEFAULT_CONFIG_DIR } from '../../stacks/config/load';
import type { StackJson } from '../../policy/types';
import { diffDeployments, type StackDiff } from './diff';
import { type ReportFormat, markdownReport, textReport, totalDataLoss } from './report';
import { PROJECT_ROOT, ReviewError, exportTree, gitTopLevel, resolveCommit, synthCheckout, synthInProcess } from './sources';

export interface ReviewOptions {
  /** The git ref to compare with, resolved in the repository that holds the configs. */
  readonly base: string;
  /** @default 'text' */
  readonly format?: ReportFormat;
  /** Data loss is reported but does not fail the command. @default false */
  readonly allowDataLoss?: boolean;
  /** Also write the report to this file. @default only printed */
  readonly outputFile?: string;
  /** A config file or folder. @default MLFLOW_PLATFORM_CONFIG, else config/ */
  readonly configLocation?: string;
  /** The project whose code synthesizes the base when the configs live in its repository. @default this project */
  readonly projectRoot?: string;
  /** @default console.log */
  readonly out?: (text: string) => void;
  /** @default console.error */
  readonly err?: (text: string) => void;
}

export interface ReviewResult {
  readonly diffs: readonly StackDiff[];
  readonly commit: string;
}

/**
 * The deployments at the base ref and in the working tree, compared stack by stack. When the configs
 * live in this project's repository, the base is synthesized with the base's own code (a change to a
 * construct shows up); when they live in another repository, both sides use this code.
 */
export function compareWithBase(base: string, configLocation: string, projectRoot = PROJECT_ROOT): ReviewResult {
  const location = path.resolve(configLocation);
  const repo = gitTopLevel(location);
  if (!repo) throw new ReviewError(`${configLocation}: not inside a git repository, so there is no base to compare with`);
  const commit = resolveCommit(repo, base);
  const relative = path.relative(repo, fs.realpathSync(location)).split(path.sep).join('/');
  const sameRepo = gitTopLevel(projectRoot) === repo;
  const tree = sameRepo ? exportTree(repo, commit) : exportTree(repo, commit, relative);
  try {
    let before = new Map<string, StackJson>();
    if (tree && fs.existsSync(path.join(tree, relative))) {
      before = sameRepo ? synthCheckout(tree, relative) : synthInProcess(path.join(tree, relative));
    }
    const after = synthInProcess(location);
    return { diffs: diffDeployments(before, after), commit };
  } finally {
    if (tree) fs.rmSync(tree, { recursive: true, force: true });
  }
}

/** `npm run review`: prints the report; returns the exit code (1 on data loss unless allowed, 2 on a problem). */
export function runReview(options: ReviewOptions): number {
  const out = options.out ?? ((t: string) => console.log(t));
  const err = options.err ?? ((t: string) => console.error(t));
  const configLocation = options.configLocation ?? (process.env[CONFIG_ENV_VAR] || DEFAULT_CONFIG_DIR);
  try {
    const { diffs, commit } = compareWithBase(options.base, configLocation, options.projectRoot);
    const ctx = { base: options.base, commit, configLocation, allowDataLoss: options.allowDataLoss ?? false };
    const report = options.format === 'markdown' ? markdownReport(diffs, ctx) : textReport(diffs, ctx);
    if (options.outputFile) fs.writeFileSync(options.outputFile, `${report}\n`);
    out(report);
    return totalDataLoss(diffs) > 0 && !options.allowDataLoss ? 1 : 0;
  } catch (error) {
    if (error instanceof ConfigError) err(`review: invalid deployment config in the working tree:\n${error.problems.map((p) => `  ${p}`).join('\n')}`);
    else if (error instanceof ReviewError) err(`review: ${error.message}`);
    else throw error;
    return 2;
  }
}

/** Parses `--base <ref> [--format text|markdown] [--output <file>] [--allow-data-loss]`. */
export function parseReviewArgs(argv: readonly string[]): ReviewOptions | string {
  let base: string | undefined;
  let format: ReportFormat = 'text';
  let outputFile: string | undefined;
  let allowDataLoss = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--base') base = value();
    else if (flag === '--format') {
      const f = value();
      if (f !== 'text' && f !== 'markdown') return `--format: expected text or markdown, got ${JSON.stringify(f ?? '')}`;
      format = f;
    } else if (flag === '--output') outputFile = value();
    else if (flag === '--allow-data-loss') allowDataLoss = true;
    else return `unknown argument ${JSON.stringify(argv[i])}`;
  }
  if (!base) return '--base <git-ref> is required (e.g. --base origin/main)';
  return { base, format, allowDataLoss, outputFile };
}

export const REVIEW_USAGE = 'usage: npm run review -- --base <git-ref> [--format text|markdown] [--output <file>] [--allow-data-loss]';
