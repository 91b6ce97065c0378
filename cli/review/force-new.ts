import forceNewData from './replacement-attributes.json';
import { DATA_BEARING_TYPES } from '../../policy';

/** What the provider docs say about one data-bearing resource type (see replacement-attributes.json). */
export interface ForceNewEntry {
  readonly source: string;
  /** Attributes (or `block.attribute` paths) whose change re-creates the resource. */
  readonly attributes: readonly string[];
  /** Attributes that force a new resource for some changes only, with the provider's note. */
  readonly conditional?: Readonly<Record<string, string>>;
}

export const FORCE_NEW: Readonly<Record<string, ForceNewEntry>> = forceNewData.types;

/** Resource types whose removal or replacement loses data (or the key to it). */
export const DATA_LOSS_TYPES: readonly string[] = DATA_BEARING_TYPES;

const zoneRedundant = (v: unknown) => /ZRS$/.test(String(v));
const numeric = (v: unknown) => Number.parseFloat(String(v));

/**
 * When a conditional attribute's change forces a new resource, after the provider's note:
 * `true` = this change replaces the resource.
 */
export const CONDITIONAL_REPLACEMENT: Readonly<Record<string, (before: unknown, after: unknown) => boolean>> = {
  // Optional + Computed + ForceNew: an omitted class is the service default, so STANDARD ↔ unset is no change.
  'aws_cloudwatch_log_group.log_group_class': (b, a) => String(b ?? 'STANDARD') !== String(a ?? 'STANDARD'),
  'azurerm_postgresql_flexible_server.storage_mb': (b, a) => numeric(a) < numeric(b),
  'azurerm_postgresql_flexible_server.version': (b, a) => numeric(a) < numeric(b),
  'azurerm_storage_account.account_replication_type': (b, a) => zoneRedundant(a) !== zoneRedundant(b),
  'azurerm_databricks_workspace.sku': (b, a) => a === 'trial' && b !== 'trial',
};

/**
 * The reason a change of `attribute` (a top-level name or `block.attribute`, list indexes removed)
 * replaces a resource of `type`, or undefined when it is updated in place.
 */
export function replacementReason(type: string, attribute: string, before: unknown, after: unknown): string | undefined {
  const entry = FORCE_NEW[type];
  if (!entry) return undefined;
  const top = attribute.split('.')[0];
  if (entry.attributes.includes(attribute) || entry.attributes.includes(top)) return `${attribute} forces a new resource`;
  const conditional = entry.conditional?.[top];
  if (conditional && CONDITIONAL_REPLACEMENT[`${type}.${top}`]?.(before, after)) return conditional;
  return undefined;
}
