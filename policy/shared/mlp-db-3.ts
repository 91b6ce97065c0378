import { referencing } from '../helpers';
import type { Rule } from '../types';

/** MLP-DB-3: Database connections require TLS. */
export const MLP_DB_3: Rule = {
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
};
