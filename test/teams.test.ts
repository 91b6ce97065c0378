/**
 * Teams as MLflow workspaces: config rules, generated team-admin credentials on both clouds, the
 * server's own database role, and the outputs team admins and client-config read.
 * Workspace name rules: mlflow/store/workspace/abstract_store.py WorkspaceNameValidator
 * (`^(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, reserved names) and the reserved `default` workspace.
 */
import { type Block, configFrom, onlyResource, rejectionsOf, resourcesOf, serviceTaskDefinition, synth } from './helpers';

const aws = (teams: string, extra = '') => `name: t
environment: dev
cloud: aws
region: eu-west-1
database: {}
artifacts: {}
tracking:
  loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x
${extra}teams:
${teams}`;
const awsTeam = (name: string) => `  - name: ${name}\n    trustedPrincipals: [arn:aws:iam::123456789012:role/${name}-jobs]\n`;
const azure = (teams: string) => `name: t
environment: dev
cloud: azure
location: westeurope
database: {}
artifacts: {}
tracking: {}
teams:
${teams}`;
const azureTeam = (name: string, id: string) => `  - name: ${name}\n    principalIds: [00000000-0000-0000-0000-00000000000${id}]\n`;

describe('team names are MLflow workspace names', () => {
  it.each(['default', 'workspaces', 'api', 'ajax-api', 'static-files'])('refuses the reserved name %s', (name) => {
    expect(rejectionsOf(aws(awsTeam(name)), 'x.yaml').join('\n')).toMatch(/teams\[0\]\.name: expected a name MLflow does not reserve/);
  });

  it.each(['a--b', 'ends-', 'Upper', 'x'])('refuses %s (MLflow would refuse the workspace)', (name) => {
    expect(rejectionsOf(aws(awsTeam(name)), 'x.yaml').join('\n')).toMatch(/teams\[0\]\.name/);
  });

  it('refuses a team whose admin would be the MLflow admin', () => {
    const yaml = aws(awsTeam('ops'), '').replace('tracking:\n', 'tracking:\n  adminUsername: ops-admin\n');
    expect(rejectionsOf(yaml, 'x.yaml').join('\n')).toMatch(/teams\[0\]\.name: its team admin ops-admin would be the MLflow admin/);
  });
});

describe('AWS: team workspaces and the server database role', () => {
  const json = synth(configFrom(aws(awsTeam('vision') + awsTeam('team-b'))));
  const secrets = resourcesOf(json, 'aws_secretsmanager_secret');

  it('generates one team-admin secret per team, keyed by the team name, written write-only', () => {
    const teamSecrets = Object.entries(secrets).filter(([k]) => k.includes('team-admin'));
    expect(teamSecrets.map(([, s]) => s.name).sort()).toEqual(['t/mlflow-team-team-b-admin-password', 't/mlflow-team-vision-admin-password']);
    expect(teamSecrets.map(([k]) => k).join(' ')).toMatch(/tracking_team-admin-vision_secret_/);
    for (const version of Object.values(resourcesOf(json, 'aws_secretsmanager_secret_version'))) {
      expect(version.secret_string).toBeUndefined();
      expect(version.secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\./);
    }
    expect(Object.values(secrets).map((s) => s.name)).toContain('t/mlflow-server-database-password');
  });

  it('lets the execution role read exactly the secrets the containers reference', () => {
    const policy = Object.entries(resourcesOf(json, 'aws_iam_role_policy')).find(([k]) => k.includes('execution'))?.[1] as Block;
    const readable = (JSON.parse(String(policy.policy)) as { Statement: Block[] }).Statement.filter((s) => s.Action === 'secretsmanager:GetSecretValue').map((s) => String(s.Resource));
    const containers = JSON.parse(String(serviceTaskDefinition(json).container_definitions)) as { secrets?: { valueFrom: string }[] }[];
    const referenced = new Set(containers.flatMap((c) => c.secrets ?? []).map((s) => s.valueFrom.replace(/:(username|password)::$/, '')));
    expect([...referenced].sort()).toEqual([...new Set(readable)].sort());
  });

  it('outputs per team its workspace, team-admin secret, role and artifact prefix (the workspace layout)', () => {
    expect(json.output?.teams.value).toMatchObject({
      vision: { workspace: 'vision', admin_secret_arn: expect.stringMatching(/team-admin-vision/), artifact_prefix: 'workspaces/vision/' },
      'team-b': { workspace: 'team-b', artifact_prefix: 'workspaces/team-b/' },
    });
  });
});

describe('Azure: team workspaces and the server database role', () => {
  const json = synth(configFrom(azure(azureTeam('vision', '1') + azureTeam('team-b', '2'))));
  const kvSecrets = Object.values(resourcesOf(json, 'azurerm_key_vault_secret'));
  const app = onlyResource(json, 'azurerm_container_app');

  it('generates team-admin and server-role passwords into Key Vault, write-only, from ephemeral values', () => {
    expect(kvSecrets.map((s) => s.name).sort()).toEqual([
      'mlflow-admin-password',
      'mlflow-flask-secret-key',
      'mlflow-server-database-password',
      'mlflow-team-team-b-admin-password',
      'mlflow-team-vision-admin-password',
      'postgres-admin-password',
    ]);
    for (const s of kvSecrets) {
      expect(s.value).toBeUndefined();
      expect(String(s.value_wo)).toMatch(/^\$\{ephemeral\.random_password\./);
    }
    const ephemeral = (json as { ephemeral?: { random_password?: Record<string, unknown> } }).ephemeral;
    expect(Object.keys(ephemeral?.random_password ?? {})).toEqual(expect.arrayContaining(['tracking_team-admin-team-b', 'tracking_server-database-password']));
  });

  it('references every Key Vault secret from the app, and gives the team secrets to the init container only', () => {
    const names = ((app.secret ?? []) as Block[]).map((s) => String(s.name));
    expect(names).toEqual(expect.arrayContaining(['team-admin-vision', 'team-admin-team-b', 'server-db-password']));
    const template = app.template as { init_container: { env: Block[] }[]; container: { env: Block[] }[] };
    const init = template.init_container[0].env.map((e) => e.secret_name).filter(Boolean);
    const server = template.container[0].env.map((e) => e.secret_name).filter(Boolean);
    expect(init).toEqual(expect.arrayContaining(['db-password', 'admin-password', 'server-db-password', 'team-admin-vision', 'team-admin-team-b']));
    expect(server.sort()).toEqual(['flask-secret-key', 'server-db-password']);
  });

  it('limits each team principal to its workspace prefix and outputs the workspace and secret', () => {
    const conditions = Object.values(resourcesOf(json, 'azurerm_role_assignment')).map((r) => String(r.condition ?? ''));
    expect(conditions.filter((c) => c.includes("StringStartsWith 'workspaces/vision/'"))).toHaveLength(1);
    expect(json.output?.teams.value).toMatchObject({ vision: { workspace: 'vision', artifact_prefix: 'workspaces/vision/', admin_secret_id: expect.stringMatching(/versionless_id/) } });
  });
});

describe('without teams', () => {
  it('passes no team list to the init step on either cloud (Container Apps refuses empty env values)', () => {
    const awsJson = synth(configFrom(aws('').replace('teams:\n', '')));
    const containers = JSON.parse(String(serviceTaskDefinition(awsJson).container_definitions)) as { environment?: { name: string }[] }[];
    for (const c of containers) expect((c.environment ?? []).map((e) => e.name)).not.toContain('MLFLOW_PLATFORM_TEAMS');
    const azureJson = synth(configFrom(azure('').replace('teams:\n', '')));
    const template = onlyResource(azureJson, 'azurerm_container_app').template as { init_container: { env: Block[] }[] };
    expect(template.init_container[0].env.map((e) => e.name)).not.toContain('MLFLOW_PLATFORM_TEAMS');
    for (const e of template.init_container[0].env) expect(e.value ?? e.secret_name).toBeTruthy();
  });
});
