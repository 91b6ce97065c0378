import type { Rule } from '../types';

/** MLP-SEC-4: The serving container holds no admin credential. */
export const MLP_SEC_4: Rule = {
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
};
