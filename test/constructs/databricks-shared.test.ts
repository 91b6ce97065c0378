/**
 * The constructs of constructs/databricks on their own: built with explicit props in a bare stack
 * (cdktf Testing.synthScope), never from a config file, with targeted assertions on what they write
 * and a failing-input test for each validation error. constructs/shared holds functions only (no
 * construct): the ones a construct's output depends on are exercised through these constructs and
 * through test/constructs/aws.test.ts.
 */
import { Testing, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DatabricksProvider } from '@cdktf/provider-databricks/lib/provider';
import { DatabricksGovernance, type DatabricksGovernanceProps, governanceLayout } from '../../constructs/databricks/governance';
import { modelNameCollisions } from '../../constructs/databricks/model-names';
import { accessControlList, ucGrants } from '../../constructs/databricks/permission-levels';
import { alarmThresholds } from '../../constructs/shared/alarm-thresholds';
import { compactName, shortHash } from '../../constructs/shared/naming';
import { serverTuning } from '../../constructs/shared/server-tuning';

type Block = Record<string, unknown>;
interface Json {
  readonly resource?: Record<string, Record<string, Block>>;
}

function synthOf(build: (scope: Construct) => void): Json {
  return JSON.parse(Testing.synthScope((scope) => build(scope))) as Json;
}

function resources(json: Json, type: string): Block[] {
  return Object.values(json.resource?.[type] ?? {});
}

const ENVIRONMENTS: DatabricksGovernanceProps['environments'] = [
  { name: 'dev', servicePrincipals: [{ applicationId: '00000000-0000-0000-0000-000000000001' }] },
  { name: 'prod', production: true, servicePrincipals: [{ displayName: 'prod-deployer' }] },
];

function governance(props: Partial<DatabricksGovernanceProps> = {}) {
  return (scope: Construct) => new DatabricksGovernance(scope, 'governance', { environments: ENVIRONMENTS, models: ['churn'], ...props });
}

/** The access control entries of the databricks_permissions whose target attribute equals `value`. */
function aclOf(json: Json, attribute: string, value: string): Block[] {
  const permissions = resources(json, 'databricks_permissions').find((p) => p[attribute] === value || String(p[attribute]).includes(value));
  if (!permissions) throw new Error(`no databricks_permissions on ${attribute} ${value}`);
  return permissions.access_control as Block[];
}

describe('DatabricksGovernance (workspace registry)', () => {
  it('a group per environment and an all-environments group, with each service principal in both', () => {
    const json = synthOf(governance());
    expect(resources(json, 'databricks_group').map((g) => g.display_name).sort()).toEqual(['apps_all', 'apps_dev', 'apps_prod']);
    const principals = resources(json, 'databricks_service_principal');
    expect(principals.map((p) => p.application_id ?? p.display_name).sort()).toEqual(['00000000-0000-0000-0000-000000000001', 'prod-deployer']);
    expect(resources(json, 'databricks_group_member')).toHaveLength(4);
  });

  it('experiment folders only their environment\'s group manages; the root only production reads', () => {
    const json = synthOf(governance());
    expect(resources(json, 'databricks_directory').map((d) => d.path).sort()).toEqual(['/experiments', '/experiments/dev', '/experiments/prod']);
    expect(aclOf(json, 'directory_path', 'databricks_directory.governance_dev_experiment-folder')).toEqual([{ group_name: 'apps_dev', permission_level: 'CAN_MANAGE' }]);
    expect(aclOf(json, 'directory_path', 'databricks_directory.governance_experiments-root')).toEqual([{ group_name: 'apps_prod', permission_level: 'CAN_READ' }]);
  });

  it('a model per environment named <model>_<env>: staging versions for dev, production versions for prod, and the root model ACL replaced', () => {
    const json = synthOf(governance());
    const models = resources(json, 'databricks_mlflow_model');
    expect(models.map((m) => m.name).sort()).toEqual(['churn_dev', 'churn_prod']);
    expect(models.find((m) => m.name === 'churn_prod')?.lifecycle).toEqual({ prevent_destroy: true });
    expect(models.find((m) => m.name === 'churn_dev')?.lifecycle).toBeUndefined();
    const modelAcls = resources(json, 'databricks_permissions').filter((p) => p.registered_model_id !== undefined).map((p) => p.access_control);
    expect(modelAcls).toEqual(
      expect.arrayContaining([
        [{ group_name: 'apps_dev', permission_level: 'CAN_MANAGE_STAGING_VERSIONS' }],
        [{ group_name: 'apps_prod', permission_level: 'CAN_MANAGE_PRODUCTION_VERSIONS' }],
        [{ group_name: 'apps_prod', permission_level: 'CAN_READ' }],
      ]),
    );
    expect(resources(json, 'databricks_permissions').find((p) => p.registered_model_id === 'root')).toBeDefined();
  });

  it('protectProduction false: no prevent_destroy anywhere; without production the all group reads the shared parents', () => {
    const json = synthOf(governance({ protectProduction: false, environments: [{ name: 'dev' }, { name: 'test' }], groupPrefix: 'ml' }));
    expect(resources(json, 'databricks_mlflow_model').every((m) => m.lifecycle === undefined)).toBe(true);
    expect(resources(json, 'databricks_directory').every((d) => d.lifecycle === undefined)).toBe(true);
    expect(aclOf(json, 'registered_model_id', 'root')).toEqual([{ group_name: 'ml_all', permission_level: 'CAN_READ' }]);
  });
});

describe('DatabricksGovernance (Unity Catalog)', () => {
  it('existing account groups are only named: a catalog, a schema and registered models per environment, grants to the groups', () => {
    const json = synthOf(governance({ registry: 'unity-catalog', environments: [{ name: 'dev' }, { name: 'prod', production: true }], unityCatalog: { catalog: 'ml' } }));
    expect(resources(json, 'databricks_group')).toEqual([]);
    expect(resources(json, 'databricks_catalog')).toEqual([expect.objectContaining({ name: 'ml', force_destroy: false, lifecycle: { prevent_destroy: true } })]);
    expect(resources(json, 'databricks_schema').map((s) => s.name).sort()).toEqual(['dev', 'prod']);
    const models = resources(json, 'databricks_registered_model');
    expect(models.map((m) => `${m.schema_name}.${m.name}:${m.owner}`).sort()).toEqual(['dev.churn:apps_dev', 'prod.churn:apps_prod']);
    // In the catalog the construct created (a reference, so the model waits for it).
    expect(models.every((m) => /^\$\{databricks_catalog\.governance_catalog[^.]*\.name\}$/.test(String(m.catalog_name)))).toBe(true);
    const grants = resources(json, 'databricks_grants');
    const devSchema = grants.find((g) => g.schema === 'ml.dev');
    expect(devSchema?.grant).toEqual([
      { principal: 'apps_dev', privileges: ['USE_SCHEMA', 'CREATE_MODEL', 'EXECUTE'] },
      { principal: 'apps_prod', privileges: ['USE_SCHEMA', 'EXECUTE'] },
    ]);
    expect(grants.find((g) => g.schema === 'ml.prod')?.grant).toEqual([{ principal: 'apps_prod', privileges: ['USE_SCHEMA', 'CREATE_MODEL', 'EXECUTE'] }]);
    expect(resources(json, 'databricks_permissions').find((p) => p.registered_model_id === 'root')).toBeUndefined();
  });

  it('with an account: groups, principals and memberships through the account provider, each group assigned to the workspace', () => {
    const json = synthOf((scope) => {
      const account = new DatabricksProvider(scope, 'account', { alias: 'account', host: 'https://accounts.cloud.databricks.com', accountId: 'acc' });
      new DatabricksGovernance(scope, 'governance', {
        environments: ENVIRONMENTS,
        registry: 'unity-catalog',
        unityCatalog: { account: { accountId: 'acc', workspaceId: '1234', provider: account } },
      });
    });
    const groups = resources(json, 'databricks_group');
    expect(groups).toHaveLength(3);
    expect(groups.every((g) => g.provider === 'databricks.account')).toBe(true);
    const assignments = resources(json, 'databricks_mws_permission_assignment');
    expect(assignments).toHaveLength(3);
    expect(assignments.every((a) => a.workspace_id === 1234 && JSON.stringify(a.permissions) === '["USER"]')).toBe(true);
  });
});

describe('DatabricksGovernance validation', () => {
  const build = (props: Partial<DatabricksGovernanceProps>) => () => governance(props)(new TerraformStack(Testing.app(), 'stack'));

  it.each<[string, Partial<DatabricksGovernanceProps>, RegExp]>([
    ['no environment', { environments: [] }, /DatabricksGovernance needs at least one environment/],
    ['an environment listed twice', { environments: [{ name: 'dev' }, { name: 'dev' }] }, /environment dev is listed twice/],
    ['a model listed twice', { models: ['churn', 'churn'] }, /model churn is listed twice/],
    ['a service principal without an identity', { environments: [{ name: 'dev', servicePrincipals: [{}] }] }, /environment dev: a service principal needs an applicationId or a displayName/],
    ['a service principal listed twice', { environments: [{ name: 'dev', servicePrincipals: [{ displayName: 'ci' }, { displayName: 'ci' }] }] }, /environment dev: service principal ci is listed twice/],
    [
      'workspace model names that collide (<model>_<env>)',
      { models: ['a', 'a_b'], environments: [{ name: 'b_c' }, { name: 'c' }] },
      /DatabricksGovernance: registered model name a_b_c of model a_b in environment c is also the name of model a in environment b_c/,
    ],
    [
      'service principals with existing Unity Catalog account groups',
      { registry: 'unity-catalog', environments: [{ name: 'dev', servicePrincipals: [{ displayName: 'ci' }] }] },
      /environment dev: service principals need groups created by this construct/,
    ],
  ])('rejects %s', (_what, props, message) => {
    expect(build(props)).toThrow(message);
  });

  it('the same colliding names are fine in Unity Catalog (<catalog>.<env>.<model>)', () => {
    expect(build({ registry: 'unity-catalog', models: ['a', 'a_b'], environments: [{ name: 'b_c' }, { name: 'c' }] })).not.toThrow();
  });
});

describe('governance naming and permission helpers', () => {
  it('governanceLayout names groups, folders, models and schemas in one place', () => {
    const layout = governanceLayout({ environments: [{ name: 'dev' }, { name: 'prod', production: true }], models: ['m'], registry: 'unity-catalog' });
    expect(layout.allGroupName).toBe('apps_all');
    expect(layout.environments[1]).toEqual({
      name: 'prod',
      production: true,
      groupName: 'apps_prod',
      experimentFolder: '/experiments/prod',
      modelNames: ['mlflow.prod.m'],
      schema: 'mlflow.prod',
    });
    expect(governanceLayout({ environments: [{ name: 'dev' }], models: ['m'] }).environments[0].modelNames).toEqual(['m_dev']);
  });

  it('modelNameCollisions reports each later pair that reuses a name', () => {
    expect(modelNameCollisions(['a', 'b'], ['dev', 'prod'])).toEqual([]);
    expect(modelNameCollisions(['a', 'a_b'], ['b_c', 'c'])).toEqual([expect.objectContaining({ modelIndex: 1 })]);
  });

  it('accessControlList maps groups to levels', () => {
    expect(accessControlList('experiment', [{ group: 'g', level: 'CAN_EDIT' }])).toEqual([{ groupName: 'g', permissionLevel: 'CAN_EDIT' }]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['an empty access control list', () => accessControlList('directory', []), /an access control list for a directory needs at least one entry/],
    [
      'a level the object type does not have',
      () => accessControlList('directory', [{ group: 'g', level: 'CAN_MANAGE_PRODUCTION_VERSIONS' as 'CAN_READ' }]),
      /CAN_MANAGE_PRODUCTION_VERSIONS is not a valid permission level for a directory; valid: CAN_READ, CAN_RUN, CAN_EDIT, CAN_MANAGE/,
    ],
    ['admins in an access control list', () => accessControlList('registeredModel', [{ group: 'admins', level: 'CAN_READ' }]), /cannot grant to admins/],
    [
      'a group twice in one list',
      () => accessControlList('registeredModel', [{ group: 'g', level: 'CAN_READ' }, { group: 'g', level: 'CAN_EDIT' }]),
      /group g appears twice in one access control list/,
    ],
    ['a privilege the securable does not have', () => ucGrants('model', [{ principal: 'g', privileges: ['USE_CATALOG' as 'EXECUTE'] }]), /USE_CATALOG is not a valid privilege on a model/],
    ['a Unity Catalog grant to admins', () => ucGrants('schema', [{ principal: 'admins', privileges: ['USE_SCHEMA'] }]), /cannot grant to admins/],
  ])('rejects %s', (_what, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('constructs/shared helpers the constructs build on', () => {
  it('alarmThresholds: production pages earlier on every alarm', () => {
    const prod = alarmThresholds(true);
    const dev = alarmThresholds(false);
    expect(prod.errorRatePercent).toBeLessThan(dev.errorRatePercent);
    expect(prod.latencyP90Seconds).toBeLessThan(dev.latencyP90Seconds);
    expect(prod.databaseCpuPercent).toBeLessThan(dev.databaseCpuPercent);
    expect(prod.connectionsPercent).toBeLessThan(dev.connectionsPercent);
    expect(prod.freeStoragePercent).toBeGreaterThan(dev.freeStoragePercent);
  });

  it('compactName: lowercase letters and digits, at most max characters, a stable hash suffix that tells long names apart', () => {
    const a = compactName('st', 'My-Platform_Production-Artifacts', 24);
    expect(a).toMatch(/^[a-z0-9]{24}$/);
    expect(a.startsWith('stmyplatformproduc')).toBe(true);
    expect(a.endsWith(shortHash('My-Platform_Production-Artifacts'))).toBe(true);
    expect(compactName('st', 'My-Platform_Production-Artifacts', 24)).toBe(a);
    expect(compactName('st', 'My-Platform_Production-Artifacts2', 24)).not.toBe(a);
    expect(compactName('kv', 'x', 24)).toBe(`kvx${shortHash('x')}`);
  });

  it('serverTuning: keep-alive 5 s past the load balancer idle timeout; pool variables only when a pool is sized', () => {
    expect(serverTuning({ idleTimeoutSeconds: 600 })).toEqual([{ name: 'UVICORN_TIMEOUT_KEEP_ALIVE', value: '605' }]);
    const names = serverTuning({ idleTimeoutSeconds: 60, pool: { poolSize: 3, maxOverflow: 2 } }).map((e) => e.name);
    expect(names).toEqual(['MLFLOW_SQLALCHEMYSTORE_POOL_SIZE', 'MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW', 'UVICORN_TIMEOUT_KEEP_ALIVE']);
  });
});
