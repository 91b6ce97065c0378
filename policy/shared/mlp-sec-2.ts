import { SECRET_NAME } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-SEC-2: No secret values in the synthesized configuration or Terraform state. */
export const MLP_SEC_2: Rule = {
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
};
