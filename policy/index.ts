import { resourcesOfTypes } from './helpers';
import type { Block, PolicyContext, ResourceRef, Rule, StackJson } from './types';
import { MLP_DB_1 } from './aws/mlp-db-1';
import { MLP_DB_2 } from './shared/mlp-db-2';
import { MLP_DB_3 } from './shared/mlp-db-3';
import { MLP_DB_4 } from './shared/mlp-db-4';
import { MLP_DB_5 } from './shared/mlp-db-5';
import { MLP_DATA_1 } from './shared/mlp-data-1';
import { MLP_S3_1 } from './aws/mlp-s3-1';
import { MLP_S3_2 } from './aws/mlp-s3-2';
import { MLP_ST_1 } from './azure/mlp-st-1';
import { MLP_KV_1 } from './azure/mlp-kv-1';
import { MLP_LOG_1 } from './shared/mlp-log-1';
import { MLP_SEC_1 } from './aws/mlp-sec-1';
import { MLP_SEC_2 } from './shared/mlp-sec-2';
import { MLP_SEC_3 } from './shared/mlp-sec-3';
import { MLP_SEC_4 } from './shared/mlp-sec-4';
import { MLP_NET_1 } from './shared/mlp-net-1';
import { MLP_NET_2 } from './aws/mlp-net-2';
import { MLP_NET_3 } from './aws/mlp-net-3';
import { MLP_NET_4 } from './azure/mlp-net-4';
import { MLP_TF_1 } from './shared/mlp-tf-1';
import { MLP_TAG_1 } from './shared/mlp-tag-1';
import { MLP_LB_1 } from './aws/mlp-lb-1';
import { MLP_IAM_1 } from './aws/mlp-iam-1';
import { MLP_OPS_1 } from './shared/mlp-ops-1';
import { MLP_DBX_1 } from './databricks/mlp-dbx-1';
import { MLP_DBX_2 } from './databricks/mlp-dbx-2';
import { MLP_DBX_3 } from './databricks/mlp-dbx-3';
import { MLP_HA_1 } from './shared/mlp-ha-1';

export { DATA_BEARING_TYPES } from './data-bearing';
export { resourcesOfTypes } from './helpers';

/** The policy pack, in the order of the README table and of the reports. One rule per file under policy/<cloud>/. */
export const RULES: readonly Rule[] = [
  MLP_DB_1,
  MLP_DB_2,
  MLP_DB_3,
  MLP_DB_4,
  MLP_DB_5,
  MLP_DATA_1,
  MLP_S3_1,
  MLP_S3_2,
  MLP_ST_1,
  MLP_KV_1,
  MLP_LOG_1,
  MLP_SEC_1,
  MLP_SEC_2,
  MLP_SEC_3,
  MLP_SEC_4,
  MLP_NET_1,
  MLP_NET_2,
  MLP_NET_3,
  MLP_NET_4,
  MLP_TF_1,
  MLP_TAG_1,
  MLP_LB_1,
  MLP_IAM_1,
  MLP_OPS_1,
  MLP_DBX_1,
  MLP_DBX_2,
  MLP_DBX_3,
  MLP_HA_1,
];

/** The rules by id. */
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.id, r]));

/** Resources a rule looks at in `ctx.json`. */
export function targetsOf(rule: Rule, ctx: PolicyContext): ResourceRef[] {
  const targets = rule.appliesTo.includes('*') ? resourcesOfTypes(ctx.json, Object.keys(ctx.json.resource ?? {})) : resourcesOfTypes(ctx.json, rule.appliesTo);
  return [...targets, ...otherBlocks(ctx.json, rule.appliesTo)];
}

/** Blocks other than resources a rule asks for with `data.*`, `ephemeral.*`, `output.*`, `provider.*`, `terraform.*` or `locals.*`. */
function otherBlocks(json: StackJson, appliesTo: readonly string[]): ResourceRef[] {
  const out: ResourceRef[] = [];
  for (const kind of ['data', 'ephemeral']) {
    if (!appliesTo.includes(`${kind}.*`)) continue;
    for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, Block>>)) {
      for (const [name, block] of Object.entries(byName)) out.push({ type, name, address: `${kind}.${type}.${name}`, block });
    }
  }
  if (appliesTo.includes('output.*')) {
    for (const [name, block] of Object.entries(json.output ?? {})) out.push({ type: 'output', name, address: `output.${name}`, block });
  }
  if (appliesTo.includes('provider.*')) {
    for (const [type, blocks] of Object.entries((json.provider ?? {}) as Record<string, Block[]>)) {
      asBlocks(blocks).forEach((block, i) => out.push({ type: 'provider', name: type, address: `provider.${type}[${i}]`, block }));
    }
  }
  for (const kind of ['terraform', 'locals']) {
    const block = json[kind];
    if (appliesTo.includes(`${kind}.*`) && block && typeof block === 'object') out.push({ type: kind, name: kind, address: kind, block: block as Block });
  }
  return out;
}

const asBlocks = (v: unknown): Block[] => (Array.isArray(v) ? (v as Block[]) : v && typeof v === 'object' ? [v as Block] : []);
