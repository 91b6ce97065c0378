import type { Violation } from './types';

/**
 * Where a user fixes a policy violation: the deployment config field, by rule and resource. A rule
 * (or resource) missing here is decided by the constructs alone, and only a suppression accepts it.
 */
interface FieldHint {
  /** The resource type the hint applies to. */
  readonly type: string;
  /** Narrows to resources whose address matches (e.g. the flow logs' log group). @default every resource of the type */
  readonly address?: RegExp;
  /** The config field path, as the loader reports it. */
  readonly field: string;
}

export const CONFIG_FIELDS: Readonly<Record<string, readonly FieldHint[]>> = {
  'MLP-DB-4': [
    { type: 'aws_db_instance', field: 'database.backupRetentionDays' },
    { type: 'aws_rds_cluster', field: 'database.backupRetentionDays' },
    { type: 'azurerm_postgresql_flexible_server', field: 'database.backupRetentionDays' },
  ],
  'MLP-DB-5': [
    { type: 'aws_db_instance', field: 'database.multiAz' },
    { type: 'aws_rds_cluster', field: 'database.multiAz' },
    { type: 'azurerm_postgresql_flexible_server', field: 'database.highAvailability' },
  ],
  'MLP-DATA-1': [
    { type: 'aws_db_instance', field: 'database.deletionProtection' },
    { type: 'aws_rds_cluster', field: 'database.deletionProtection' },
  ],
  'MLP-LOG-1': [
    { type: 'aws_cloudwatch_log_group', address: /flow/i, field: 'network.flowLogRetentionDays' },
    { type: 'aws_cloudwatch_log_group', field: 'tracking.logRetentionDays' },
    { type: 'azurerm_log_analytics_workspace', field: 'tracking.logRetentionDays' },
  ],
  'MLP-NET-1': [{ type: 'aws_vpc_security_group_ingress_rule', address: /_lb-ingress-/, field: 'tracking.loadBalancer.allowedCidrs' }],
  'MLP-LB-1': [
    { type: 'aws_lb_listener', address: /_https-listener_/, field: 'tracking.loadBalancer.sslPolicy' },
    { type: 'aws_lb_listener', address: /_http-listener_/, field: 'tracking.loadBalancer.allowPlainHttp' },
  ],
  'MLP-OPS-1': [
    { type: 'aws_ecs_service', field: 'alarms.emails' },
    { type: 'azurerm_container_app', field: 'alarms.emails' },
  ],
  'MLP-ST-1': [{ type: 'azurerm_storage_account', field: 'network.deployerCidrs' }],
  'MLP-KV-1': [{ type: 'azurerm_key_vault', field: 'network.deployerCidrs' }],
};

/** The config field that fixes `v`, or undefined when only the constructs decide it. */
export function configFieldOf(v: Pick<Violation, 'address'> & { readonly rule: { readonly id: string } }): string | undefined {
  const type = v.address.split('.')[0];
  return CONFIG_FIELDS[v.rule.id]?.find((h) => h.type === type && (!h.address || h.address.test(v.address)))?.field;
}
