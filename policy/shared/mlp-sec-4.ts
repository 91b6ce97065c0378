import type { Block, Rule, StackJson } from '../types';

const ADMIN_SECRET = /ADMIN_PASSWORD/;

interface EcsContainer {
  readonly portMappings?: unknown[];
  readonly secrets?: { name: string; valueFrom: string }[];
}

/** Names of the admin credentials ECS injects into `containers`: *_ADMIN_PASSWORD, or anything from the RDS master secret. */
const ecsAdminSecrets = (containers: readonly EcsContainer[]): string[] =>
  containers.flatMap((c) => (c.secrets ?? []).filter((s) => ADMIN_SECRET.test(s.name) || s.valueFrom.includes('master_user_secret')).map((s) => s.name));

const ecsContainers = (block: Block | undefined): EcsContainer[] => JSON.parse(String(block?.container_definitions ?? '[]')) as EcsContainer[];

/** Names of the admin credentials in Container Apps containers: *_ADMIN_PASSWORD, or PGUSER set to a flexible server's admin login. */
function acaAdminEnv(json: StackJson, containers: readonly { env?: { name: string; value?: string }[] }[]): string[] {
  const adminLogins = Object.values(json.resource?.azurerm_postgresql_flexible_server ?? {}).map((s) => s.administrator_login);
  return containers.flatMap((c) => (c.env ?? []).filter((e) => ADMIN_SECRET.test(e.name) || (e.name === 'PGUSER' && adminLogins.includes(e.value))).map((e) => e.name));
}

/**
 * The task definitions an EventBridge schedule runs: the `aws_ecs_task_definition` its target
 * references (the ecs:runTask universal target's input, or ecs_parameters of a templated target).
 */
const scheduledTaskDefinitions = (block: Block): string[] => [...new Set([...JSON.stringify(block.target ?? {}).matchAll(/aws_ecs_task_definition\.([^.}]+)\./g)].map((m) => m[1]))];

/** MLP-SEC-4: Neither the serving container nor a scheduled job holds an admin credential. */
export const MLP_SEC_4: Rule = {
  id: 'MLP-SEC-4',
  title: 'No admin credential in the serving container or a scheduled job',
  why: 'The long-running, network-facing server is what an attacker reaches, and a scheduled job (the daily mlflow gc) runs the same image unattended; the database admin and the MLflow and team admin passwords are needed only by the init step that migrates and provisions.',
  fix: "Give admin credentials to the init container only; the server and scheduled jobs connect as their own database role (mlflow_server) and never receive *_ADMIN_PASSWORD. On AWS a schedule runs a task definition of its own (TrackingService.scheduleCommand), never the service's, whose migrate step holds the admin secrets.",
  appliesTo: ['aws_ecs_task_definition', 'azurerm_container_app', 'aws_scheduler_schedule', 'azurerm_container_app_job'],
  check: ({ type, block }, ctx) => {
    if (type === 'aws_ecs_task_definition') {
      const bad = ecsAdminSecrets(ecsContainers(block).filter((c) => (c.portMappings ?? []).length > 0));
      return bad.length ? `the serving container receives ${bad.join(', ')}` : undefined;
    }
    if (type === 'aws_scheduler_schedule') {
      // Every container of a scheduled task counts: an init step runs unattended as much as the job.
      const found = scheduledTaskDefinitions(block).map((name) => [name, ecsAdminSecrets(ecsContainers(ctx.json.resource?.aws_ecs_task_definition?.[name]))] as const);
      const bad = found.filter(([, names]) => names.length > 0);
      return bad.length ? bad.map(([name, names]) => `the schedule runs aws_ecs_task_definition.${name}, whose containers receive ${names.join(', ')}`).join('; ') : undefined;
    }
    const template = (block.template ?? {}) as { container?: { env?: { name: string; value?: string }[] }[]; init_container?: { env?: { name: string; value?: string }[] }[] };
    if (type === 'azurerm_container_app_job') {
      const bad = acaAdminEnv(ctx.json, [...(template.init_container ?? []), ...(template.container ?? [])]);
      return bad.length ? `the scheduled job receives ${bad.join(', ')}` : undefined;
    }
    const bad = acaAdminEnv(ctx.json, template.container ?? []);
    return bad.length ? `the serving container receives ${bad.join(', ')}` : undefined;
  },
};
