/**
 * Contract: the environment client, unmodified, does its whole job in its own environment and
 * nothing outside it, against every shipped workspace-registry governance deployment.
 *
 * The client's rules are encoded below as DATA, read from its source (not copied):
 *   github.com/nederlandsespoorwegen/environment_mlflow_client, tag 3.0.2 (commit 94d6c7f),
 *   environment_mlflow_client/env_mlflow_client.py: ENVIRONMENT_KEY = "MLFLOW_ENV";
 *   get_env_model_name -> f"{name}_{env}"; get_env_experiment_name -> f"/experiments/{env}/{name}";
 *   stage_lookup: "Production" for "production", "Staging" for every other name;
 *   log_model_helper -> flavor.log_model, mlflow.register_model (create registered model, tolerating
 *   "already exists", then create a version; mlflow/tracking/_model_registry/fluent.py
 *   _register_model), transition_model_version_stage; get_latest_versions(stages=[stage]),
 *   set_model_version_tag / set_registered_model_tag, load_model_version / load_latest_model
 *   (flavor.load_model(version.source), the run's artifacts). pyproject.toml: mlflow ^2.1.0.
 *
 * The permission levels' meaning is encoded as data from the Databricks documentation:
 *   MLflow model permissions: docs.databricks.com/en/mlflow/models-acl.html ("Share MLflow Models");
 *   MLflow experiment permissions: docs.databricks.com/en/mlflow/experiments-acl.html ("Share
 *   experiments": experiments inherit their folder's permissions; creating an experiment needs
 *   Can Edit or Can Manage on its folder);
 *   folder permissions: learn.microsoft.com/azure/databricks/security/auth-authz/access-control/workspace-acl
 *   ("Create, import, and delete items": Can Manage; "Notebooks and experiments in a folder inherit
 *   all permissions settings of that folder");
 *   the registry-wide root model ACL (`registered_model_id = "root"`) is inherited by every
 *   registered model: terraform-provider-databricks v1.99.0 docs/resources/permissions.md
 *   ("MLflow Model usage") and the Permissions API ("Registered models can inherit permissions
 *   from their root object").
 *
 * This is the one test that reads the shipped configs: it is a contract over them. The checker's
 * own behaviour is tested on configs built here.
 */
import * as path from 'node:path';
import { databricksHandout } from '../cli/client/databricks-handout';
import { loadDeployments } from '../stacks/config/load';
import { type Block, type Synthesized, SHIPPED_CONFIGS, configFrom, resourcesOf, synthOnce } from './helpers';

// ---------------------------------------------------------------------------------------------
// The client's naming and stage rules (data).

const CLIENT = {
  environmentVariable: 'MLFLOW_ENV',
  experimentFolder: '/experiments/{env}',
  experimentName: '/experiments/{env}/{name}',
  modelName: '{model}_{env}',
  stageByEnvironment: { production: 'Production' } as Readonly<Record<string, Stage>>,
  defaultStage: 'Staging' as Stage,
} as const;

type Stage = 'Staging' | 'Production';

const fill = (template: string, values: Readonly<Record<string, string>>) =>
  template.replace(/\{(\w+)\}/g, (_m, key: string) => values[key]);
const clientStage = (env: string): Stage => CLIENT.stageByEnvironment[env] ?? CLIENT.defaultStage;

// ---------------------------------------------------------------------------------------------
// What each permission level allows (data, from the Databricks docs cited above). `levels`
// certainly allow the ability; `alsoPossibly` are levels one of the docs pages also names
// (creating an experiment: the folder page says Can Manage, the experiments page Can Edit or
// Can Manage). An "allowed" check needs `levels`; a "denied" check needs neither.

type Ability =
  | 'folder.createItems'
  | 'folder.view'
  | 'experiment.viewRuns'
  | 'experiment.downloadArtifacts'
  | 'experiment.createRuns'
  | 'experiment.logParamsMetricsTags'
  | 'experiment.logArtifacts'
  | 'model.view'
  | 'model.addVersion'
  | 'model.editTags'
  | 'model.transitionStaging'
  | 'model.transitionProduction';

const READ = ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'];
const EDIT = ['CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE']; // experiments: Can Run "is enforced the same way as Can Edit"
const MODEL_ANY = ['CAN_READ', 'CAN_EDIT', 'CAN_MANAGE_STAGING_VERSIONS', 'CAN_MANAGE_PRODUCTION_VERSIONS', 'CAN_MANAGE'];
const MODEL_EDIT = ['CAN_EDIT', 'CAN_MANAGE_STAGING_VERSIONS', 'CAN_MANAGE_PRODUCTION_VERSIONS', 'CAN_MANAGE'];

const ABILITIES: Readonly<Record<Ability, { levels: readonly string[]; alsoPossibly?: readonly string[] }>> = {
  'folder.createItems': { levels: ['CAN_MANAGE'], alsoPossibly: ['CAN_EDIT'] },
  'folder.view': { levels: READ },
  'experiment.viewRuns': { levels: READ },
  'experiment.downloadArtifacts': { levels: READ },
  'experiment.createRuns': { levels: EDIT },
  'experiment.logParamsMetricsTags': { levels: EDIT },
  'experiment.logArtifacts': { levels: EDIT },
  'model.view': { levels: MODEL_ANY },
  'model.addVersion': { levels: MODEL_EDIT },
  'model.editTags': { levels: MODEL_EDIT },
  // Can Manage Staging Versions: transitions "between None, Archived, and Staging" only.
  'model.transitionStaging': { levels: ['CAN_MANAGE_STAGING_VERSIONS', 'CAN_MANAGE_PRODUCTION_VERSIONS', 'CAN_MANAGE'] },
  'model.transitionProduction': { levels: ['CAN_MANAGE_PRODUCTION_VERSIONS', 'CAN_MANAGE'] },
};

// ---------------------------------------------------------------------------------------------
// The client's calls (data): what each does to which object of environment {env}.

interface ClientCall {
  readonly call: string;
  readonly object: 'folder' | 'experiment' | 'model';
  readonly ability: Ability | 'stage';
  readonly writes: boolean;
}

const CLIENT_CALLS: readonly ClientCall[] = [
  { call: 'create_experiment_if_not_exists: mlflow.create_experiment(/experiments/{env}/<name>)', object: 'folder', ability: 'folder.createItems', writes: true },
  { call: 'create_experiment_if_not_exists: mlflow.get_experiment_by_name (already exists)', object: 'folder', ability: 'folder.view', writes: false },
  { call: 'mlflow.start_run in the experiment', object: 'experiment', ability: 'experiment.createRuns', writes: true },
  { call: 'mlflow.log_param / log_metric / set_tag', object: 'experiment', ability: 'experiment.logParamsMetricsTags', writes: true },
  { call: 'log_model_helper: flavor.log_model (run artifacts)', object: 'experiment', ability: 'experiment.logArtifacts', writes: true },
  { call: 'log_model_helper: mlflow.register_model -> create_model_version({model}_{env}, run source)', object: 'model', ability: 'model.addVersion', writes: true },
  { call: 'log_model_helper: mlflow.register_model reads the run it registers', object: 'experiment', ability: 'experiment.viewRuns', writes: false },
  { call: 'log_model_helper: transition_model_version_stage({model}_{env}, client stage)', object: 'model', ability: 'stage', writes: true },
  { call: 'get_latest_versions({model}_{env}, stages=[client stage])', object: 'model', ability: 'model.view', writes: false },
  { call: 'get_model_version / get_registered_model', object: 'model', ability: 'model.view', writes: false },
  { call: 'set_model_version_tag / set_registered_model_tag', object: 'model', ability: 'model.editTags', writes: true },
  { call: 'load_model_version / load_latest_model: flavor.load_model(version.source)', object: 'experiment', ability: 'experiment.downloadArtifacts', writes: false },
];
// mlflow.register_model first calls create_registered_model({model}_{env}); for a declared model
// the name exists and the client tolerates the "already exists" error, so it needs no permission.

// ---------------------------------------------------------------------------------------------
// The synthesized ACLs, with inheritance.

interface Acl {
  readonly object: string;
  readonly kind: 'folder' | 'model';
  readonly entries: readonly { group_name?: string; permission_level: string }[];
}

function deref(json: Synthesized, ref: unknown, attr: string): string {
  const match = /^\$\{([a-z_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(ref));
  if (!match) return String(ref);
  const target = resourcesOf(json, match[1])[match[2]];
  if (!target) throw new Error(`dangling reference ${String(ref)}`);
  return String(target[attr]);
}

function aclsOf(json: Synthesized): Acl[] {
  return Object.values(resourcesOf(json, 'databricks_permissions')).map((p: Block) => {
    const entries = p.access_control as Acl['entries'];
    if (p.directory_path !== undefined) return { object: deref(json, p.directory_path, 'path'), kind: 'folder', entries };
    if (p.registered_model_id !== undefined) return { object: deref(json, p.registered_model_id, 'name'), kind: 'model', entries };
    throw new Error(`unexpected permissions object: ${JSON.stringify(p)}`);
  });
}

/** The governance as the contract sees it: ACLs, environments, groups. */
interface Governance {
  readonly acls: readonly Acl[];
  readonly environments: readonly { name: string; production: boolean; group: string }[];
  readonly models: readonly string[];
  readonly allGroup: string;
}

function governanceOf(json: Synthesized, models: readonly string[]): Governance {
  const out = json.output?.databricks_environments?.value as Record<string, { group: string; production: boolean }>;
  const environments = Object.entries(out).map(([name, e]) => ({ name, production: e.production, group: e.group }));
  const envGroups = new Set(environments.map((e) => e.group));
  const others = Object.values(resourcesOf(json, 'databricks_group'))
    .map((g) => String(g.display_name))
    .filter((g) => !envGroups.has(g));
  if (others.length !== 1) throw new Error(`expected one all-environments group, found ${others.join(', ') || 'none'}`);
  return { acls: aclsOf(json), environments, models, allGroup: others[0] };
}

/** Levels a principal in `groups` holds on an object: its own ACL and what it inherits. */
function levelsOn(gov: Governance, groups: readonly string[], kind: 'folder' | 'model', object: string): Set<string> {
  const inherited =
    kind === 'model'
      ? [object, 'root']
      : object.split('/').map((_s, i, parts) => parts.slice(0, i + 1).join('/')).filter((p) => p !== '');
  const levels = new Set<string>();
  for (const acl of gov.acls) {
    if (acl.kind !== kind || !inherited.includes(acl.object)) continue;
    for (const e of acl.entries) if (groups.includes(e.group_name ?? '')) levels.add(e.permission_level);
  }
  return levels;
}

type Verdict = 'allowed' | 'denied' | 'unclear';

/** Whether a principal in `groups` may make `call` on the objects the client names for `env`. */
function judge(gov: Governance, groups: readonly string[], call: ClientCall, env: string, model: string): Verdict {
  const folder = fill(CLIENT.experimentFolder, { env });
  // Experiments inherit their folder's ACL; the object of a model call is the client's model name.
  const [kind, object] = call.object === 'model' ? (['model', fill(CLIENT.modelName, { model, env })] as const) : (['folder', folder] as const);
  const held = levelsOn(gov, groups, kind, object);
  const ability: Ability =
    call.ability === 'stage' ? (clientStage(env) === 'Production' ? 'model.transitionProduction' : 'model.transitionStaging') : call.ability;
  const { levels, alsoPossibly = [] } = ABILITIES[ability];
  if (levels.some((l) => held.has(l))) return 'allowed';
  return alsoPossibly.some((l) => held.has(l)) ? 'unclear' : 'denied';
}

/** Every way the governance breaks the contract of item 1; empty when it holds. */
function contractViolations(gov: Governance): string[] {
  const problems: string[] = [];
  const users = 'users';
  for (const own of gov.environments) {
    const principal = [own.group, gov.allGroup, users];
    if (own.production && clientStage(own.name) !== 'Production') {
      problems.push(`${own.name}: a production environment, but with ${CLIENT.environmentVariable}=${own.name} the client uses ${clientStage(own.name)}`);
    }
    for (const model of gov.models) {
      for (const call of CLIENT_CALLS) {
        const verdict = judge(gov, principal, call, own.name, model);
        if (verdict !== 'allowed') problems.push(`${own.name} principal, own environment, ${model}: ${call.call} is ${verdict}`);
      }
      for (const other of gov.environments.filter((e) => e.name !== own.name)) {
        // The principal sets MLFLOW_ENV to another environment: the client then names that one's objects.
        const readsDenied = other.production && !own.production;
        for (const call of CLIENT_CALLS.filter((c) => c.writes || readsDenied)) {
          const verdict = judge(gov, principal, call, other.name, model);
          if (verdict !== 'denied') problems.push(`${own.name} principal, ${CLIENT.environmentVariable}=${other.name}, ${model}: ${call.call} is ${verdict}`);
        }
      }
    }
  }
  for (const prod of gov.environments.filter((e) => e.production)) {
    for (const model of gov.models) {
      for (const call of CLIENT_CALLS) {
        const verdict = judge(gov, [users], call, prod.name, model);
        if (verdict !== 'denied') problems.push(`a workspace user outside the groups, ${prod.name}, ${model}: ${call.call} is ${verdict}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

const workspaceDeployments = SHIPPED_CONFIGS.map((f) => loadDeployments(path.join('config', f))[0]).filter(
  (c) => c.databricks?.registry === 'workspace',
);

describe('environment client contract over the shipped workspace-registry governance', () => {
  it('covers at least one shipped deployment', () => {
    expect(workspaceDeployments.map((c) => c.name).length).toBeGreaterThan(0);
  });

  describe.each(workspaceDeployments.map((c) => [c.name, c] as const))('%s', (_name, config) => {
    const databricks = config.databricks;
    if (!databricks) throw new Error('no databricks section');
    const json = synthOnce(config);
    const gov = governanceOf(json, databricks.models);

    it('declares models and a production environment the client puts in Production', () => {
      expect(gov.models.length).toBeGreaterThan(0);
      const production = gov.environments.filter((e) => e.production);
      expect(production.length).toBeGreaterThan(0);
      for (const e of production) expect(clientStage(e.name)).toBe('Production');
    });

    it('names every object the client uses: the folders and models exist under the client names', () => {
      const folders = Object.values(resourcesOf(json, 'databricks_directory')).map((d) => d.path);
      const models = Object.values(resourcesOf(json, 'databricks_mlflow_model')).map((m) => m.name);
      for (const env of gov.environments) {
        expect(folders).toContain(fill(CLIENT.experimentFolder, { env: env.name }));
        for (const model of gov.models) expect(models).toContain(fill(CLIENT.modelName, { model, env: env.name }));
      }
    });

    it('allows every client call in its own environment and denies what item 1 denies', () => {
      expect(contractViolations(gov)).toEqual([]);
    });

    it('hands every environment the settings and names the client uses', () => {
      const out = json.output?.databricks_environments?.value as Record<string, { group: string; experiment_folder: string; models: string[]; production: boolean }>;
      for (const env of gov.environments) {
        const e = out[env.name];
        const { env: dotenv, sheet } = databricksHandout({
          stack: config.name,
          environment: env.name,
          group: e.group,
          experimentFolder: e.experiment_folder,
          models: e.models,
          production: e.production,
          registry: 'workspace',
        });
        expect(dotenv).toContain(`\n${CLIENT.environmentVariable}=${env.name}\n`);
        expect(sheet).toContain(`creates \`${fill(CLIENT.experimentName, { env: env.name, name: '<name>' })}\``);
        for (const model of gov.models) expect(sheet).toContain(`\`${fill(CLIENT.modelName, { model, env: env.name })}\``);
        expect(sheet).toContain(`moves every new version to **${clientStage(env.name)}**`);
      }
    });
  });
});

describe('the contract checker', () => {
  const yaml = (envs: string) => `name: dbx
environment: prod
databricks:
  host: https://adb-1234567890123456.7.azuredatabricks.net
  environments:
${envs}  models: [churn]
`;
  const good = () => configFrom(yaml('    - name: acc\n    - name: production\n'));
  const govOf = (config = good()) => governanceOf(synthOnce(config), ['churn']);

  it('passes a governance built for the client', () => {
    expect(contractViolations(govOf())).toEqual([]);
  });

  it('fails when the production environment has another name: the client uses Staging there', () => {
    const prod = govOf(configFrom(yaml('    - name: acc\n    - name: prod\n')));
    expect(contractViolations(prod)).toEqual(['prod: a production environment, but with MLFLOW_ENV=prod the client uses Staging']);
  });

  it('fails when another environment can read a production model', () => {
    const json = synthOnce(good());
    const perms = Object.values(resourcesOf(json, 'databricks_permissions'));
    const prodModel = perms.find((p) => String(p.registered_model_id).includes('production_model-churn_'));
    (prodModel?.access_control as Block[]).push({ group_name: 'apps_acc', permission_level: 'CAN_READ' });
    const violations = contractViolations(governanceOf(json, ['churn']));
    expect(violations).toContain('acc principal, MLFLOW_ENV=production, churn: get_latest_versions({model}_{env}, stages=[client stage]) is allowed');
    expect(violations).not.toContainEqual(expect.stringMatching(/^a workspace user/));
  });

  it('fails when workspace users inherit a level from the root model ACL', () => {
    const json = synthOnce(good());
    const root = Object.values(resourcesOf(json, 'databricks_permissions')).find((p) => p.registered_model_id === 'root');
    (root?.access_control as Block[]).push({ group_name: 'users', permission_level: 'CAN_EDIT' });
    expect(contractViolations(governanceOf(json, ['churn']))).toContainEqual(
      'a workspace user outside the groups, production, churn: set_model_version_tag / set_registered_model_tag is allowed',
    );
  });

  it('reports a doubtful folder level as unclear, not as allowed', () => {
    const json = synthOnce(good());
    const folder = Object.values(resourcesOf(json, 'databricks_permissions')).find((p) => String(p.directory_path).includes('acc_experiment-folder'));
    (folder?.access_control as Block[])[0] = { group_name: 'apps_acc', permission_level: 'CAN_EDIT' };
    expect(contractViolations(governanceOf(json, ['churn']))).toContain(
      'acc principal, own environment, churn: create_experiment_if_not_exists: mlflow.create_experiment(/experiments/{env}/<name>) is unclear',
    );
  });
});
