import type { Rule } from '../types';

/** MLP-DB-4: Database backups are kept long enough. */
export const MLP_DB_4: Rule = {
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
};
