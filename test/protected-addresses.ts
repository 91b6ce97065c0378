/** The file that pins the addresses of data-bearing resources (README, "Data-loss guards"). */
export const PROTECTED_ADDRESSES_FILE = 'test/protected-addresses.json';

/**
 * The failure message when pinned data-bearing addresses are gone from a stack: it says which file
 * to edit, which entries, and when editing it is right (an intended removal the review flagged as
 * DATA LOSS and a reviewer approved with the `allow-data-loss` label).
 */
export function missingProtectedMessage(stack: string, missing: readonly string[]): string {
  return [
    `stack "${stack}": ${missing.length} data-bearing resource(s) pinned in ${PROTECTED_ADDRESSES_FILE} are gone:`,
    ...missing.map((a) => `  - ${a}`),
    'Terraform would destroy them (and their data), or replace them with empty ones when the address changed.',
    'If this is a refactor, keep the resources with a `moved` block (README, "Moving a resource on purpose").',
    `If this removal is intended and approved (the review's DATA LOSS), remove these entries from "${stack}" in ${PROTECTED_ADDRESSES_FILE} in the same pull request.`,
  ].join('\n');
}
