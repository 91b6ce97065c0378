import { z } from 'zod';
import { cidrProblem } from '../../constructs/shared/cidr';

export { cidrContains, cidrProblem, cidrsOverlap, parseCidr } from '../../constructs/shared/cidr';

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
  // A value of another type (YAML reads 22222222 as a number) gets the same explanation.
  return z.string({ error: `expected ${allowed}` }).regex(regex, { message: `expected ${allowed}` });
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
