import { referencing, first } from '../helpers';
import type { Rule } from '../types';

/** MLP-DB-5: Production database survives the loss of an availability zone. */
export const MLP_DB_5: Rule = {
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
};
