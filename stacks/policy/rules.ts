import { PERMISSION_LEVELS } from '../../constructs/databricks/permission-levels';
import { HA_RULES } from './ha-rules';
import { cidrProblem, coversInternet } from '../../constructs/shared/cidr';
import { MAX_TAGS_PER_RESOURCE } from '../../constructs/shared/tags';
import { foreignSequences } from './interpolation';
import type { Block, PolicyContext, ResourceRef, Rule, StackJson } from './types';

// ---------- helpers over synthesized JSON ----------

/** Every resource of the given types. */
export function resourcesOfTypes(json: StackJson, types: readonly string[]): ResourceRef[] {
  return types.flatMap((type) =>
    Object.entries(json.resource?.[type] ?? {}).map(([name, block]) => ({ type, name, address: `${type}.${name}`, block })),
  );
}

/** Whether a value references resource `address` (`${type.name.attr}`). */
const refersTo = (value: unknown, address: string): boolean => JSON.stringify(value ?? null).includes(`\${${address}.`);

/** Resources of `type` whose `attribute` references `address`. */
const referencing = (json: StackJson, type: string, attribute: string, address: string): Block[] =>
  Object.values(json.resource?.[type] ?? {}).filter((b) => refersTo(b[attribute], address));

const lifecycle = (b: Block) => (b.lifecycle ?? {}) as { prevent_destroy?: boolean };
const first = (v: unknown): Block | undefined => (Array.isArray(v) ? (v[0] as Block | undefined) : (v as Block | undefined));

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(policy: unknown): Statement[] {
  if (typeof policy !== 'string') return [];
  try {
    const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  } catch {
    return [];
  }
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The value a permissions/ACL entry applies to: a folder path, a model name, or `root`. */
function permissionsObject(json: StackJson, block: Block): { kind: 'directory' | 'registeredModel' | 'experiment'; object: string } | undefined {
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

const isOpen = (cidr: unknown) => cidr === '0.0.0.0/0' || cidr === '::/0' || cidr === '*' || cidr === 'Internet' || cidr === 'Any';
const isCidr = (value: unknown): value is string => typeof value === 'string' && !cidrProblem(value);

/** Source prefixes of an NSG rule (inline or standalone). */
const sourcesOf = (r: Block): string[] => [...asList(r.source_address_prefix as string | undefined), ...asList(r.source_address_prefixes as string[] | undefined)];

/** Ports of an ingress rule: `-1` (all traffic) is every port. */
function portsOf(r: Block): [number, number] {
  if (String(r.ip_protocol) === '-1' || r.from_port === undefined) return [0, 65535];
  return [Number(r.from_port), Number(r.to_port ?? r.from_port)];
}

/**
 * Whether, on some port of `rule`, the IPv4 ingress rules of its security group (same protocol or
 * all traffic) together admit every internet address.
 */
function wholeInternetOnRulePorts(json: StackJson, rule: Block): boolean {
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

const CREDENTIAL_URL = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@"'$]+:[^/\s@"']+@/i;
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CONNECTION_?STRING/i;
const LOG_RETENTION_MIN = { production: 365, other: 30 };

/**
 * Resource types that hold data or guard access to it: replacing one loses data (or the key to it).
 * Their addresses are pinned in test/protected-addresses.json.
 */
export const DATA_BEARING_TYPES: readonly string[] = [
  'aws_db_instance',
  'aws_rds_cluster',
  'aws_s3_bucket',
  'aws_kms_key',
  'aws_secretsmanager_secret',
  'azurerm_postgresql_flexible_server',
  'azurerm_postgresql_flexible_server_database',
  'azurerm_storage_account',
  'azurerm_storage_container',
  'azurerm_key_vault',
  'azurerm_databricks_workspace',
  'databricks_directory',
  'databricks_mlflow_model',
  'databricks_registered_model',
  'databricks_catalog',
  'databricks_schema',
];

// ---------- rules ----------

export const RULES: readonly Rule[] = [
  {
    id: 'MLP-DB-1',
    title: 'Database storage is encrypted with a customer-managed key',
    why: 'Snapshots and disks of the backend store hold every experiment, run and model; a customer-managed key keeps control of who can read them and allows revocation.',
    fix: 'Set storage_encrypted = true and kms_key_id to a customer-managed KMS key (TrackingDatabase does this).',
    appliesTo: ['aws_db_instance', 'aws_rds_cluster'],
    check: ({ block }) => (block.storage_encrypted === true && block.kms_key_id ? undefined : 'storage is not encrypted with a customer-managed key'),
  },
  {
    id: 'MLP-DB-2',
    title: 'Database is not publicly reachable',
    why: 'The backend store must only be reachable by the tracking service inside the network.',
    fix: 'Set publicly_accessible = false (AWS) or public_network_access_enabled = false with a delegated subnet (Azure).',
    appliesTo: ['aws_db_instance', 'aws_rds_cluster_instance', 'azurerm_postgresql_flexible_server'],
    check: ({ type, block }) =>
      type === 'azurerm_postgresql_flexible_server'
        ? block.public_network_access_enabled === false && block.delegated_subnet_id
          ? undefined
          : 'public network access is not disabled, or the server has no delegated subnet'
        : block.publicly_accessible === true
          ? 'publicly_accessible is true'
          : undefined,
  },
  {
    id: 'MLP-DB-3',
    title: 'Database connections require TLS',
    why: 'Credentials and experiment data cross the network; without forced TLS a misconfigured client sends them in clear text.',
    fix: 'AWS: a parameter group with rds.force_ssl = 1. Azure: require_secure_transport = on and ssl_min_protocol_version = TLSv1.2.',
    appliesTo: ['aws_db_parameter_group', 'aws_rds_cluster_parameter_group', 'azurerm_postgresql_flexible_server'],
    check: ({ type, address, block }, ctx) => {
      if (type === 'azurerm_postgresql_flexible_server') {
        const settings = Object.fromEntries(
          referencing(ctx.json, 'azurerm_postgresql_flexible_server_configuration', 'server_id', address).map((c) => [String(c.name), String(c.value).toLowerCase()]),
        );
        return settings.require_secure_transport === 'on' && /tlsv1\.[23]/.test(settings.ssl_min_protocol_version ?? '')
          ? undefined
          : 'require_secure_transport = on and ssl_min_protocol_version = TLSv1.2 are not both configured';
      }
      const params = (block.parameter ?? []) as { name: string; value: string }[];
      return params.some((p) => p.name === 'rds.force_ssl' && p.value === '1') ? undefined : 'rds.force_ssl is not 1';
    },
  },
  {
    id: 'MLP-DB-4',
    title: 'Database backups are kept long enough',
    why: 'Point-in-time restore is the recovery path for a bad migration or a deleted experiment.',
    fix: 'Keep automated backups for at least 7 days, 14 in production.',
    appliesTo: ['aws_db_instance', 'aws_rds_cluster', 'azurerm_postgresql_flexible_server'],
    check: ({ block }, ctx) => {
      const days = Number(block.backup_retention_period ?? block.backup_retention_days ?? 0);
      const min = ctx.production ? 14 : 7;
      return days >= min ? undefined : `backups are kept ${days} days, fewer than ${min}`;
    },
  },
  {
    id: 'MLP-DB-5',
    title: 'Production database survives the loss of an availability zone',
    why: 'A single-AZ production database takes the tracking service down with its zone.',
    fix: 'Production: multi_az = true (RDS), a reader instance in another AZ (Aurora), or high_availability ZoneRedundant (Azure).',
    appliesTo: ['aws_db_instance', 'aws_rds_cluster', 'azurerm_postgresql_flexible_server'],
    check: ({ type, address, block }, ctx) => {
      if (!ctx.production) return undefined;
      if (type === 'aws_db_instance') return block.multi_az === true ? undefined : 'multi_az is not enabled';
      if (type === 'aws_rds_cluster') {
        const instances = referencing(ctx.json, 'aws_rds_cluster_instance', 'cluster_identifier', address).length;
        return instances >= 2 ? undefined : `the cluster has ${instances} instance(s); production needs a reader in another AZ`;
      }
      return first(block.high_availability)?.mode === 'ZoneRedundant' ? undefined : 'high availability is not ZoneRedundant';
    },
  },
  {
    id: 'MLP-DATA-1',
    title: 'Production data survives a destroy or a replacement',
    why: 'Databases, buckets, storage accounts, key vaults and workspaces of production deployments hold data that cannot be recreated; a refactor or a wrong command must not delete it.',
    fix: 'Production: lifecycle prevent_destroy plus the provider-side guard (RDS deletion_protection and a final snapshot; S3 bucket policy denying DeleteBucket; an Azure CanNotDelete lock).',
    appliesTo: [
      'aws_db_instance',
      'aws_rds_cluster',
      'aws_s3_bucket',
      'azurerm_postgresql_flexible_server',
      'azurerm_storage_account',
      'azurerm_key_vault',
      'azurerm_databricks_workspace',
    ],
    check: ({ type, address, block }, ctx) => {
      if (!ctx.production) return undefined;
      if (lifecycle(block).prevent_destroy !== true) return 'lifecycle prevent_destroy is not set';
      if (type.startsWith('aws_db') || type === 'aws_rds_cluster') {
        if (block.deletion_protection !== true) return 'deletion_protection is not enabled';
        if (block.skip_final_snapshot === true) return 'skip_final_snapshot is true';
        return undefined;
      }
      if (type === 'aws_s3_bucket') {
        const policies = referencing(ctx.json, 'aws_s3_bucket_policy', 'bucket', address);
        const denies = policies.flatMap((p) => statementsOf(p.policy)).some((s) => s.Effect === 'Deny' && asList(s.Action).includes('s3:DeleteBucket'));
        return denies ? undefined : 'no bucket policy statement denies s3:DeleteBucket';
      }
      const locked = Object.values(ctx.json.resource?.azurerm_management_lock ?? {}).some(
        (l) => refersTo(l.scope, address) && l.lock_level === 'CanNotDelete',
      );
      return locked ? undefined : 'no CanNotDelete management lock';
    },
  },
  {
    id: 'MLP-S3-1',
    title: 'Buckets are encrypted, versioned and reject non-TLS requests',
    why: 'Artifacts and logs are data at rest; versioning recovers overwritten or deleted objects; a TLS-only policy blocks plain HTTP access.',
    fix: 'Give every bucket a server-side encryption configuration, versioning Enabled, and a bucket policy denying aws:SecureTransport = false.',
    appliesTo: ['aws_s3_bucket'],
    check: ({ address }, ctx) => {
      const problems: string[] = [];
      const sse = referencing(ctx.json, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', address);
      if (sse.length === 0) problems.push('no server-side encryption configuration');
      const versioning = referencing(ctx.json, 'aws_s3_bucket_versioning', 'bucket', address);
      if (!versioning.some((v) => first(v.versioning_configuration)?.status === 'Enabled')) problems.push('versioning is not enabled');
      const policies = referencing(ctx.json, 'aws_s3_bucket_policy', 'bucket', address);
      const tlsOnly = policies
        .flatMap((p) => statementsOf(p.policy))
        .some((s) => s.Effect === 'Deny' && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false');
      if (!tlsOnly) problems.push('no policy denies non-TLS requests');
      return problems.length ? problems.join('; ') : undefined;
    },
  },
  {
    id: 'MLP-S3-2',
    title: 'Buckets are not public',
    why: 'One public ACL or policy exposes every artifact, model and credential a run logged.',
    fix: 'Block all four kinds of public access, enforce bucket-owner object ownership (ACLs disabled), and no force_destroy in production (non-production buckets are emptied on destroy).',
    appliesTo: ['aws_s3_bucket'],
    check: ({ address, block }, ctx) => {
      const blocks = referencing(ctx.json, 'aws_s3_bucket_public_access_block', 'bucket', address);
      const all = blocks.some((b) => b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets);
      if (!all) return 'public access is not fully blocked';
      const owner = referencing(ctx.json, 'aws_s3_bucket_ownership_controls', 'bucket', address);
      if (!owner.some((o) => first(o.rule)?.object_ownership === 'BucketOwnerEnforced')) return 'ACLs are not disabled (BucketOwnerEnforced)';
      return ctx.production && block.force_destroy === true ? 'force_destroy is true in production' : undefined;
    },
  },
  {
    id: 'MLP-ST-1',
    title: 'Storage accounts are private, TLS-only and keyless',
    why: 'Shared keys bypass identity; public blobs or public network access expose artifacts.',
    fix: 'https_traffic_only_enabled, min_tls_version TLS1_2, allow_nested_items_to_be_public = false, shared_access_key_enabled = false, infrastructure encryption, and public access off or limited to deployer ranges (default action Deny).',
    appliesTo: ['azurerm_storage_account'],
    check: ({ block }) => {
      const problems: string[] = [];
      if (block.https_traffic_only_enabled === false) problems.push('HTTP allowed');
      if (block.min_tls_version !== 'TLS1_2') problems.push('TLS below 1.2 allowed');
      if (block.allow_nested_items_to_be_public !== false) problems.push('public blobs allowed');
      if (block.shared_access_key_enabled !== false) problems.push('shared keys enabled');
      if (block.infrastructure_encryption_enabled !== true) problems.push('no infrastructure encryption');
      if (block.public_network_access_enabled !== false && first(block.network_rules)?.default_action !== 'Deny') problems.push('open to public networks');
      return problems.length ? problems.join('; ') : undefined;
    },
  },
  {
    id: 'MLP-KV-1',
    title: 'Key Vaults use RBAC, purge protection and a closed firewall',
    why: 'The vault holds the database and admin passwords; purge protection stops a deleted vault from taking them along.',
    fix: 'rbac_authorization_enabled = true, purge_protection_enabled = true, public network access off or default action Deny.',
    appliesTo: ['azurerm_key_vault'],
    check: ({ block }) => {
      const problems: string[] = [];
      if (block.rbac_authorization_enabled !== true) problems.push('access policies instead of RBAC');
      if (block.purge_protection_enabled !== true) problems.push('no purge protection');
      if (block.public_network_access_enabled !== false && first(block.network_acls)?.default_action !== 'Deny') problems.push('open to public networks');
      return problems.length ? problems.join('; ') : undefined;
    },
  },
  {
    id: 'MLP-LOG-1',
    title: 'Logs are encrypted and kept for a bounded, sufficient time',
    why: 'Logs hold request paths, user names and errors; unbounded retention costs money, too short loses evidence.',
    fix: 'CloudWatch: kms_key_id and retention_in_days (>= 30, >= 365 in production). Log Analytics: retention_in_days >= 30 (>= 365 in production).',
    appliesTo: ['aws_cloudwatch_log_group', 'azurerm_log_analytics_workspace'],
    check: ({ type, block }, ctx) => {
      const min = ctx.production ? LOG_RETENTION_MIN.production : LOG_RETENTION_MIN.other;
      const days = Number(block.retention_in_days ?? 0);
      if (type === 'aws_cloudwatch_log_group' && !block.kms_key_id) return 'the log group is not encrypted with a KMS key';
      return days >= min ? undefined : `retention is ${days || 'unlimited or unset'} days; expected at least ${min}`;
    },
  },
  {
    id: 'MLP-SEC-1',
    title: 'Secrets are encrypted with a customer-managed key',
    why: 'The database and admin passwords are the keys to all tracking data.',
    fix: 'Set kms_key_id on every Secrets Manager secret.',
    appliesTo: ['aws_secretsmanager_secret'],
    check: ({ block }) => (block.kms_key_id ? undefined : 'no customer-managed key'),
  },
  {
    id: 'MLP-SEC-2',
    title: 'No secret values in the synthesized configuration or Terraform state',
    why: 'Synthesized JSON is committed, reviewed and logged; state is copied around. A secret in either has leaked.',
    fix: 'Use provider-managed secrets (RDS manage_master_user_password), write-only arguments (*_wo) fed by ephemeral values, and secret references in container definitions.',
    appliesTo: [
      'aws_db_instance',
      'aws_rds_cluster',
      'aws_secretsmanager_secret_version',
      'azurerm_postgresql_flexible_server',
      'azurerm_key_vault_secret',
      'aws_ecs_task_definition',
      'azurerm_container_app',
    ],
    check: ({ type, block }) => {
      if (type === 'aws_db_instance' || type === 'aws_rds_cluster') {
        return block.password !== undefined || block.master_password !== undefined ? 'a master password is set in the configuration' : undefined;
      }
      if (type === 'aws_secretsmanager_secret_version') {
        return block.secret_string !== undefined || block.secret_binary !== undefined ? 'the secret value is stored in state (use secret_string_wo)' : undefined;
      }
      if (type === 'azurerm_postgresql_flexible_server') {
        return block.administrator_password !== undefined ? 'the admin password is stored in state (use administrator_password_wo)' : undefined;
      }
      if (type === 'azurerm_key_vault_secret') return block.value !== undefined ? 'the secret value is stored in state (use value_wo)' : undefined;
      // Container environments: names that look secret must come from a secret reference.
      const envs: { name?: string; value?: unknown }[] = [];
      if (type === 'aws_ecs_task_definition') {
        const containers = JSON.parse(String(block.container_definitions ?? '[]')) as { environment?: { name: string; value: string }[] }[];
        for (const c of containers) envs.push(...(c.environment ?? []));
      } else {
        const template = (block.template ?? {}) as { container?: { env?: { name: string; value?: string }[] }[]; init_container?: { env?: { name: string; value?: string }[] }[] };
        for (const c of [...(template.container ?? []), ...(template.init_container ?? [])]) envs.push(...(c.env ?? []));
        for (const s of (block.secret ?? []) as Block[]) if (s.value !== undefined) return `container secret ${String(s.name)} has a literal value`;
      }
      const plain = envs.filter((e) => SECRET_NAME.test(e.name ?? '') && e.value !== undefined).map((e) => e.name);
      return plain.length ? `plain environment variables that look secret: ${plain.join(', ')}` : undefined;
    },
  },
  {
    id: 'MLP-SEC-3',
    title: 'No credentials in URLs',
    why: 'scheme://user:password@host URIs end up in logs, process listings and the MLflow UI.',
    fix: 'Keep credentials out of URIs: libpq reads PGUSER and PGPASSWORD from the environment, injected from a secret store.',
    appliesTo: ['*'],
    check: ({ block }) => (CREDENTIAL_URL.test(JSON.stringify(block)) ? 'a URL with embedded credentials' : undefined),
  },
  {
    id: 'MLP-SEC-4',
    title: 'The serving container holds no admin credential',
    why: 'The long-running, network-facing server is what an attacker reaches; the database admin and the MLflow and team admin passwords are needed only by the init step that migrates and provisions.',
    fix: 'Give admin credentials to the init container only; the server connects as its own database role (mlflow_server) and never receives *_ADMIN_PASSWORD.',
    appliesTo: ['aws_ecs_task_definition', 'azurerm_container_app'],
    check: ({ type, block }, ctx) => {
      const adminSecret = /ADMIN_PASSWORD/;
      if (type === 'aws_ecs_task_definition') {
        const containers = JSON.parse(String(block.container_definitions ?? '[]')) as { portMappings?: unknown[]; secrets?: { name: string; valueFrom: string }[] }[];
        const serving = containers.filter((c) => (c.portMappings ?? []).length > 0);
        const bad = serving.flatMap((c) => (c.secrets ?? []).filter((s) => adminSecret.test(s.name) || s.valueFrom.includes('master_user_secret')).map((s) => s.name));
        return bad.length ? `the serving container receives ${bad.join(', ')}` : undefined;
      }
      const adminLogins = Object.values(ctx.json.resource?.azurerm_postgresql_flexible_server ?? {}).map((s) => s.administrator_login);
      const template = (block.template ?? {}) as { container?: { env?: { name: string; value?: string }[] }[] };
      const bad = (template.container ?? []).flatMap((c) =>
        (c.env ?? []).filter((e) => adminSecret.test(e.name) || (e.name === 'PGUSER' && adminLogins.includes(e.value))).map((e) => e.name),
      );
      return bad.length ? `the serving container receives ${bad.join(', ')}` : undefined;
    },
  },
  {
    id: 'MLP-NET-1',
    title: 'No ingress from anywhere, except HTTPS to a load balancer',
    why: 'Only the load balancer may face wide address ranges, and only on 443. Ranges are judged as addresses, not text: 0.0.0.0/1 plus 128.0.0.0/1 is the whole internet.',
    fix: 'Limit ingress to known CIDRs or security groups; admit every internet address (0.0.0.0/0, ::/0, or CIDRs that add up to it) only on 443 of the load balancer security group.',
    appliesTo: ['aws_vpc_security_group_ingress_rule', 'aws_security_group', 'azurerm_network_security_group', 'azurerm_network_security_rule'],
    check: ({ type, block }, ctx) => {
      if (type === 'aws_vpc_security_group_ingress_rule') {
        if (!isOpen(block.cidr_ipv6) && !wholeInternetOnRulePorts(ctx.json, block)) return undefined;
        const lbGroups = Object.values(ctx.json.resource?.aws_lb ?? {}).flatMap((lb) => (lb.security_groups ?? []) as string[]);
        const onLb = lbGroups.some((g) => String(g).replace(/\.id\}$/, '') === String(block.security_group_id).replace(/\.id\}$/, ''));
        if (onLb && block.from_port === 443 && block.to_port === 443) return undefined;
        const together = isOpen(block.cidr_ipv4) || isOpen(block.cidr_ipv6) ? '' : ' (with the group\'s other rules on these ports: every internet address)';
        return `ingress from ${String(block.cidr_ipv4 ?? block.cidr_ipv6)} on ports ${String(block.from_port)}-${String(block.to_port)}${together}`;
      }
      if (type === 'azurerm_network_security_rule') {
        const wide = sourcesOf(block).some(isOpen) || coversInternet(sourcesOf(block).filter(isCidr));
        return block.direction === 'Inbound' && block.access === 'Allow' && wide
          ? `inbound rule ${String(block.name)} allows every internet address`
          : undefined;
      }
      const rules = (type === 'aws_security_group' ? block.ingress : block.security_rule) as Block[] | undefined;
      if (type === 'azurerm_network_security_group') {
        const allows = (rules ?? []).filter((r) => r.direction === 'Inbound' && r.access === 'Allow');
        const open = allows.find((r) => sourcesOf(r).some(isOpen) || coversInternet(sourcesOf(r).filter(isCidr)));
        if (open) return `inbound rule ${String(open.name)} allows any source`;
        return coversInternet(allows.flatMap(sourcesOf).filter(isCidr)) ? 'inbound allow rules together admit every internet address' : undefined;
      }
      for (const r of rules ?? []) {
        const cidrs = asList(r.cidr_blocks as string[]);
        if (cidrs.some(isOpen) || asList(r.ipv6_cidr_blocks as string[]).some(isOpen) || coversInternet(cidrs.filter(isCidr))) {
          return 'an inline ingress rule allows any source';
        }
      }
      return undefined;
    },
  },
  {
    id: 'MLP-NET-2',
    title: 'An internet-facing load balancer is behind a rate-limiting WAF',
    why: 'MLflow basic auth has no lockout and every failed login costs a PBKDF2 hash: without a rate limit the internet can guess passwords and exhaust the server.',
    fix: 'Associate an aws_wafv2_web_acl (scope REGIONAL) with a rate_based_statement rule that blocks, to every internet-facing aws_lb (TrackingService does this when the load balancer is internet-facing).',
    appliesTo: ['aws_lb'],
    check: ({ address, block }, ctx) => {
      if (block.internal === true) return undefined;
      const acls = Object.values(ctx.json.resource?.aws_wafv2_web_acl_association ?? {})
        .filter((a) => refersTo(a.resource_arn, address))
        .map((a) => Object.entries(ctx.json.resource?.aws_wafv2_web_acl ?? {}).find(([name]) => refersTo(a.web_acl_arn, `aws_wafv2_web_acl.${name}`))?.[1]);
      const limited = acls.some((acl) =>
        ((acl?.rule ?? []) as Block[]).some((r) => first(first(r.statement)?.rate_based_statement) !== undefined && first(r.action)?.block !== undefined),
      );
      return limited ? undefined : 'internet-facing, with no WAF web ACL that blocks by rate';
    },
  },
  {
    id: 'MLP-NET-3',
    title: 'S3 gateway endpoints are limited to the platform\'s buckets',
    why: 'The default endpoint policy allows any bucket in any account: a compromised task could copy artifacts to a bucket of its own through the endpoint.',
    fix: 'Give every S3 gateway endpoint a policy (aws_vpc_endpoint_policy or policy) that names the platform\'s buckets and the ECR layer bucket, never Resource "*".',
    appliesTo: ['aws_vpc_endpoint'],
    check: ({ address, block }, ctx) => {
      if (block.vpc_endpoint_type !== 'Gateway' || !/\.s3$/.test(String(block.service_name))) return undefined;
      const policies = [block.policy, ...referencing(ctx.json, 'aws_vpc_endpoint_policy', 'vpc_endpoint_id', address).map((p) => p.policy)].filter((p) => p !== undefined);
      if (policies.length === 0) return 'no endpoint policy (the default allows every bucket)';
      const wide = policies.flatMap(statementsOf).some((st) => st.Effect === 'Allow' && asList(st.Resource).some((r) => r === '*' || r === 'arn:aws:s3:::*'));
      return wide ? 'the endpoint policy allows every bucket' : undefined;
    },
  },
  {
    id: 'MLP-NET-4',
    title: 'The database subnet admits the tracking app only',
    why: 'Azure\'s default AllowVnetInBound lets every VNet address reach the database, including the Databricks subnets where users run their own code.',
    fix: 'On the NSG of the PostgreSQL delegated subnet: allow 5432 from the app subnet (and 5432/6432 within the subnet for HA), then deny VirtualNetwork inbound (AzureNetwork does this).',
    appliesTo: ['azurerm_postgresql_flexible_server'],
    check: ({ block }, ctx) => {
      const subnet = /^\$\{azurerm_subnet\.([^.]+)\.id\}$/.exec(String(block.delegated_subnet_id))?.[1];
      if (!subnet) return undefined; // no delegated subnet: MLP-DB-2 reports it
      const association = referencing(ctx.json, 'azurerm_subnet_network_security_group_association', 'subnet_id', `azurerm_subnet.${subnet}`)[0];
      const nsg = /^\$\{azurerm_network_security_group\.([^.]+)\.id\}$/.exec(String(association?.network_security_group_id))?.[1];
      if (!nsg) return 'the database subnet has no network security group';
      const inline = (ctx.json.resource?.azurerm_network_security_group?.[nsg]?.security_rule ?? []) as Block[];
      const rules = [...inline, ...referencing(ctx.json, 'azurerm_network_security_rule', 'network_security_group_name', `azurerm_network_security_group.${nsg}`)]
        .filter((r) => r.direction === 'Inbound');
      const wide = (r: Block) => sourcesOf(r).some((s) => s === 'VirtualNetwork' || isOpen(s));
      const deny = rules.filter((r) => r.access === 'Deny' && wide(r)).map((r) => Number(r.priority)).sort((a, b) => a - b)[0];
      if (deny === undefined) return 'no inbound rule denies the rest of the VNet';
      const open = rules.find((r) => r.access === 'Allow' && Number(r.priority) < deny && wide(r));
      return open ? `inbound rule ${String(open.name)} admits the whole VNet before the deny` : undefined;
    },
  },
  {
    id: 'MLP-TF-1',
    title: 'No interpolation the code did not create',
    why: 'Terraform evaluates ${...} and %{...} in every string: one from a config value (a tag, a host name) runs at plan time, e.g. ${file("/etc/passwd")} reads the deploy machine into tags, plan logs and state.',
    fix: 'Only references to resources, data sources, ephemeral resources, variables and locals of the same stack (optionally in a pure function such as element) may appear; config values are rejected at load time, literal text is escaped as $${ / %%{.',
    appliesTo: ['*', 'data.*', 'ephemeral.*', 'output.*', 'provider.*', 'terraform.*', 'locals.*'],
    check: ({ block }, ctx) => {
      const foreign = foreignSequences(block, ctx.json);
      return foreign.length ? `foreign interpolation: ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}` : undefined;
    },
  },
  {
    id: 'MLP-TAG-1',
    title: `No resource carries more than ${MAX_TAGS_PER_RESOURCE} tags`,
    why: `AWS allows ${MAX_TAGS_PER_RESOURCE} user tags per resource (provider default_tags included) and Azure ${MAX_TAGS_PER_RESOURCE} tag pairs: more fails the apply half-way.`,
    fix: 'Fewer tags in the deployment config (the loader allows the limit minus the platform\'s own tags).',
    appliesTo: ['*'],
    check: ({ type, block }, ctx) => {
      const defaults = type.startsWith('aws_') ? ((first(first(ctx.json.provider && (ctx.json.provider as Record<string, unknown>).aws)?.default_tags)?.tags ?? {}) as Block) : {};
      const count = Object.keys({ ...defaults, ...((block.tags ?? {}) as Block) }).length;
      return count > MAX_TAGS_PER_RESOURCE ? `${count} tags` : undefined;
    },
  },
  {
    id: 'MLP-LB-1',
    title: 'Load balancers serve HTTPS with TLS 1.2+, drop invalid headers and log access',
    why: 'Basic-auth credentials travel in every request: plain HTTP exposes them.',
    fix: 'An HTTPS listener with an ELBSecurityPolicy-TLS13-* or TLS-1-2 policy, HTTP only as a redirect; drop_invalid_header_fields and access_logs on. Plain HTTP is allowed only for a non-production, internal load balancer.',
    appliesTo: ['aws_lb_listener', 'aws_lb'],
    check: ({ type, block }, ctx) => {
      if (type === 'aws_lb') {
        if (block.drop_invalid_header_fields !== true) return 'invalid header fields are not dropped';
        if (first(block.access_logs)?.enabled !== true) return 'access logs are off';
        if (ctx.production && block.enable_deletion_protection !== true) return 'production load balancer without deletion protection';
        return undefined;
      }
      if (block.protocol === 'HTTPS') return /TLS13|TLS-1-2|FS-1-2/.test(String(block.ssl_policy)) ? undefined : `TLS policy ${String(block.ssl_policy)} allows TLS below 1.2`;
      const actions = (block.default_action ?? []) as Block[];
      if (actions.every((a) => a.type === 'redirect' && first(a.redirect)?.protocol === 'HTTPS')) return undefined;
      const lb = Object.entries(ctx.json.resource?.aws_lb ?? {}).find(([name]) => refersTo(block.load_balancer_arn, `aws_lb.${name}`))?.[1];
      return !ctx.production && lb?.internal === true ? undefined : 'plain HTTP forwarding on a production or internet-facing load balancer';
    },
  },
  {
    id: 'MLP-IAM-1',
    title: 'No IAM policy allows * actions on * resources',
    why: 'Administrator-equivalent grants turn any compromise of a task or team role into a compromise of the account.',
    fix: 'Name the actions and the resources each role needs (the constructs grant per bucket, prefix, secret and key).',
    appliesTo: ['aws_iam_role_policy', 'aws_iam_policy', 'aws_s3_bucket_policy', 'aws_kms_key'],
    check: ({ block }) => {
      const wide = statementsOf(block.policy).find(
        (s) => s.Effect === 'Allow' && asList(s.Action).includes('*') && asList(s.Resource).includes('*'),
      );
      return wide ? 'a statement allows "*" on "*"' : undefined;
    },
  },
  {
    id: 'MLP-OPS-1',
    level: 'warning',
    title: 'Production alarms reach someone',
    why: 'An alarm nobody receives pages nobody: a production outage would go unnoticed until users report it.',
    fix: 'Set alarms.emails in the deployment config (or subscribe on-call tooling to the alarm topic / action group and suppress this warning with the reason).',
    appliesTo: ['aws_ecs_service', 'azurerm_container_app'],
    check: ({ type }, ctx) => {
      if (!ctx.production) return undefined;
      const aws = type === 'aws_ecs_service';
      const destinations = aws
        ? resourcesOfTypes(ctx.json, ['aws_sns_topic_subscription']).length
        : resourcesOfTypes(ctx.json, ['azurerm_monitor_action_group']).filter((g) => ((g.block.email_receiver ?? []) as unknown[]).length > 0).length;
      const alarms = resourcesOfTypes(ctx.json, [aws ? 'aws_cloudwatch_metric_alarm' : 'azurerm_monitor_metric_alert']).length;
      if (alarms === 0) return 'production has no alarms: set alarms.enabled to true';
      return destinations > 0 ? undefined : 'production alarms have no destination: set alarms.emails';
    },
  },
  {
    id: 'MLP-DBX-1',
    title: 'Databricks permission levels are valid for their object type',
    why: 'The provider rejects invalid levels at apply time, half-way through a deploy.',
    fix: `Folders: ${PERMISSION_LEVELS.directory.join(', ')}. Registered models: ${PERMISSION_LEVELS.registeredModel.join(', ')}. Experiments: ${PERMISSION_LEVELS.experiment.join(', ')}. Never list admins.`,
    appliesTo: ['databricks_permissions'],
    check: ({ block }, ctx) => {
      const target = permissionsObject(ctx.json, block);
      if (!target) return undefined;
      const allowed: readonly string[] = PERMISSION_LEVELS[target.kind];
      for (const entry of (block.access_control ?? []) as Block[]) {
        if (entry.group_name === 'admins') return 'admins is listed (the provider rejects it)';
        if (!allowed.includes(String(entry.permission_level))) return `${String(entry.permission_level)} is not valid on a ${target.kind}`;
      }
      return undefined;
    },
  },
  {
    id: 'MLP-DBX-2',
    title: 'The users group holds no manage level',
    why: 'Every workspace user is in users: a manage level there lets anyone change permissions or production model versions.',
    fix: 'Grant manage levels to environment groups only; give users at most CAN_READ, or nothing.',
    appliesTo: ['databricks_permissions'],
    check: ({ block }) => {
      const entry = ((block.access_control ?? []) as Block[]).find((e) => e.group_name === 'users' && String(e.permission_level).startsWith('CAN_MANAGE'));
      return entry ? `users has ${String(entry.permission_level)}` : undefined;
    },
  },
  {
    id: 'MLP-DBX-3',
    title: 'No non-production principal on production objects',
    why: 'Production models and experiments must be out of reach of every non-production principal, including through inherited ACLs.',
    fix: 'Grant production folders, production models, the root model ACL, the experiments root and production Unity Catalog schemas and models to production groups only.',
    appliesTo: ['databricks_permissions', 'databricks_grants', 'databricks_registered_model'],
    check: ({ type, block }, ctx) => {
      const prod = ctx.databricks;
      if (!prod || prod.groups.length === 0) return undefined;
      if (type === 'databricks_permissions') {
        const target = permissionsObject(ctx.json, block);
        if (!target || !prod.objects.includes(target.object)) return undefined;
        const others = ((block.access_control ?? []) as Block[])
          .map((e) => String(e.group_name ?? e.service_principal_name ?? e.user_name))
          .filter((p) => !prod.groups.includes(p));
        return others.length ? `${others.join(', ')} on production object ${target.object}` : undefined;
      }
      if (type === 'databricks_grants') {
        if (!prod.schemas.includes(String(block.schema))) return undefined;
        const others = ((block.grant ?? []) as Block[]).map((g) => String(g.principal)).filter((p) => !prod.groups.includes(p));
        return others.length ? `${others.join(', ')} on production schema ${String(block.schema)}` : undefined;
      }
      const schema = `${String(block.catalog_name)}.${String(block.schema_name)}`;
      const catalog = /^\$\{databricks_catalog\.([^.]+)\.name\}$/.exec(String(block.catalog_name));
      const catalogName = catalog ? String(ctx.json.resource?.databricks_catalog?.[catalog[1]]?.name) : String(block.catalog_name);
      const qualified = `${catalogName}.${String(block.schema_name)}`;
      if (!prod.schemas.includes(qualified) && !prod.schemas.includes(schema)) return undefined;
      return prod.groups.includes(String(block.owner)) ? undefined : `production model owned by ${String(block.owner)}`;
    },
  },
  ...HA_RULES,
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
