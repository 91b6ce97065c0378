import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Document, isScalar, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type DeploymentConfig, deploymentSchema, resolveDeployment } from './schema';

/** The environment variable that names another config file or folder instead of `config/`. */
export const CONFIG_ENV_VAR = 'MLFLOW_PLATFORM_CONFIG';
export const DEFAULT_CONFIG_DIR = 'config';

/** A user-facing config problem: printed as its message lines, never as a stack trace. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

const YAML_EXTENSIONS = ['.yaml', '.yml'];

/** The config files to load: `MLFLOW_PLATFORM_CONFIG` (a file or folder) or `config/`, sorted. */
export function configFiles(location: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(location);
  } catch {
    throw new ConfigError([`${location}: no such config file or folder`]);
  }
  if (stat.isFile()) return [location];
  const files = fs
    .readdirSync(location)
    .filter((f) => YAML_EXTENSIONS.includes(path.extname(f)))
    .sort()
    .map((f) => path.join(location, f));
  if (files.length === 0) {
    throw new ConfigError([`${location}: no deployment configs found (expected one or more *.yaml files)`]);
  }
  return files;
}

/** Loads and validates every deployment; throws one ConfigError listing every problem in every file. */
export function loadDeployments(location = process.env[CONFIG_ENV_VAR] || DEFAULT_CONFIG_DIR): DeploymentConfig[] {
  const problems: string[] = [];
  const deployments: DeploymentConfig[] = [];
  for (const file of configFiles(location)) {
    const result = parseDeployment(fs.readFileSync(file, 'utf8'), file);
    if (result.ok) deployments.push(result.config);
    else problems.push(...result.problems);
  }
  const byName = new Map<string, string>();
  for (const d of deployments) {
    const other = byName.get(d.name);
    if (other) problems.push(`${d.source}: name: duplicate stack name "${d.name}", already used by ${other}; names must be unique`);
    byName.set(d.name, d.source);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deployments;
}

export type ParseResult = { ok: true; config: DeploymentConfig } | { ok: false; problems: string[] };

/** Parses one YAML document and validates it against the schema. */
export function parseDeployment(text: string, source: string): ParseResult {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${message}`;
      }),
    };
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [`${source}: expected a mapping of deployment fields (name, environment, ...), got ${describe(data)}`] };
  }
  const parsed = deploymentSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => quoteHint(doc, data, i, source) ?? formatIssue(source, i, data)) };
  }
  return { ok: true, config: resolveDeployment(parsed.data, source) };
}

/**
 * YAML reads an unquoted `16.10` as the number 16.1 and a long `workspaceId` as a rounded number.
 * When the text as written, quoted, is valid at that path, the message says to quote it.
 */
function quoteHint(doc: Document, data: unknown, issue: z.core.$ZodIssue, source: string): string | undefined {
  const node = doc.getIn(issue.path, true);
  if (!isScalar(node) || typeof node.value !== 'number' || node.source === undefined || issue.path.length === 0) return undefined;
  const text = String(node.source);
  const quoted = structuredClone(data) as Record<PropertyKey, unknown>;
  let parent: Record<PropertyKey, unknown> = quoted;
  for (const key of issue.path.slice(0, -1)) parent = parent[key] as Record<PropertyKey, unknown>;
  parent[issue.path[issue.path.length - 1]] = text;
  const again = deploymentSchema.safeParse(quoted);
  const samePath = JSON.stringify(issue.path);
  if (!again.success && again.error.issues.some((i) => JSON.stringify(i.path) === samePath)) return undefined;
  const key = String(issue.path[issue.path.length - 1]);
  const readAs = String(node.value) === text ? 'a number' : `the number ${String(node.value)}`;
  return `${source}: ${formatPath(issue.path)}: YAML reads ${text} as ${readAs}, not text; quote it: ${key}: "${text}"`;
}

/** `config/aws-prod.yaml: database.instanceClass: expected a db.* instance class, got "t3.micro"` */
export function formatIssue(source: string, issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => `${source}: ${formatPath([...issue.path, key])}: ${issue.message}`)
      .join('\n');
  }
  const where = issue.path.length > 0 ? formatPath(issue.path) : '(top level)';
  const message = normalizeMessage(issue);
  // The value a rule judged (e.g. a resolved default), else the value written at the path.
  const reported = 'input' in issue ? issue.input : undefined;
  const value = reported !== undefined && !isContainer(reported) ? reported : valueAt(data, issue.path);
  const got = isContainer(value) ? '' : `, got ${describe(value)}`;
  return `${source}: ${where}: ${message}${got}`;
}

/** zod's default messages, reworded to say what is allowed. */
function normalizeMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && issue.message.startsWith('Invalid discriminator value')) {
    const options = (issue as { options?: unknown[] }).options ?? [];
    return `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
  }
  return issue.message.replace(/^(Invalid input|Too small|Too big): /, '');
}

/** The value the user wrote at `p`, or undefined when there is none. */
function valueAt(data: unknown, p: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const key of p) {
    if (!isContainer(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function formatPath(p: readonly PropertyKey[]): string {
  return p
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function isContainer(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}
