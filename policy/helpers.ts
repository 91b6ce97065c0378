/** Helpers the rules use to read synthesized Terraform JSON. */
import { cidrProblem, coversInternet } from '../constructs/shared/cidr';
import type { Block, ResourceRef, StackJson } from './types';


/** Every resource of the given types. */
export function resourcesOfTypes(json: StackJson, types: readonly string[]): ResourceRef[] {
  return types.flatMap((type) =>
    Object.entries(json.resource?.[type] ?? {}).map(([name, block]) => ({ type, name, address: `${type}.${name}`, block })),
  );
}

/** Whether a value references resource `address` (`${type.name.attr}`). */
export const refersTo = (value: unknown, address: string): boolean => JSON.stringify(value ?? null).includes(`\${${address}.`);

/** Resources of `type` whose `attribute` references `address`. */
export const referencing = (json: StackJson, type: string, attribute: string, address: string): Block[] =>
  Object.values(json.resource?.[type] ?? {}).filter((b) => refersTo(b[attribute], address));

export const lifecycle = (b: Block) => (b.lifecycle ?? {}) as { prevent_destroy?: boolean };
export const first = (v: unknown): Block | undefined => (Array.isArray(v) ? (v[0] as Block | undefined) : (v as Block | undefined));

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export function statementsOf(policy: unknown): Statement[] {
  if (typeof policy !== 'string') return [];
  try {
    const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  } catch {
    return [];
  }
}

export const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The value a permissions/ACL entry applies to: a folder path, a model name, or `root`. */
export function permissionsObject(json: StackJson, block: Block): { kind: 'directory' | 'registeredModel' | 'experiment'; object: string } | undefined {
  const target = (value: unknown, type: string, attribute: string): string => {
    const match = /^\$\{([a-z_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(value));
    if (match && match[1] === type) return String(json.resource?.[type]?.[match[2]]?.[attribute] ?? value);
    return String(value);
  };
  if (block.directory_path !== undefined) return { kind: 'directory', object: target(block.directory_path, 'databricks_directory', 'path') };
  if (block.registered_model_id !== undefined) return { kind: 'registeredModel', object: target(block.registered_model_id, 'databricks_mlflow_model', 'name') };
  if (block.experiment_id !== undefined) return { kind: 'experiment', object: String(block.experiment_id) };
  return undefined;
}

export const isOpen = (cidr: unknown) => cidr === '0.0.0.0/0' || cidr === '::/0' || cidr === '*' || cidr === 'Internet' || cidr === 'Any';
export const isCidr = (value: unknown): value is string => typeof value === 'string' && !cidrProblem(value);

/** Source prefixes of an NSG rule (inline or standalone). */
export const sourcesOf = (r: Block): string[] => [...asList(r.source_address_prefix as string | undefined), ...asList(r.source_address_prefixes as string[] | undefined)];

/** Ports of an ingress rule: `-1` (all traffic) is every port. */
export function portsOf(r: Block): [number, number] {
  if (String(r.ip_protocol) === '-1' || r.from_port === undefined) return [0, 65535];
  return [Number(r.from_port), Number(r.to_port ?? r.from_port)];
}

/**
 * Whether, on some port of `rule`, the IPv4 ingress rules of its security group (same protocol or
 * all traffic) together admit every internet address.
 */
export function wholeInternetOnRulePorts(json: StackJson, rule: Block): boolean {
  if (rule.cidr_ipv4 === undefined) return false;
  const [from, to] = portsOf(rule);
  const siblings = Object.values(json.resource?.aws_vpc_security_group_ingress_rule ?? {}).filter(
    (r) =>
      r.security_group_id === rule.security_group_id &&
      isCidr(r.cidr_ipv4) &&
      (String(r.ip_protocol) === '-1' || String(rule.ip_protocol) === '-1' || r.ip_protocol === rule.ip_protocol),
  );
  const candidates = new Set([from, to, ...siblings.flatMap(portsOf).filter((p) => p >= from && p <= to)]);
  return [...candidates].some((port) =>
    coversInternet(siblings.filter((r) => portsOf(r)[0] <= port && port <= portsOf(r)[1]).map((r) => String(r.cidr_ipv4))),
  );
}

export const CREDENTIAL_URL = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@"'$]+:[^/\s@"']+@/i;
export const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CONNECTION_?STRING/i;
export const LOG_RETENTION_MIN = { production: 365, other: 30 };
