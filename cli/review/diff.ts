import type { Block, StackJson } from '../../policy/types';
import { DATA_LOSS_TYPES, replacementReason } from './force-new';

/** One changed leaf attribute: `path` such as `tags.team`, `setting[0].value` or `policy{}.Statement[0].Action`. */
export interface AttributeChange {
  readonly path: string;
  /** undefined = not set on that side. */
  readonly before: unknown;
  readonly after: unknown;
  /** Secrets and write-only values are compared but never shown. */
  readonly sensitive: boolean;
  /** Why this change re-creates the resource, when it does. */
  readonly replaces?: string;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  /** The address it had at the base when a `moved` block renamed it. */
  readonly movedFrom?: string;
  readonly attributes: readonly AttributeChange[];
}

export interface DataLoss {
  readonly address: string;
  readonly reason: string;
}

export type StackStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface StackDiff {
  readonly stack: string;
  readonly status: StackStatus;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ResourceChange[];
  /** Other changes: backend, providers, required versions. */
  readonly settings: readonly AttributeChange[];
  readonly dataLoss: readonly DataLoss[];
}

/**
 * Attribute names whose values are secrets or write-only (`*_wo`), never printed. Matched on every
 * path segment, so `password`, `secret_string`, `value_wo`, `client_secret` and the like
 * are all hidden wherever they appear.
 */
const SENSITIVE_LEAF = /(^|_)(password|passwd|secret|secret_string|secret_binary|private_key|token|access_key|connection_string|sas)($|_)|_wo$/i;
/** Types whose `value`-like attributes are secret whatever their name. */
const SENSITIVE_TYPES: Readonly<Record<string, readonly string[]>> = {
  azurerm_key_vault_secret: ['value'],
  aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
  aws_ssm_parameter: ['value', 'insecure_value'],
  databricks_secret: ['string_value'],
};

/**
 * One list position in a flattened path: `[3]` (by position), `[name="FOO"]` (a list of objects
 * keyed by their `name`) or `["aws_s3_bucket.x"]` (an item of a list of strings, read as a set).
 */
const LIST_KEY = /\[(?:\d+|(?:name=)?"(?:[^"\\]|\\.)*")\]|\(order\)/g;

/** The attribute a flattened path belongs to, without list positions: `container.env.value`. */
export function attributeOf(path: string): string {
  return path.replace(LIST_KEY, '');
}

export function isSensitive(type: string, path: string): boolean {
  // A named entry's name counts as a segment: the value of an env var `DB_PASSWORD` is hidden.
  const named = path.replace(/\[name=("(?:[^"\\]|\\.)*")\]/g, (_m, name: string) => `.${String(JSON.parse(name))}.`);
  const segments = attributeOf(named).split(/[.{}]+/).filter(Boolean);
  return segments.some((s) => SENSITIVE_LEAF.test(s)) || (SENSITIVE_TYPES[type] ?? []).includes(segments[0] ?? '');
}

const isNamedObject = (v: unknown): v is { name: string } =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { name?: unknown }).name === 'string';
const unique = (keys: readonly string[]) => new Set(keys).size === keys.length;

/**
 * A list keyed by identity instead of position, so one inserted entry reads as one change, not a
 * shift of every later one: objects that all have a distinct `name` (container env vars, secrets,
 * containers) by name; plain strings (`depends_on`, subnet ids, IAM actions) as a set, with their
 * order kept under `(order)` and shown only when nothing else in the list changed.
 */
function flattenList(list: readonly unknown[], prefix: string, into: Map<string, unknown>): boolean {
  if (list.length > 0 && list.every(isNamedObject) && unique(list.map((v) => v.name))) {
    for (const v of list) flatten(v, `${prefix}[name=${JSON.stringify(v.name)}]`, into);
    return true;
  }
  // Strings holding JSON documents stay positional: each is expanded with `{}`.
  if (list.length > 0 && list.every((v): v is string => typeof v === 'string' && !/^\s*[[{]/.test(v)) && unique(list)) {
    for (const v of list) into.set(`${prefix}[${JSON.stringify(v)}]`, v);
    into.set(`${prefix}(order)`, list);
    return true;
  }
  return false;
}

/** Flattens a value into leaf paths; JSON documents embedded in strings (IAM policies) are expanded with `{}`. */
export function flatten(value: unknown, prefix = '', into: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === 'object') return flatten(parsed, `${prefix}{}`, into);
    } catch {
      // not JSON: a plain string
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(prefix, []);
    else if (!flattenList(value, prefix, into)) value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, into));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([k]) => k !== '//');
    if (entries.length === 0) into.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix === '' ? k : `${prefix}.${k}`, into);
  } else {
    into.set(prefix, value);
  }
  return into;
}

/** The changed leaves between two blocks, sorted by path. */
export function diffBlocks(type: string, before: Block, after: Block): AttributeChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: AttributeChange[] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    // A reordered list of strings is one change; with items added or removed, they say it all.
    if (path.endsWith('(order)') && orderIsImplied(path, x, y, a, b)) continue;
    const attribute = attributeOf(path).split('{}')[0];
    const top = attribute.split('.')[0];
    const replaces = replacementReason(type, attribute, before[top], after[top]);
    changes.push({ path, before: x, after: y, sensitive: isSensitive(type, path), ...(replaces ? { replaces } : {}) });
  }
  return changes;
}

/** True when the items of the list changed (or it is new or gone): its `(order)` adds nothing. */
function orderIsImplied(path: string, x: unknown, y: unknown, a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (!Array.isArray(x) || !Array.isArray(y)) return true;
  const prefix = path.slice(0, -'(order)'.length);
  return x.length !== y.length || x.some((item) => !b.has(`${prefix}[${JSON.stringify(item)}]`)) || !a.has(prefix + '(order)');
}

/** `type.name` → block for every resource of a stack. */
export function resourcesByAddress(json: StackJson | undefined): Map<string, Block> {
  const all = new Map<string, Block>();
  for (const [type, byName] of Object.entries(json?.resource ?? {})) {
    for (const [name, block] of Object.entries(byName)) all.set(`${type}.${name}`, block);
  }
  return all;
}

const typeOf = (address: string) => address.split('.')[0];

/** `moved { from, to }` blocks of the new stack: a renamed resource keeps its object. */
function movedBlocks(json: StackJson | undefined): Map<string, string> {
  const moved = (json?.moved ?? []) as { from?: string; to?: string }[];
  return new Map(moved.filter((m) => m.from && m.to).map((m) => [String(m.to), String(m.from)]));
}

/** Stack-level settings that are not resources: the backend (where state lives), providers, versions. */
function settingsOf(json: StackJson | undefined): Block {
  return { terraform: json?.terraform ?? {}, provider: json?.provider ?? {} };
}

/** Compares one stack at the base and in the working tree. */
export function diffStack(stack: string, base: StackJson | undefined, head: StackJson | undefined): StackDiff {
  const before = resourcesByAddress(base);
  const after = resourcesByAddress(head);
  const moved = movedBlocks(head);
  const movedFrom = new Set(moved.values());
  const added = [...after.keys()].filter((a) => !before.has(a) && !(moved.has(a) && before.has(moved.get(a) as string))).sort();
  const removed = [...before.keys()].filter((a) => !after.has(a) && !movedFrom.has(a)).sort();
  const changed: ResourceChange[] = [];
  for (const [address, block] of after) {
    const from = before.has(address) ? address : moved.get(address);
    const old = from === undefined ? undefined : before.get(from);
    if (old === undefined) continue;
    const attributes = diffBlocks(typeOf(address), old, block);
    if (attributes.length > 0 || from !== address) {
      changed.push({ address, type: typeOf(address), ...(from !== address ? { movedFrom: from } : {}), attributes });
    }
  }
  changed.sort((x, y) => x.address.localeCompare(y.address));
  const dataLoss: DataLoss[] = [
    ...removed.filter((a) => DATA_LOSS_TYPES.includes(typeOf(a))).map((address) => ({ address, reason: 'removed: Terraform destroys it and its data' })),
    ...changed.flatMap((c) =>
      c.attributes.filter((x) => x.replaces).map((x) => ({ address: c.address, reason: `replaced (destroyed and re-created): ${x.replaces}` })),
    ),
  ];
  const settings = base && head ? diffBlocks('(settings)', settingsOf(base), settingsOf(head)) : [];
  const status: StackStatus = !base ? 'added' : !head ? 'removed' : added.length + removed.length + changed.length + settings.length > 0 ? 'changed' : 'unchanged';
  return { stack, status, added, removed, changed, settings, dataLoss: dedupe(dataLoss) };
}

function dedupe(losses: DataLoss[]): DataLoss[] {
  const seen = new Set<string>();
  return losses.filter((l) => {
    const key = `${l.address} ${l.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Compares every stack of the base and the working tree, in name order. */
export function diffDeployments(base: ReadonlyMap<string, StackJson>, head: ReadonlyMap<string, StackJson>): StackDiff[] {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort();
  return names.map((name) => diffStack(name, base.get(name), head.get(name)));
}
