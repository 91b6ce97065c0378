/**
 * The ids of the policy pack's rules, in the order of the README table. Suppressions in a deployment
 * config name one of these. The config layer owns the list so that the schema never imports the
 * policy pack (policy depends on config, not the other way round); `Rule.id` is typed with it, and
 * test/policy.test.ts checks that policy/index.ts registers exactly these rules in this order.
 */
export const POLICY_RULE_IDS = [
  'MLP-DB-1',
  'MLP-DB-2',
  'MLP-DB-3',
  'MLP-DB-4',
  'MLP-DB-5',
  'MLP-DATA-1',
  'MLP-S3-1',
  'MLP-S3-2',
  'MLP-ST-1',
  'MLP-KV-1',
  'MLP-LOG-1',
  'MLP-SEC-1',
  'MLP-SEC-2',
  'MLP-SEC-3',
  'MLP-SEC-4',
  'MLP-NET-1',
  'MLP-NET-2',
  'MLP-NET-3',
  'MLP-NET-4',
  'MLP-TF-1',
  'MLP-TAG-1',
  'MLP-LB-1',
  'MLP-IAM-1',
  'MLP-OPS-1',
  'MLP-DBX-1',
  'MLP-DBX-2',
  'MLP-DBX-3',
  'MLP-HA-1',
] as const;

/** The id of a policy rule, e.g. `MLP-DB-1`. */
export type PolicyRuleId = (typeof POLICY_RULE_IDS)[number];

const KNOWN: ReadonlySet<string> = new Set(POLICY_RULE_IDS);

/** Whether `id` names a rule of the policy pack. */
export const isPolicyRuleId = (id: string): id is PolicyRuleId => KNOWN.has(id);
