import type { Rule } from '../types';

/** MLP-DB-2: Database is not publicly reachable. */
export const MLP_DB_2: Rule = {
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
};
