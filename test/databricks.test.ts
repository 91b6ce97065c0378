import { accessControlList, PERMISSION_LEVELS, ucGrants } from '../constructs/databricks/permission-levels';
import { type Block, type Synthesized, configFrom, rejectionsOf, resourcesOf, synth } from './helpers';

const governance = (environments: string, extra = '', top = 'environment: prod\n') => `name: dbx
${top}databricks:
  host: https://adb-1234567890123456.7.azuredatabricks.net
${extra}  environments:
${environments}  models: [churn, fraud_detection]
`;

const THREE_ENVS = `    - name: acc
      servicePrincipals:
        - applicationId: 11111111-2222-3333-4444-555555555555
        - displayName: scoring-acc
    - name: preprod
      servicePrincipals:
        - applicationId: 22222222-3333-4444-5555-666666666666
    - name: prod
      production: true
      servicePrincipals:
        - applicationId: 66666666-7777-8888-9999-000000000000
`;

/** The resource a `${type.name.attr}` reference points at. */
function deref(json: Synthesized, ref: unknown): Block {
  const match = /^\$\{([a-z_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(ref));
  if (!match) throw new Error(`not a reference: ${String(ref)}`);
  const target = resourcesOf(json, match[1])[match[2]];
  if (!target) throw new Error(`dangling reference ${String(ref)}`);
  return target;
}

interface Acl {
  /** The object: a folder path, a model name, or "root". */
  readonly object: string;
  readonly kind: 'directory' | 'registeredModel';
  readonly entries: { group_name?: string; permission_level: string }[];
}

/** Every databricks_permissions ACL with the object it applies to. */
function acls(json: Synthesized): Acl[] {
  return Object.values(resourcesOf(json, 'databricks_permissions')).map((p) => {
    const entries = p.access_control as Acl['entries'];
    if (p.directory_path) return { object: String(deref(json, p.directory_path).path), kind: 'directory', entries };
    if (p.registered_model_id === 'root') return { object: 'root', kind: 'registeredModel', entries };
    if (p.registered_model_id) return { object: String(deref(json, p.registered_model_id).name), kind: 'registeredModel', entries };
    throw new Error(`unexpected permissions object: ${JSON.stringify(p)}`);
  });
}

function aclOf(json: Synthesized, object: string): Acl['entries'] {
  const found = acls(json).filter((a) => a.object === object);
  if (found.length !== 1) throw new Error(`expected one ACL on ${object}, found ${found.length}`);
  return found[0].entries;
}

/**
 * Every object a production environment owns: its folder and models, and the shared parents
 * (root model ACL, experiments root) that production objects inherit from.
 */
function isProductionObject(object: string, prodEnvs: readonly string[]): boolean {
  return (
    object === 'root' ||
    object === '/experiments' ||
    prodEnvs.some((env) => object === `/experiments/${env}` || object.endsWith(`_${env}`))
  );
}

/** The isolation rule, checked over the whole synthesized stack. */
function isolationViolations(json: Synthesized, prodEnvs: readonly string[]): string[] {
  const prodGroups = prodEnvs.map((e) => `apps_${e}`);
  return acls(json).flatMap((acl) =>
    isProductionObject(acl.object, prodEnvs)
      ? acl.entries.filter((e) => !prodGroups.includes(e.group_name ?? '')).map((e) => `${e.group_name} ${e.permission_level} on ${acl.object}`)
      : [],
  );
}

describe('Databricks governance, workspace registry', () => {
  const json = synth(configFrom(governance(THREE_ENVS)));

  it('creates a group per environment and apps_all', () => {
    const names = Object.values(resourcesOf(json, 'databricks_group')).map((g) => g.display_name);
    expect(names.sort()).toEqual(['apps_acc', 'apps_all', 'apps_preprod', 'apps_prod']);
  });

  it('adds existing principals by application id and creates Databricks-managed ones by name', () => {
    const sps = Object.values(resourcesOf(json, 'databricks_service_principal'));
    expect(sps.map((s) => s.application_id ?? `name:${String(s.display_name)}`).sort()).toEqual([
      '11111111-2222-3333-4444-555555555555',
      '22222222-3333-4444-5555-666666666666',
      '66666666-7777-8888-9999-000000000000',
      'name:scoring-acc',
    ]);
  });

  it('makes every principal a member of its environment group and of apps_all, and nothing else', () => {
    const memberships = Object.values(resourcesOf(json, 'databricks_group_member')).map((m) => {
      const sp = deref(json, m.member_id);
      return `${String(sp.application_id ?? sp.display_name)} -> ${String(deref(json, m.group_id).display_name)}`;
    });
    expect(memberships.sort()).toEqual([
      '11111111-2222-3333-4444-555555555555 -> apps_acc',
      '11111111-2222-3333-4444-555555555555 -> apps_all',
      '22222222-3333-4444-5555-666666666666 -> apps_all',
      '22222222-3333-4444-5555-666666666666 -> apps_preprod',
      '66666666-7777-8888-9999-000000000000 -> apps_all',
      '66666666-7777-8888-9999-000000000000 -> apps_prod',
      'scoring-acc -> apps_acc',
      'scoring-acc -> apps_all',
    ]);
  });

  it('grants each environment folder to its own group only, at the level that creates experiments', () => {
    for (const env of ['acc', 'preprod', 'prod']) {
      expect(aclOf(json, `/experiments/${env}`)).toEqual([{ group_name: `apps_${env}`, permission_level: 'CAN_MANAGE' }]);
    }
  });

  it('creates <model>_<env> for every model and environment', () => {
    const names = Object.values(resourcesOf(json, 'databricks_mlflow_model')).map((m) => m.name);
    expect(names.sort()).toEqual([
      'churn_acc',
      'churn_preprod',
      'churn_prod',
      'fraud_detection_acc',
      'fraud_detection_preprod',
      'fraud_detection_prod',
    ]);
  });

  it('lets non-production groups manage staging versions and production groups production versions of their own models', () => {
    expect(aclOf(json, 'churn_acc')).toEqual([{ group_name: 'apps_acc', permission_level: 'CAN_MANAGE_STAGING_VERSIONS' }]);
    expect(aclOf(json, 'fraud_detection_preprod')).toEqual([
      { group_name: 'apps_preprod', permission_level: 'CAN_MANAGE_STAGING_VERSIONS' },
    ]);
    expect(aclOf(json, 'churn_prod')).toEqual([{ group_name: 'apps_prod', permission_level: 'CAN_MANAGE_PRODUCTION_VERSIONS' }]);
  });

  it('manages the root model ACL and the experiments root so inheritance cannot leak production objects', () => {
    expect(aclOf(json, 'root')).toEqual([{ group_name: 'apps_prod', permission_level: 'CAN_READ' }]);
    expect(aclOf(json, '/experiments')).toEqual([{ group_name: 'apps_prod', permission_level: 'CAN_READ' }]);
  });

  it('isolation: no non-production principal holds anything on a production object', () => {
    expect(isolationViolations(json, ['prod'])).toEqual([]);
  });

  it('isolation check fails when a non-production group is granted on a production object', () => {
    const leaky = structuredClone(json) as Synthesized;
    const perms = Object.values(resourcesOf(leaky, 'databricks_permissions'));
    const prodModel = perms.find((p) => String(p.registered_model_id).includes('governance_prod_model-churn_'));
    (prodModel?.access_control as Block[]).push({ group_name: 'apps_acc', permission_level: 'CAN_READ' });
    expect(isolationViolations(leaky, ['prod'])).toEqual(['apps_acc CAN_READ on churn_prod']);
  });

  it('never names users or admins, and uses only levels valid for each object type', () => {
    for (const acl of acls(json)) {
      for (const entry of acl.entries) {
        expect(['users', 'admins']).not.toContain(entry.group_name);
        expect(PERMISSION_LEVELS[acl.kind]).toContain(entry.permission_level);
      }
    }
  });

  it('protects production folders and models of a production deployment from destruction', () => {
    const protectedObjects = [
      ...Object.values(resourcesOf(json, 'databricks_mlflow_model')),
      ...Object.values(resourcesOf(json, 'databricks_directory')),
    ]
      .filter((r) => (r.lifecycle as Block | undefined)?.prevent_destroy === true)
      .map((r) => r.name ?? r.path);
    expect(protectedObjects.sort()).toEqual(['/experiments/prod', 'churn_prod', 'fraud_detection_prod']);
  });

  it('leaves a non-production deployment destroyable', () => {
    const dev = synth(configFrom(governance(THREE_ENVS, '', 'environment: dev\n')));
    expect(JSON.stringify(dev)).not.toContain('prevent_destroy');
  });

  it('outputs group, folder and model names per environment', () => {
    expect(json.output?.databricks_environments.value).toEqual({
      acc: { group: 'apps_acc', experiment_folder: '/experiments/acc', models: ['churn_acc', 'fraud_detection_acc'], production: false },
      preprod: {
        group: 'apps_preprod',
        experiment_folder: '/experiments/preprod',
        models: ['churn_preprod', 'fraud_detection_preprod'],
        production: false,
      },
      prod: { group: 'apps_prod', experiment_folder: '/experiments/prod', models: ['churn_prod', 'fraud_detection_prod'], production: true },
    });
  });

  it('points the provider at the configured host and keeps credentials out of the config', () => {
    expect(json.provider?.databricks).toEqual([{ host: 'https://adb-1234567890123456.7.azuredatabricks.net' }]);
  });

  it('gives several production environments production grants on their own models only', () => {
    const two = synth(configFrom(governance('    - name: acc\n    - name: prod\n    - name: prod_eu\n      production: true\n')));
    expect(aclOf(two, 'churn_prod')).toEqual([{ group_name: 'apps_prod', permission_level: 'CAN_MANAGE_PRODUCTION_VERSIONS' }]);
    expect(aclOf(two, 'churn_prod_eu')).toEqual([{ group_name: 'apps_prod_eu', permission_level: 'CAN_MANAGE_PRODUCTION_VERSIONS' }]);
    expect(aclOf(two, 'root')).toEqual([
      { group_name: 'apps_prod', permission_level: 'CAN_READ' },
      { group_name: 'apps_prod_eu', permission_level: 'CAN_READ' },
    ]);
    expect(isolationViolations(two, ['prod', 'prod_eu']).filter((v) => !/apps_prod(_eu)? /.test(v))).toEqual([]);
  });

  it('with no production environment, the shared parents are readable by apps_all', () => {
    const noProd = synth(configFrom(governance('    - name: dev\n    - name: acc\n')));
    expect(aclOf(noProd, 'root')).toEqual([{ group_name: 'apps_all', permission_level: 'CAN_READ' }]);
  });

  it('honours a custom experiments root with the Unity Catalog registry (the workspace registry rejects it)', () => {
    const custom = synth(configFrom(governance('    - name: acc\n', '  registry: unity-catalog\n  experimentsRoot: /Shared/mlflow\n')));
    expect(aclOf(custom, '/Shared/mlflow/acc')).toEqual([{ group_name: 'apps_acc', permission_level: 'CAN_MANAGE' }]);
  });
});

describe('Databricks governance, Unity Catalog registry', () => {
  const ucAccount = `  registry: unity-catalog
  unityCatalog:
    catalog: ml
    account: { id: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, workspaceId: "1234567890123456" }
`;
  const json = synth(configFrom(governance(THREE_ENVS, ucAccount)));
  const grantsOn = (key: 'catalog' | 'schema', name: string) =>
    Object.values(resourcesOf(json, 'databricks_grants')).find((g) => g[key] === name || (key === 'catalog' && String(g.catalog).includes('databricks_catalog')))
      ?.grant as { principal: string; privileges: string[] }[];

  it('creates the catalog and a schema per environment', () => {
    expect(Object.values(resourcesOf(json, 'databricks_catalog')).map((c) => c.name)).toEqual(['ml']);
    expect(Object.values(resourcesOf(json, 'databricks_schema')).map((s) => s.name)).toEqual(['acc', 'preprod', 'prod']);
  });

  it('lets each group use its own schema and create and execute models there; production may read the others', () => {
    expect(grantsOn('schema', 'ml.acc')).toEqual([
      { principal: 'apps_acc', privileges: ['USE_SCHEMA', 'CREATE_MODEL', 'EXECUTE'] },
      { principal: 'apps_prod', privileges: ['USE_SCHEMA', 'EXECUTE'] },
    ]);
    expect(grantsOn('schema', 'ml.prod')).toEqual([{ principal: 'apps_prod', privileges: ['USE_SCHEMA', 'CREATE_MODEL', 'EXECUTE'] }]);
    expect(grantsOn('catalog', 'ml').map((g) => `${g.principal}:${g.privileges.join()}`)).toEqual([
      'apps_acc:USE_CATALOG',
      'apps_preprod:USE_CATALOG',
      'apps_prod:USE_CATALOG',
    ]);
  });

  it('makes each environment group the owner of its models, so only it creates versions', () => {
    const models = Object.values(resourcesOf(json, 'databricks_registered_model')).map((m) => `${String(m.schema_name)}.${String(m.name)}:${String(m.owner)}`);
    expect(models.sort()).toEqual([
      'acc.churn:apps_acc',
      'acc.fraud_detection:apps_acc',
      'preprod.churn:apps_preprod',
      'preprod.fraud_detection:apps_preprod',
      'prod.churn:apps_prod',
      'prod.fraud_detection:apps_prod',
    ]);
  });

  it('isolation: no non-production group holds a privilege on a production securable', () => {
    const prodGrants = Object.values(resourcesOf(json, 'databricks_grants')).filter((g) => g.schema === 'ml.prod');
    const principals = prodGrants.flatMap((g) => (g.grant as { principal: string }[]).map((x) => x.principal));
    expect(principals).toEqual(['apps_prod']);
    const prodModels = Object.values(resourcesOf(json, 'databricks_registered_model')).filter((m) => m.schema_name === 'prod');
    expect(new Set(prodModels.map((m) => m.owner))).toEqual(new Set(['apps_prod']));
  });

  it('creates account-level groups through an account provider and assigns them to the workspace', () => {
    expect(json.provider?.databricks).toEqual([
      { host: 'https://adb-1234567890123456.7.azuredatabricks.net' },
      { alias: 'account', host: 'https://accounts.azuredatabricks.net', account_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
    ]);
    const groups = Object.values(resourcesOf(json, 'databricks_group'));
    expect(groups.every((g) => g.provider === 'databricks.account')).toBe(true);
    const assignments = Object.values(resourcesOf(json, 'databricks_mws_permission_assignment'));
    expect(assignments).toHaveLength(4);
    expect(assignments.every((a) => a.workspace_id === 1234567890123456 && JSON.stringify(a.permissions) === '["USER"]')).toBe(true);
  });

  it('references existing account groups by name when no account is given', () => {
    const existing = synth(configFrom(governance('    - name: acc\n    - name: prod\n', '  registry: unity-catalog\n')));
    expect(resourcesOf(existing, 'databricks_group')).toEqual({});
    expect(Object.values(resourcesOf(existing, 'databricks_catalog')).map((c) => c.name)).toEqual(['mlflow']);
  });
});

describe('Databricks config validation', () => {
  const problems = (text: string) => rejectionsOf(text, 'deployments/dbx.yaml');

  it.each([
    ['an invalid environment name', '    - name: Prod-EU\n', 'databricks.environments[0].name: expected lowercase letters, digits and _, starting with a letter, at most 20 characters, got "Prod-EU"'],
    ['duplicate environments', '    - name: acc\n    - name: acc\n', 'databricks.environments[1].name: duplicate environment name; each must be unique, got "acc"'],
    ['no environment', '    []\n', 'databricks.environments: expected at least one environment'],
    [
      'a principal with neither id nor name',
      '    - name: acc\n      servicePrincipals:\n        - {}\n',
      'databricks.environments[0].servicePrincipals[0]: expected applicationId (an existing principal) or displayName (a new Databricks-managed one)',
    ],
    [
      'a malformed application id',
      '    - name: acc\n      servicePrincipals:\n        - applicationId: not-a-uuid\n',
      'databricks.environments[0].servicePrincipals[0].applicationId: expected an application id: a lowercase UUID such as 11111111-2222-3333-4444-555555555555, got "not-a-uuid"',
    ],
    [
      'a principal in two environments',
      '    - name: acc\n      servicePrincipals: [{ applicationId: 11111111-2222-3333-4444-555555555555 }]\n    - name: prod\n      servicePrincipals: [{ applicationId: 11111111-2222-3333-4444-555555555555 }]\n',
      'databricks.environments[1].servicePrincipals[0]: duplicate service principal (a principal belongs to one environment only); each must be unique',
    ],
  ])('rejects %s', (_what, envs, message) => {
    expect(problems(governance(envs))).toContainEqual(expect.stringContaining(message));
  });

  it('rejects duplicate and invalid model names', () => {
    const text = governance('    - name: acc\n').replace('models: [churn, fraud_detection]', 'models: [churn, churn, Fraud]');
    expect(problems(text)).toEqual([
      'deployments/dbx.yaml: databricks.models[2]: expected lowercase letters, digits and _, starting with a letter, got "Fraud"',
      'deployments/dbx.yaml: databricks.models[1]: duplicate model name; each must be unique, got "churn"',
    ]);
    const dup = governance('    - name: acc\n').replace('models: [churn, fraud_detection]', 'models: [churn, churn]');
    expect(problems(dup)).toEqual(['deployments/dbx.yaml: databricks.models[1]: duplicate model name; each must be unique, got "churn"']);
  });

  it('rejects a plain-http host', () => {
    expect(problems(governance('    - name: acc\n').replace('https://adb', 'http://adb'))).toEqual([
      'deployments/dbx.yaml: databricks.host: expected an https:// workspace URL, got "http://adb-1234567890123456.7.azuredatabricks.net"',
    ]);
  });

  it('rejects unityCatalog settings with the workspace registry', () => {
    expect(problems(governance('    - name: acc\n', '  unityCatalog: { catalog: ml }\n'))).toEqual([
      'deployments/dbx.yaml: databricks.unityCatalog: only allowed with registry: unity-catalog',
    ]);
  });

  it('rejects service principals for existing account groups', () => {
    const text = governance('    - name: acc\n      servicePrincipals: [{ displayName: x }]\n', '  registry: unity-catalog\n');
    expect(problems(text)).toEqual([
      expect.stringMatching(/^deployments\/dbx\.yaml: databricks\.environments\[0\]\.servicePrincipals: existing account groups are managed in the identity provider/),
    ]);
  });

  it('requires the databricks section in a governance-only deployment', () => {
    expect(problems('name: dbx\nenvironment: prod\n')).toEqual([
      'deployments/dbx.yaml: databricks: expected object, received undefined, got nothing',
    ]);
  });
});

describe('permission level checks', () => {
  it('rejects a level that is not valid for the object type', () => {
    // CAN_MANAGE_PRODUCTION_VERSIONS exists only for registered models.
    expect(() => accessControlList('directory', [{ group: 'g', level: 'CAN_MANAGE_PRODUCTION_VERSIONS' as 'CAN_READ' }])).toThrow(
      'CAN_MANAGE_PRODUCTION_VERSIONS is not a valid permission level for a directory; valid: CAN_READ, CAN_RUN, CAN_EDIT, CAN_MANAGE',
    );
  });

  it('never puts admins in an access control list', () => {
    expect(() => accessControlList('registeredModel', [{ group: 'admins', level: 'CAN_MANAGE' }])).toThrow(/cannot grant to admins/);
  });

  it('rejects an empty list and duplicate groups', () => {
    expect(() => accessControlList('directory', [])).toThrow(/at least one entry/);
    expect(() =>
      accessControlList('directory', [
        { group: 'g', level: 'CAN_READ' },
        { group: 'g', level: 'CAN_EDIT' },
      ]),
    ).toThrow(/appears twice/);
  });

  it('rejects a Unity Catalog privilege that does not apply to the securable', () => {
    expect(() => ucGrants('model', [{ principal: 'g', privileges: ['USE_SCHEMA' as 'EXECUTE'] }])).toThrow(
      'USE_SCHEMA is not a valid privilege on a model; valid: ALL_PRIVILEGES, APPLY_TAG, EXECUTE',
    );
  });
});
