import type { StackJson } from './types';

/**
 * Terraform evaluates `${ expression }` and `%{ directive }` in every string of a configuration
 * (`$${` and `%%{` are the escapes for literal text). The platform's code creates only a few kinds of
 * interpolation: references to resources, data sources, ephemeral resources, variables and locals of
 * the same stack, optionally inside a short list of pure functions cdktf emits (`element(...)`).
 * Anything else in a synthesized string (a `file(...)`, a template directive, a reference to
 * something the stack does not declare) came from outside the code: from a config value.
 */

/** Pure functions our constructs emit through cdktf's `Fn`; none reads files, the environment or the network. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'element',
  'join',
  'jsonencode',
  'length',
  'lookup',
  'tostring',
  'tonumber',
  'tolist',
  'toset',
  'concat',
  'merge',
  'replace',
  'lower',
  'upper',
  'trimsuffix',
  'trimprefix',
  'split',
  'cidrsubnet',
]);

/** Every interpolation or directive in `text`, with the escapes `$${` and `%%{` skipped. */
export function templateSequences(text: string): { kind: '$' | '%'; body: string }[] {
  const found: { kind: '$' | '%'; body: string }[] = [];
  for (let i = 0; i < text.length - 1; i++) {
    const c = text[i];
    if ((c !== '$' && c !== '%') || text[i + 1] !== '{') continue;
    // `$${` / `%%{` is the escape of a literal sequence; a longer run is read as an interpolation (the safe side).
    let run = 0;
    while (i - run - 1 >= 0 && text[i - run - 1] === c) run++;
    if (run === 1) continue;
    const end = closingBrace(text, i + 1);
    found.push({ kind: c, body: text.slice(i + 2, end === -1 ? text.length : end) });
    if (end === -1) break;
    i = end;
  }
  return found;
}

/** The index of the `}` closing the `{` at `open`, skipping quoted strings and nested braces; -1 when unclosed. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

const REFERENCE = /^(?:(data|ephemeral)\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const STRING = /^"(?:[^"\\$%]|\\.|\$(?!\{)|%(?!\{))*"$/;

/** Whether `expression` is one the platform's code creates, against the declarations of `json`. */
export function isOwnExpression(expression: string, json: StackJson): boolean {
  const e = expression.trim();
  if (NUMBER.test(e) || STRING.test(e)) return true;
  const call = /^([a-z][a-z0-9_]*)\((.*)\)$/s.exec(e);
  if (call) return ALLOWED_FUNCTIONS.has(call[1]) && splitArguments(call[2]).every((a) => isOwnExpression(a, json));
  const ref = REFERENCE.exec(e);
  if (!ref) return false;
  const [, kind, type, name] = ref;
  if (!kind && type === 'var') return has(json.variable, name);
  if (!kind && type === 'local') return has(json.locals, name);
  const section = kind === 'data' ? json.data : kind === 'ephemeral' ? json.ephemeral : json.resource;
  return has((section as Record<string, unknown> | undefined)?.[type], name);
}

function has(section: unknown, name: string): boolean {
  return section !== null && typeof section === 'object' && Object.prototype.hasOwnProperty.call(section, name);
}

/** Top-level comma-separated arguments of a call. */
function splitArguments(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      out.push(args.slice(start, i));
      start = i + 1;
    }
  }
  if (args.trim() !== '') out.push(args.slice(start));
  return out;
}

/** The interpolations and directives in any string of `value` (keys included) that our code did not create. */
export function foreignSequences(value: unknown, json: StackJson): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const s of templateSequences(v)) {
        if (s.kind === '%' || !isOwnExpression(s.body, json)) out.push(`${s.kind}{${s.body.length > 60 ? `${s.body.slice(0, 60)}…` : s.body}}`);
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        visit(k);
        visit(child);
      }
    }
  };
  visit(value);
  return out;
}
