import { z } from 'zod';

/**
 * A strict object: unknown keys are errors, and the error names the fields that are allowed,
 * so a typo (`instanceClas`) never silently drops a setting.
 */
export function strictObject<T extends z.ZodRawShape>(shape: T, description?: string) {
  const allowed = Object.keys(shape).join(', ');
  const schema = z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field; allowed fields here: ${allowed}` : undefined,
  });
  return description ? schema.describe(description) : schema;
}

/** A string matching `pattern`, with a message that says what is allowed. */
export function pattern(regex: RegExp, allowed: string) {
  return z.string().regex(regex, { message: `expected ${allowed}` });
}

/** Lowercase letters, digits and dashes, starting with a letter: names that end up in cloud resource names. */
export const dnsLabel = (max: number) =>
  pattern(
    new RegExp(`^[a-z](?:[a-z0-9-]{0,${max - 2}}[a-z0-9])?$`),
    `lowercase letters, digits and dashes, starting with a letter, not ending with a dash, at most ${max} characters`,
  );

/** An IPv4 CIDR block such as 10.0.0.0/16, with the host bits zero. */
export const ipv4Cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

export interface ParsedCidr {
  readonly network: number;
  readonly prefix: number;
}

export function parseCidr(value: string): ParsedCidr {
  const [address, prefixText] = value.split('/');
  const octets = address.split('.').map(Number);
  const network = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { network, prefix: Number(prefixText) };
}

export function cidrProblem(value: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return 'expected an IPv4 CIDR block such as 10.0.0.0/16';
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return 'expected an IPv4 CIDR block such as 10.0.0.0/16';
  const { network } = parseCidr(value);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((network & mask) >>> 0 !== network) return 'host bits must be zero (e.g. 10.0.0.0/16, not 10.0.0.1/16)';
  return undefined;
}

/** Whether CIDR `inner` lies entirely inside CIDR `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (i.prefix < o.prefix) return false;
  const mask = o.prefix === 0 ? 0 : (0xffffffff << (32 - o.prefix)) >>> 0;
  return (i.network & mask) >>> 0 === o.network;
}

/** Whether two CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** Reports every value that occurs more than once in `values` as an issue at `path`. */
export function reportDuplicates(
  ctx: z.RefinementCtx,
  values: readonly string[],
  path: (index: number) => PropertyKey[],
  what: string,
): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) {
      ctx.addIssue({ code: 'custom', path: path(index), message: `duplicate ${what}; each must be unique`, input: value });
    }
    seen.add(value);
  });
}
