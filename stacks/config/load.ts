import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Document, isNode, isScalar, LineCounter, parseDocument, visit } from 'yaml';
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

/** A deployment config is a few kilobytes; anything over this is refused before it is parsed. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Aliases a config may resolve: it needs none; more is a "billion laughs" expansion. */
export const MAX_ALIAS_COUNT = 100;
/** Problems reported per file: a hostile file must not flood the terminal. */
export const MAX_PROBLEMS_PER_FILE = 20;
/** Keys that would reach (or, silently dropped, hide from) object prototypes. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** The sequences Terraform evaluates inside any string: `${ expression }` and `%{ directive }`. */
export const TERRAFORM_TEMPLATE = /[$%]\{/;
/** Explicit tags that only restate what plain YAML means (`!!str 123`). */
const PLAIN_TAGS: ReadonlySet<string> = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

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
    const size = fs.statSync(file).size;
    if (size > MAX_CONFIG_BYTES) {
      problems.push(tooLarge(file, size));
      continue;
    }
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
  const problems = readDeployment(text, source);
  if (!problems.ok) return { ok: false, problems: capped(source, problems.problems) };
  const { data, doc } = problems;
  const parsed = deploymentSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, problems: capped(source, parsed.error.issues.map((i) => quoteHint(doc, data, i, source) ?? formatIssue(source, i, data))) };
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

function tooLarge(source: string, bytes: number): string {
  return `${source}: the file is ${bytes} bytes, over the ${MAX_CONFIG_BYTES} bytes (1 MB) a deployment config may have; not parsed`;
}

/** The YAML text as plain data, or the reasons it is refused (size, syntax, tags, aliases, keys, Terraform templates). */
function readDeployment(text: string, source: string): { ok: true; data: object; doc: Document } | { ok: false; problems: string[] } {
  if (text.length > MAX_CONFIG_BYTES || Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return { ok: false, problems: [tooLarge(source, Buffer.byteLength(text, 'utf8'))] };
  }
  const problems: string[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter });
  // Warnings include unresolved custom tags (`!!js/function`, `!foo`), which would otherwise become plain strings.
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length === 0) {
    // Tags the library does resolve (`!!binary`, `!!set`, `!!timestamp` ...) are no config values either.
    visit(doc, (_key, node) => {
      if (isNode(node) && node.tag && !PLAIN_TAGS.has(node.tag)) {
        const pos = node.range ? lineCounter.linePos(node.range[0]) : undefined;
        problems.push(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: custom tags are not allowed (plain YAML values only)`);
      }
    });
    if (problems.length > 0) return { ok: false, problems };
  }
  if (yamlProblems.length > 0) {
    return {
      ok: false,
      problems: yamlProblems.map((e) => {
        const pos = e.linePos?.[0];
        const where = `${source}${pos ? `:${pos.line}:${pos.col}` : ''}`;
        if (e.code === 'TAG_RESOLVE_FAILED') return `${where}: invalid YAML: custom tags are not allowed (plain YAML values only)`;
        const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return `${where}: invalid YAML: ${shorten(message, 200)}`;
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // yaml throws a ReferenceError on excessive aliases (resource exhaustion).
    return { ok: false, problems: [`${source}: invalid YAML: aliases expand too much (more than ${MAX_ALIAS_COUNT}); a deployment config needs no aliases`] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [`${source}: expected a mapping of deployment fields (name, environment, ...), got ${describe(data)}`] };
  }
  checkLiteral(data, [], source, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, data, doc };
}

/**
 * Every key and string of the config, at any depth: no prototype keys, and no Terraform template
 * sequence, so no config string can become a Terraform expression in the synthesized JSON.
 */
function checkLiteral(value: unknown, at: readonly PropertyKey[], source: string, problems: string[]): void {
  if (typeof value === 'string') {
    if (TERRAFORM_TEMPLATE.test(value)) problems.push(templateProblem(source, at, value));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkLiteral(item, [...at, i], source, problems));
    return;
  }
  for (const key of Object.keys(value)) {
    const keyPath = [...at, key];
    if (FORBIDDEN_KEYS.has(key)) {
      problems.push(`${source}: ${formatPath(keyPath)}: the key "${key}" is not allowed (it would reach object prototypes)`);
      continue;
    }
    if (TERRAFORM_TEMPLATE.test(key)) problems.push(templateProblem(source, keyPath, key));
    checkLiteral((value as Record<string, unknown>)[key], keyPath, source, problems);
  }
}

function templateProblem(source: string, at: readonly PropertyKey[], value: string): string {
  const sequence = value.match(TERRAFORM_TEMPLATE)?.[0] ?? '${';
  return `${source}: ${at.length > 0 ? formatPath(at) : '(top level)'}: "${sequence}" is not allowed in config values (Terraform would evaluate it as an expression), got ${describe(value)}`;
}

/** At most MAX_PROBLEMS_PER_FILE problems, then a count of the rest. */
function capped(source: string, problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  return [...problems.slice(0, MAX_PROBLEMS_PER_FILE), `${source}: ... and ${problems.length - MAX_PROBLEMS_PER_FILE} more problems`];
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
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${shorten(String(part), MAX_QUOTED)}`))
    .join('');
}

function isContainer(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

/** Characters of a bad value (or key) quoted in a message: a huge value must not produce a huge message. */
export const MAX_QUOTED = 60;

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string' && value.length > MAX_QUOTED) return `${JSON.stringify(value.slice(0, MAX_QUOTED))}… (${value.length} characters)`;
  return JSON.stringify(value);
}
