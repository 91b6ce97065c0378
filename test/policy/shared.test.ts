import { checkStack } from '../../policy/check';
import { DATA_BEARING_TYPES, RULES_BY_ID } from '../../policy';
import { PRODUCTION_GUARDED_TYPES } from '../../policy/data-bearing';
import { describeRules, fixtures, type Case, first, mutateContainers, containerDefs } from './helpers';
import type { Block, Rule } from '../../policy/types';

/**
 * The cross-cloud rules (policy/shared/): for each rule, the compliant case (every fixture deployment passes it,
 * with something to check) next to its non-compliant cases (a fixture's JSON mutated until the rule fires).
 */
const CASES: readonly Case[] = [
  { rule: 'MLP-DB-2', stack: 'aws-prod', what: 'a public RDS instance', mutate: (j) => void (first(j, 'aws_db_instance').publicly_accessible = true), message: /publicly_accessible is true/ },
  { rule: 'MLP-DB-2', stack: 'azure-prod', what: 'a public flexible server', mutate: (j) => void (first(j, 'azurerm_postgresql_flexible_server').public_network_access_enabled = true), message: /public network access/ },
  { rule: 'MLP-DB-3', stack: 'aws-prod', what: 'no rds.force_ssl', mutate: (j) => void (first(j, 'aws_db_parameter_group').parameter = []), message: /rds\.force_ssl/ },
  {
    rule: 'MLP-DB-3',
    stack: 'azure-prod',
    what: 'no require_secure_transport',
    mutate: (j) => {
      for (const c of Object.values(j.resource?.azurerm_postgresql_flexible_server_configuration ?? {})) {
        if (c.name === 'require_secure_transport') c.value = 'off';
      }
    },
    message: /require_secure_transport/,
  },
  { rule: 'MLP-DB-4', stack: 'aws-prod', what: '7-day backups in production', mutate: (j) => void (first(j, 'aws_db_instance').backup_retention_period = 7), message: /fewer than 14/ },
  { rule: 'MLP-DB-4', stack: 'aws-dev', what: '3-day backups', mutate: (j) => void (first(j, 'aws_db_instance').backup_retention_period = 3), message: /fewer than 7/ },
  { rule: 'MLP-DB-5', stack: 'aws-prod', what: 'a single-AZ production database', mutate: (j) => void (first(j, 'aws_db_instance').multi_az = false), message: /multi_az/ },
  { rule: 'MLP-DB-5', stack: 'azure-prod', what: 'no HA in production', mutate: (j) => void delete first(j, 'azurerm_postgresql_flexible_server').high_availability, message: /ZoneRedundant/ },
  { rule: 'MLP-DATA-1', stack: 'aws-prod', what: 'a production database without prevent_destroy', mutate: (j) => void delete first(j, 'aws_db_instance').lifecycle, message: /prevent_destroy/ },
  { rule: 'MLP-DATA-1', stack: 'aws-prod', what: 'a production database without a final snapshot', mutate: (j) => void (first(j, 'aws_db_instance').skip_final_snapshot = true), message: /skip_final_snapshot/ },
  {
    rule: 'MLP-DATA-1',
    stack: 'aws-prod',
    what: 'a production bucket that can be deleted',
    mutate: (j) => {
      const policy = first(j, 'aws_s3_bucket_policy', 'artifacts');
      const doc = JSON.parse(String(policy.policy)) as { Statement: Block[] };
      policy.policy = JSON.stringify({ ...doc, Statement: doc.Statement.filter((s) => s.Sid !== 'DenyBucketDeletion') });
    },
    message: /DeleteBucket/,
  },
  { rule: 'MLP-DATA-1', stack: 'azure-prod', what: 'no delete lock', mutate: (j) => void delete j.resource?.azurerm_management_lock, message: /CanNotDelete/ },
  { rule: 'MLP-LOG-1', stack: 'aws-dev', what: 'an unencrypted log group', mutate: (j) => void delete first(j, 'aws_cloudwatch_log_group').kms_key_id, message: /not encrypted/ },
  {
    rule: 'MLP-LOG-1',
    stack: 'azure-prod',
    what: '30-day logs in production without long-term retention',
    mutate: (j) => {
      first(j, 'azurerm_log_analytics_workspace').retention_in_days = 30;
      delete j.resource?.azurerm_log_analytics_workspace_table;
    },
    message: /retention is 30 days and ContainerAppConsoleLogs, ContainerAppSystemLogs, AzureDiagnostics, StorageBlobLogs, AzureMetrics keep\(s\) no 365-day total retention/,
  },
  {
    rule: 'MLP-LOG-1',
    stack: 'azure-prod',
    what: 'one platform table without its long-term retention in production',
    mutate: (j) => {
      for (const [id, t] of Object.entries(j.resource?.azurerm_log_analytics_workspace_table ?? {})) if (t.name === 'StorageBlobLogs') delete j.resource?.azurerm_log_analytics_workspace_table?.[id];
    },
    message: /retention is 90 days and StorageBlobLogs keep\(s\) no 365-day total retention/,
  },
  {
    rule: 'MLP-LOG-1',
    stack: 'azure-prod',
    what: 'a table kept 90 days in total in production',
    mutate: (j) => void (first(j, 'azurerm_log_analytics_workspace_table').total_retention_in_days = 90),
    message: /total retention of table \w+ is 90 days; expected at least 365/,
  },
  { rule: 'MLP-LOG-1', stack: 'azure-dev', what: 'a workspace kept less than 30 days', mutate: (j) => void (first(j, 'azurerm_log_analytics_workspace').retention_in_days = 7), message: /retention is 7 days; expected at least 30/ },
  { rule: 'MLP-SEC-2', stack: 'aws-dev', what: 'a secret value in state', mutate: (j) => void (first(j, 'aws_secretsmanager_secret_version').secret_string = 'hunter2'), message: /secret_string_wo/ },
  { rule: 'MLP-SEC-2', stack: 'aws-dev', what: 'a master password', mutate: (j) => void (first(j, 'aws_db_instance').password = 'hunter2'), message: /master password/ },
  { rule: 'MLP-SEC-2', stack: 'azure-dev', what: 'a Key Vault secret value', mutate: (j) => void (first(j, 'azurerm_key_vault_secret').value = 'hunter2'), message: /value_wo/ },
  {
    rule: 'MLP-SEC-2',
    stack: 'aws-dev',
    what: 'a plain password in a container environment',
    mutate: (j) => mutateContainers(j, (cs) => cs[1].environment.push({ name: 'MLFLOW_ADMIN_PASSWORD', value: 'hunter2' })),
    message: /MLFLOW_ADMIN_PASSWORD/,
  },
  {
    rule: 'MLP-SEC-2',
    stack: 'azure-dev',
    what: 'a plain password in a Container App',
    mutate: (j) => {
      const template = first(j, 'azurerm_container_app').template as { container: { env: Block[] }[] };
      template.container[0].env.push({ name: 'PGPASSWORD', value: 'hunter2' });
    },
    message: /PGPASSWORD/,
  },
  {
    rule: 'MLP-SEC-4',
    stack: 'aws-dev',
    what: 'the admin password in the serving container',
    mutate: (j) => {
      const td = containerDefs(j);
      const containers = JSON.parse(String(td.container_definitions)) as { name: string; secrets: Block[] }[];
      containers.find((c) => c.name === 'mlflow')?.secrets.push({ name: 'MLFLOW_ADMIN_PASSWORD', valueFrom: 'arn:x' });
      td.container_definitions = JSON.stringify(containers);
    },
    message: /serving container receives MLFLOW_ADMIN_PASSWORD/,
  },
  {
    rule: 'MLP-SEC-4',
    stack: 'azure-dev',
    what: 'the server connecting as the database admin',
    mutate: (j) => {
      const template = first(j, 'azurerm_container_app').template as { container: { env: Block[] }[] };
      const user = template.container[0].env.find((e) => e.name === 'PGUSER');
      if (user) user.value = 'mlflowadmin';
    },
    message: /serving container receives PGUSER/,
  },
  {
    rule: 'MLP-SEC-4',
    stack: 'aws-dev',
    what: "the gc schedule running the service's task definition (its migrate step holds the admin secrets)",
    mutate: (j) => {
      const target = first(j, 'aws_scheduler_schedule').target as Block;
      const service = Object.keys(j.resource?.aws_ecs_task_definition ?? {}).find((k) => k.startsWith('tracking_task-definition_'));
      target.input = String(target.input).replace(/aws_ecs_task_definition\.tracking_gc-task-definition_\w+\.arn/, `aws_ecs_task_definition.${service}.arn`);
    },
    message: /^the schedule runs aws_ecs_task_definition\.tracking_task-definition_\w+, whose containers receive PGUSER, PGPASSWORD, MLFLOW_ADMIN_PASSWORD/,
  },
  {
    rule: 'MLP-SEC-4',
    stack: 'aws-dev',
    what: 'the admin password in the gc task',
    mutate: (j) => {
      const td = first(j, 'aws_ecs_task_definition', 'tracking_gc-task-definition');
      const containers = JSON.parse(String(td.container_definitions)) as { name: string; secrets?: Block[] }[];
      containers.find((c) => c.name === 'gc')?.secrets?.push({ name: 'MLFLOW_ADMIN_PASSWORD', valueFrom: 'arn:x' });
      td.container_definitions = JSON.stringify(containers);
    },
    message: /^the schedule runs aws_ecs_task_definition\.tracking_gc-task-definition_\w+, whose containers receive MLFLOW_ADMIN_PASSWORD$/,
  },
  {
    rule: 'MLP-SEC-4',
    stack: 'azure-dev',
    what: 'the gc job connecting as the database admin',
    mutate: (j) => {
      const template = first(j, 'azurerm_container_app_job').template as { container: { env: Block[] }[] };
      const user = template.container[0].env.find((e) => e.name === 'PGUSER');
      if (user) user.value = 'mlflowadmin';
    },
    message: /^the scheduled job receives PGUSER$/,
  },
  {
    rule: 'MLP-SEC-3',
    stack: 'aws-dev',
    what: 'a credential URL',
    mutate: (j) =>
      mutateContainers(j, (cs) => {
        cs[1].environment.push({ name: 'MLFLOW_BACKEND_STORE_URI', value: 'postgresql://mlflow:hunter2@db:5432/mlflow' });
      }),
    message: /embedded credentials/,
  },
  {
    rule: 'MLP-NET-1',
    stack: 'aws-dev',
    what: 'tasks open to the internet',
    mutate: (j) => {
      const rule = first(j, 'aws_vpc_security_group_ingress_rule', 'tasks-ingress-lb');
      delete rule.referenced_security_group_id;
      rule.cidr_ipv4 = '0.0.0.0/0';
    },
    message: /ingress from 0\.0\.0\.0\/0 on ports 5000-5000/,
  },
  {
    rule: 'MLP-NET-1',
    stack: 'azure-dev',
    what: 'an NSG open to any source',
    mutate: (j) => {
      first(j, 'azurerm_network_security_group').security_rule = [{ name: 'ssh', direction: 'Inbound', access: 'Allow', source_address_prefix: '*' }];
    },
    message: /allows any source/,
  },
  { rule: 'MLP-OPS-1', stack: 'aws-prod', what: 'production alarms without a subscription', mutate: (j) => void delete j.resource?.aws_sns_topic_subscription, message: /no destination: set alarms\.emails/ },
  { rule: 'MLP-OPS-1', stack: 'azure-prod', what: 'an action group without e-mail receivers', mutate: (j) => void (first(j, 'azurerm_monitor_action_group').email_receiver = []), message: /no destination: set alarms\.emails/ },
  { rule: 'MLP-OPS-1', stack: 'aws-prod', what: 'production without alarms', mutate: (j) => void delete j.resource?.aws_cloudwatch_metric_alarm, message: /no alarms: set alarms\.enabled/ },
  {
    rule: 'MLP-HA-1',
    stack: 'aws-prod',
    what: 'a production service on Fargate Spot only',
    mutate: (j) => {
      const service = first(j, 'aws_ecs_service');
      delete service.launch_type;
      service.capacity_provider_strategy = [{ capacity_provider: 'FARGATE_SPOT', weight: 1 }];
    },
    message: /Fargate Spot only/,
  },
  {
    rule: 'MLP-HA-1',
    stack: 'aws-prod',
    what: 'a production service scaling down to one task',
    mutate: (j) => void (first(j, 'aws_appautoscaling_target').min_capacity = 1),
    message: /min_capacity is 1/,
  },
  {
    rule: 'MLP-HA-1',
    stack: 'azure-prod',
    what: 'a production container app that scales to zero',
    mutate: (j) => void ((first(j, 'azurerm_container_app').template as Block).min_replicas = 0),
    message: /min_replicas is 0/,
  },
  {
    rule: 'MLP-HA-1',
    stack: 'azure-prod',
    what: 'a production environment that is not zone-redundant',
    mutate: (j) => void (first(j, 'azurerm_container_app_environment').zone_redundancy_enabled = false),
    message: /not zone-redundant/,
  },
  { rule: 'MLP-TF-1', stack: 'aws-prod', what: 'a ${file(...)} in a tag', mutate: (j) => void (first(j, 'aws_db_instance').tags = { owner: '${file("/etc/passwd")}' }), message: /foreign interpolation: \$\{file\("\/etc\/passwd"\)\}/ },
  {
    rule: 'MLP-TAG-1',
    stack: 'aws-prod',
    what: 'more than 50 tags with the provider default tags',
    mutate: (j) => void (first(j, 'aws_db_instance').tags = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, 'v']))),
    message: /^5\d tags$/,
  },
];

describeRules('shared', CASES);

describe('MLP-NET-1 on a load balancer', () => {
  it('allows 0.0.0.0/0 on 443 to a load balancer only', () => {
    const json = structuredClone(fixtures['aws-dev'].json);
    for (const r of Object.values(json.resource?.aws_vpc_security_group_ingress_rule ?? {})) if (r.cidr_ipv4 === '10.0.0.0/8') r.cidr_ipv4 = '0.0.0.0/0';
    const report = checkStack(json, fixtures['aws-dev'].config, [RULES_BY_ID.get('MLP-NET-1') as Rule]);
    expect(report.violations.map((v) => v.message)).toEqual(['ingress from 0.0.0.0/0 on ports 80-80']);
  });
});

describe('MLP-DATA-1 guards data-bearing types only', () => {
  it('every production-guarded type is in the one list of data-bearing types (policy/data-bearing.ts)', () => {
    expect(PRODUCTION_GUARDED_TYPES.filter((t) => !DATA_BEARING_TYPES.includes(t))).toEqual([]);
  });
});
