import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPlatform } from '../stacks/app';
import type { DeploymentConfig } from '../stacks/config/schema';
import { checkStack } from '../stacks/policy/check';
import { README, withRulesTable } from '../stacks/docs';
import { RULES, RULES_BY_ID, targetsOf } from '../stacks/policy/rules';
import type { Block, StackJson } from '../stacks/policy/types';
import { configFrom, rejectionsOf, synth, tempDirWith } from './helpers';
import { AWS_DEV, DBX_GOVERNANCE, FIXTURE_CONFIGS, edit, withName } from './fixtures/configs';

/** The fixture deployments (test/fixtures/configs.ts), synthesized once. */
const fixtures: Record<string, { config: DeploymentConfig; json: StackJson }> = Object.fromEntries(
  Object.entries(FIXTURE_CONFIGS).map(([name, text]) => {
    const config = configFrom(text, `${name}.yaml`);
    return [config.name, { config, json: synth(config) }];
  }),
);

/** The first resource of a type in a JSON copy (for mutation). */
function first(json: StackJson, type: string, match = ''): Block {
  const found = Object.entries(json.resource?.[type] ?? {}).find(([k]) => k.includes(match));
  if (!found) throw new Error(`no ${type} matching ${match}`);
  return found[1];
}

const addStatement = (block: Block, statement: Block) => {
  const doc = JSON.parse(String(block.policy)) as { Statement: Block[] };
  doc.Statement.push(statement);
  block.policy = JSON.stringify(doc);
};

const containerDefs = (json: StackJson) => first(json, 'aws_ecs_task_definition');
const mutateContainers = (json: StackJson, fn: (containers: { environment: { name: string; value: string }[] }[]) => void) => {
  const td = containerDefs(json);
  const containers = JSON.parse(String(td.container_definitions)) as { environment: { name: string; value: string }[] }[];
  fn(containers);
  td.container_definitions = JSON.stringify(containers);
};

interface Case {
  readonly rule: string;
  readonly stack: string;
  readonly what: string;
  readonly mutate: (json: StackJson) => void;
  readonly message: RegExp;
}

const CASES: readonly Case[] = [
  { rule: 'MLP-DB-1', stack: 'aws-prod', what: 'unencrypted RDS storage', mutate: (j) => void (first(j, 'aws_db_instance').storage_encrypted = false), message: /not encrypted/ },
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
  { rule: 'MLP-S3-1', stack: 'aws-dev', what: 'a bucket without encryption', mutate: (j) => void delete j.resource?.aws_s3_bucket_server_side_encryption_configuration, message: /no server-side encryption/ },
  { rule: 'MLP-S3-1', stack: 'aws-dev', what: 'a bucket without versioning', mutate: (j) => void delete j.resource?.aws_s3_bucket_versioning, message: /versioning/ },
  { rule: 'MLP-S3-2', stack: 'aws-dev', what: 'public policies allowed', mutate: (j) => void (first(j, 'aws_s3_bucket_public_access_block').block_public_policy = false), message: /public access/ },
  { rule: 'MLP-S3-2', stack: 'aws-prod', what: 'force_destroy in production', mutate: (j) => void (first(j, 'aws_s3_bucket').force_destroy = true), message: /force_destroy/ },
  { rule: 'MLP-ST-1', stack: 'azure-dev', what: 'shared keys enabled', mutate: (j) => void (first(j, 'azurerm_storage_account').shared_access_key_enabled = true), message: /shared keys/ },
  {
    rule: 'MLP-ST-1',
    stack: 'azure-prod',
    what: 'open to public networks',
    mutate: (j) => {
      const account = first(j, 'azurerm_storage_account');
      account.public_network_access_enabled = true;
      account.network_rules = { default_action: 'Allow' };
    },
    message: /public networks/,
  },
  { rule: 'MLP-KV-1', stack: 'azure-dev', what: 'no purge protection', mutate: (j) => void (first(j, 'azurerm_key_vault').purge_protection_enabled = false), message: /purge protection/ },
  { rule: 'MLP-LOG-1', stack: 'aws-dev', what: 'an unencrypted log group', mutate: (j) => void delete first(j, 'aws_cloudwatch_log_group').kms_key_id, message: /not encrypted/ },
  { rule: 'MLP-LOG-1', stack: 'azure-prod', what: '30-day logs in production', mutate: (j) => void (first(j, 'azurerm_log_analytics_workspace').retention_in_days = 30), message: /at least 365/ },
  { rule: 'MLP-SEC-1', stack: 'aws-dev', what: 'a secret without a CMK', mutate: (j) => void delete first(j, 'aws_secretsmanager_secret').kms_key_id, message: /customer-managed key/ },
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
  { rule: 'MLP-LB-1', stack: 'aws-prod', what: 'a TLS 1.0 policy', mutate: (j) => void (first(j, 'aws_lb_listener', 'https').ssl_policy = 'ELBSecurityPolicy-2016-08'), message: /below 1\.2/ },
  { rule: 'MLP-LB-1', stack: 'aws-prod', what: 'invalid headers kept', mutate: (j) => void (first(j, 'aws_lb').drop_invalid_header_fields = false), message: /invalid header/ },
  {
    rule: 'MLP-LB-1',
    stack: 'aws-prod',
    what: 'plain HTTP forwarding in production',
    mutate: (j) => void (first(j, 'aws_lb_listener', 'http-redirect').default_action = [{ type: 'forward' }]),
    message: /plain HTTP/,
  },
  { rule: 'MLP-IAM-1', stack: 'aws-dev', what: '* on *', mutate: (j) => addStatement(first(j, 'aws_iam_role_policy'), { Effect: 'Allow', Action: '*', Resource: '*' }), message: /"\*" on "\*"/ },
  {
    rule: 'MLP-DBX-1',
    stack: 'dbx-governance',
    what: 'a model-only level on a folder',
    mutate: (j) => void ((first(j, 'databricks_permissions', 'acc_experiment-folder').access_control as Block[])[0].permission_level = 'CAN_MANAGE_PRODUCTION_VERSIONS'),
    message: /not valid on a directory/,
  },
  {
    rule: 'MLP-DBX-1',
    stack: 'dbx-governance',
    what: 'admins in an ACL',
    mutate: (j) => void (first(j, 'databricks_permissions', 'acc_model-churn').access_control as Block[]).push({ group_name: 'admins', permission_level: 'CAN_MANAGE' }),
    message: /admins/,
  },
  {
    rule: 'MLP-DBX-2',
    stack: 'dbx-governance',
    what: 'users with CAN_MANAGE',
    mutate: (j) => void (first(j, 'databricks_permissions', 'acc_model-churn').access_control as Block[]).push({ group_name: 'users', permission_level: 'CAN_MANAGE' }),
    message: /users has CAN_MANAGE/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-governance',
    what: 'a non-production group on a production model',
    mutate: (j) => void (first(j, 'databricks_permissions', 'governance_production_model-churn').access_control as Block[]).push({ group_name: 'apps_acc', permission_level: 'CAN_READ' }),
    message: /apps_acc on production object churn_production/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-governance',
    what: 'users inheriting through the root model ACL',
    mutate: (j) => void (first(j, 'databricks_permissions', 'root-model').access_control as Block[]).push({ group_name: 'users', permission_level: 'CAN_READ' }),
    message: /users on production object root/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-unity-catalog',
    what: 'a non-production group on a production schema',
    mutate: (j) => void (first(j, 'databricks_grants', 'prod_schema').grant as Block[]).push({ principal: 'apps_dev', privileges: ['USE_SCHEMA'] }),
    message: /apps_dev on production schema ml_models\.prod/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-unity-catalog',
    what: 'a production model owned by another group',
    mutate: (j) => void (first(j, 'databricks_registered_model', 'prod_model-churn').owner = 'apps_acc'),
    message: /owned by apps_acc/,
  },
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
  // Issue 13 (hardening): more cases for these rules live in test/hardening-policy.test.ts.
  { rule: 'MLP-NET-2', stack: 'aws-dev', what: 'an internet-facing load balancer without a WAF', mutate: (j) => void (first(j, 'aws_lb').internal = false), message: /no WAF web ACL/ },
  { rule: 'MLP-NET-3', stack: 'aws-prod', what: 'an S3 gateway endpoint without a policy', mutate: (j) => void delete j.resource?.aws_vpc_endpoint_policy, message: /no endpoint policy/ },
  {
    rule: 'MLP-NET-4',
    stack: 'azure-prod',
    what: 'a database subnet open to the whole VNet',
    mutate: (j) => {
      for (const [k, r] of Object.entries(j.resource?.azurerm_network_security_rule ?? {})) if (r.access === 'Deny') delete j.resource?.azurerm_network_security_rule?.[k];
    },
    message: /no inbound rule denies the rest of the VNet/,
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

describe('policy pack', () => {
  it.each(CASES.map((c) => [c.rule, c.what, c] as const))('%s flags %s', (_id, _what, c) => {
    const json = structuredClone(fixtures[c.stack].json);
    c.mutate(json);
    const rule = RULES_BY_ID.get(c.rule);
    if (!rule) throw new Error(`unknown rule ${c.rule}`);
    const report = checkStack(json, fixtures[c.stack].config, [rule]);
    // Warning-level rules (MLP-OPS-1) report in warnings; the case list covers both levels.
    expect([...report.violations, ...report.warnings].map((v) => v.message)).toContainEqual(expect.stringMatching(c.message));
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s passes on the fixture configs and has something to check there', (_id, rule) => {
    let targets = 0;
    for (const { config, json } of Object.values(fixtures)) {
      const report = checkStack(json, config, [rule]);
      expect(report.violations).toEqual([]);
      expect(report.warnings).toEqual([]);
      targets += targetsOf(rule, { stackName: config.name, production: config.production, json }).length;
    }
    expect(targets).toBeGreaterThan(0);
  });

  it('has a non-compliant case for every rule', () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(RULES.map((r) => r.id)));
  });

  it('allows 0.0.0.0/0 on 443 to a load balancer only', () => {
    const json = structuredClone(fixtures['aws-dev'].json);
    for (const r of Object.values(json.resource?.aws_vpc_security_group_ingress_rule ?? {})) if (r.cidr_ipv4 === '10.0.0.0/8') r.cidr_ipv4 = '0.0.0.0/0';
    const report = checkStack(json, fixtures['aws-dev'].config, [RULES_BY_ID.get('MLP-NET-1') as (typeof RULES)[number]]);
    expect(report.violations.map((v) => v.message)).toEqual(['ingress from 0.0.0.0/0 on ports 80-80']);
  });

  it('README lists every rule, generated from the definitions (run `npm run docs`)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme).toBe(withRulesTable(readme));
    for (const rule of RULES) expect(readme).toContain(`| \`${rule.id}\` |`);
  });
});

describe('suppressions', () => {
  const base = AWS_DEV;

  it('accept one violation on one resource with a reason, and are reported', () => {
    const address = Object.keys(fixtures['aws-dev'].json.resource?.aws_db_instance ?? {})[0];
    const config = configFrom(`${base}suppressions:\n  - rule: MLP-DB-4\n    resource: aws_db_instance.${address}\n    reason: three days are enough for this throwaway sandbox\n`);
    const json = structuredClone(fixtures['aws-dev'].json);
    first(json, 'aws_db_instance').backup_retention_period = 3;
    const report = checkStack(json, config);
    expect(report.violations).toEqual([]);
    expect(report.suppressed.map((s) => `${s.rule.id} ${s.address}: ${s.reason}`)).toEqual([
      `MLP-DB-4 aws_db_instance.${address}: three days are enough for this throwaway sandbox`,
    ]);
  });

  it('are errors when they match nothing', () => {
    const config = configFrom(`${base}suppressions:\n  - rule: MLP-DB-4\n    resource: aws_db_instance.gone\n    reason: left over from an old migration window\n`);
    expect(checkStack(fixtures['aws-dev'].json, config).unusedSuppressions).toHaveLength(1);
  });

  it('need a known rule, an address and a real reason', () => {
    expect(rejectionsOf(`${base}suppressions:\n  - { rule: MLP-XX-9, resource: aws_s3_bucket.b, reason: because we said so, in writing }\n`, 'c.yaml')[0]).toMatch(
      /^c\.yaml: suppressions\[0\]\.rule: expected a policy rule id: MLP-DB-1, /,
    );
    expect(rejectionsOf(`${base}suppressions:\n  - { rule: MLP-DB-4, resource: aws_s3_bucket.b, reason: why not }\n`, 'c.yaml')).toEqual([
      'c.yaml: suppressions[0].reason: expected a written reason of at least 20 characters, got "why not"',
    ]);
  });
});

describe('policy failures at synth', () => {
  // Short log retention is a config choice the schema allows and the policy pack rejects.
  const shortLogs = edit(withName(AWS_DEV, 'short-logs'), 'tracking:\n', 'tracking:\n  logRetentionDays: 14\n');
  const logGroup = 'aws_cloudwatch_log_group.tracking_logs_63E82EA8';
  const run = (files: Record<string, string>) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-policy-'));
    const lines: string[] = [];
    const code = runPlatform({ configLocation: tempDirWith(files), outdir, out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return { code, output: lines.join('\n'), written: fs.readdirSync(outdir) };
  };

  it('exit non-zero with the rule id, the address and the fix, and write nothing for any stack', () => {
    const result = run({ 'a.yaml': shortLogs, 'b.yaml': DBX_GOVERNANCE });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      new RegExp(
        `Policy check failed; nothing was synthesized:\\n  \\S+/a\\.yaml: tracking\\.logRetentionDays: retention is 14 days; expected at least 30 \\[MLP-LOG-1 ${logGroup} in stack short-logs\\] \\(Logs are encrypted and kept for a bounded, sufficient time\\)\\. Fix: set tracking\\.logRetentionDays in \\S+/a\\.yaml; `,
      ),
    );
    expect(result.written).toEqual([]);
  });

  it('synthesize with a suppression, and list it', () => {
    const reason = 'short-lived sandbox, logs are exported to the SIEM daily';
    const result = run({ 'a.yaml': `${shortLogs}suppressions:\n  - rule: MLP-LOG-1\n    resource: ${logGroup}\n    reason: ${reason}\n` });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/^Policy check passed: 1 stack\(s\), \d+ rules, 1 suppression\(s\)\.\n/);
    expect(result.output).toContain(`short-logs: MLP-LOG-1 ${logGroup} suppressed: ${reason}`);
    expect(result.written.sort()).toEqual(['manifest.json', 'stacks']);
  });

  it('fail on a stale suppression', () => {
    const stale = `${AWS_DEV}suppressions:\n  - rule: MLP-DB-5\n    resource: aws_db_instance.nothing_here\n    reason: we expected a single-AZ exception here\n`;
    const result = run({ 'a.yaml': stale });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/\S+\/a\.yaml: suppressions\[0\]: suppression of MLP-DB-5 for aws_db_instance\.nothing_here matches no violation; remove it/);
    expect(result.written).toEqual([]);
  });
});
