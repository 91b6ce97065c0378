import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { DatabricksGovernance } from '../constructs/databricks/governance';
import { runPlatform } from '../stacks/app';
import { databricksWarnings, modelNameCollisions } from '../stacks/config/databricks';
import { databricksHandout, type DatabricksHandoutInput } from '../cli/client/databricks-handout';
import { configFrom, rejectionsOf, tempDirWith } from './helpers';

// Rules that make the environment client (environment_mlflow_client 3.0.2,
// environment_mlflow_client/env_mlflow_client.py) work against the workspace registry.

const dbx = (envs: string, extra = '', models = '[churn]') => `name: dbx
environment: prod
databricks:
  host: https://adb-1234567890123456.7.azuredatabricks.net
${extra}  environments:
${envs}  models: ${models}
`;

describe('workspace-registry config rules for the environment client', () => {
  const problems = (text: string) => rejectionsOf(text, 'deployments/dbx.yaml');

  it('rejects another experiments root, saying where the client writes', () => {
    expect(problems(dbx('    - name: acc\n', '  experimentsRoot: /Shared/mlflow\n'))).toEqual([
      'deployments/dbx.yaml: databricks.experimentsRoot: expected /experiments with registry: workspace: the environment client creates experiments at /experiments/<env>/<name> whatever this says, so with another root it would write to folders this deployment does not govern, got "/Shared/mlflow"',
    ]);
  });

  it('accepts another experiments root with Unity Catalog, where the client is not used', () => {
    expect(configFrom(dbx('    - name: acc\n', '  registry: unity-catalog\n  experimentsRoot: /Shared/mlflow\n')).databricks?.experimentsRoot).toBe('/Shared/mlflow');
  });

  it('rejects two model/environment pairs with the same <model>_<env>, naming both', () => {
    const text = dbx('    - name: b_c\n    - name: c\n', '', '[a, a_b]');
    expect(problems(text)).toEqual([
      'deployments/dbx.yaml: databricks.models[1]: registered model name a_b_c of model a_b in environment c is also the name of model a in environment b_c; rename a model or an environment, got "a_b"',
    ]);
  });

  it('finds every collision and none among distinct names', () => {
    expect(modelNameCollisions(['churn', 'fraud'], ['acc', 'production'])).toEqual([]);
    expect(modelNameCollisions(['x', 'x_y'], ['y_z', 'z', 'y_z_q']).map((p) => p.modelIndex)).toEqual([1]);
  });

  it('the construct refuses colliding names too, whatever config built its props', () => {
    const stack = new TerraformStack(new App(), 's');
    expect(() => new DatabricksGovernance(stack, 'g', { environments: [{ name: 'b_c' }, { name: 'c' }], models: ['a', 'a_b'] })).toThrow(
      'DatabricksGovernance: registered model name a_b_c of model a_b in environment c is also the name of model a in environment b_c',
    );
    const uc = new TerraformStack(new App(), 'uc');
    expect(() => new DatabricksGovernance(uc, 'g', { environments: [{ name: 'b_c' }, { name: 'c' }], models: ['a', 'a_b'], registry: 'unity-catalog' })).not.toThrow();
  });

  it('rejects an environment named all: its group would be the all-environments group', () => {
    expect(problems(dbx('    - name: all\n'))).toEqual([
      'deployments/dbx.yaml: databricks.environments[0].name: expected another name: "all" would make the group apps_all, the group of every environment, got "all"',
    ]);
  });

  it('rejects a non-production environment named production: the client would set the Production stage', () => {
    expect(problems(dbx('    - name: production\n      production: false\n'))).toEqual([
      'deployments/dbx.yaml: databricks.environments[0].production: expected true or nothing: the environment client moves the versions of an environment named production to the Production stage, which a non-production environment may not set, got false',
    ]);
  });
});

describe('warning for a production environment the client does not put in Production', () => {
  it('names the file, the environment and what the client will do', () => {
    const config = configFrom(dbx('    - name: acc\n    - name: prod\n'), 'deployments/x.yaml');
    const [warning, ...rest] = databricksWarnings(config.databricks, config.source);
    expect(rest).toEqual([]);
    expect(warning).toMatch(/^deployments\/x\.yaml: warning: databricks\.environments\[1\]\.name: "prod" is a production environment/);
    expect(warning).toContain('with MLFLOW_ENV=prod it moves new versions of <model>_prod to Staging and reads only Staging versions');
    expect(warning).toContain('Rename the environment to production');
  });

  it('flags an explicitly production environment and nothing when the name is production or the registry is Unity Catalog', () => {
    const flagged = configFrom(dbx('    - name: live\n      production: true\n'));
    expect(databricksWarnings(flagged.databricks, 'f.yaml')).toHaveLength(1);
    expect(databricksWarnings(configFrom(dbx('    - name: acc\n    - name: production\n')).databricks, 'f.yaml')).toEqual([]);
    expect(databricksWarnings(configFrom(dbx('    - name: prod\n', '  registry: unity-catalog\n')).databricks, 'f.yaml')).toEqual([]);
  });

  it('is printed by the synth, which still succeeds', () => {
    const lines: string[] = [];
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-out-'));
    const code = runPlatform({ configLocation: tempDirWith({ 'gov.yaml': dbx('    - name: acc\n    - name: prod\n') }), outdir, out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/gov\.yaml: warning: databricks\.environments\[1\]\.name: "prod" is a production environment/);
    expect(lines.some((l) => l.startsWith('Policy check passed'))).toBe(true);
  });
});

describe('Databricks handout', () => {
  const base: DatabricksHandoutInput = {
    stack: 's',
    environment: 'acc',
    group: 'apps_acc',
    experimentFolder: '/experiments/acc',
    models: ['churn_acc'],
    production: false,
    registry: 'workspace',
  };

  it('configures the environment client: MLFLOW_ENV, MLflow 2.x, the experiment path and the model names', () => {
    const { env, sheet } = databricksHandout(base);
    expect(env).toMatch(/^MLFLOW_ENV=acc$/m);
    expect(env).toMatch(/^MLFLOW_REGISTRY_URI=databricks$/m);
    expect(env).not.toContain('MLFLOW_ENVIRONMENT');
    expect(sheet).toContain('pip install "environment-mlflow-client==3.0.2" "mlflow>=2.1,<3"');
    expect(sheet).toContain('creates `/experiments/acc/<name>`');
    expect(sheet).toContain('pass the model name (`churn`); the client uses `churn_acc`');
    expect(sheet).toContain('client.log_model_helper(mlflow.sklearn, "churn", sk_model=model, artifact_path="model")');
    expect(sheet).not.toContain('name="model"'); // MLflow 3 only
  });

  it('warns a production environment with another name that its versions stay in Staging', () => {
    const sheet = databricksHandout({ ...base, environment: 'prod', group: 'apps_prod', experimentFolder: '/experiments/prod', models: ['churn_prod'], production: true }).sheet;
    expect(sheet).toContain('With `MLFLOW_ENV=prod` it moves new versions to **Staging**');
    expect(sheet).toContain('# churn_prod <n> Staging');
  });

  it('explains a folder the client does not write to and avoids create_experiment_if_not_exists there', () => {
    const sheet = databricksHandout({ ...base, experimentFolder: '/Shared/mlflow/acc' }).sheet;
    expect(sheet).toContain('the client creates experiments under `/experiments/acc`, which this deployment does not govern');
    expect(sheet).toContain('mlflow.set_experiment("/Shared/mlflow/acc/churn-baseline")');
    expect(sheet).not.toContain('create_experiment_if_not_exists("churn-baseline")');
  });

  it('gives Unity Catalog plain MLflow with aliases and the environment schema, without the client', () => {
    const { env, sheet } = databricksHandout({ ...base, registry: 'unity-catalog', models: ['ml.acc.churn'] });
    expect(env).toMatch(/^MLFLOW_REGISTRY_URI=databricks-uc$/m);
    expect(env).not.toContain('MLFLOW_ENV');
    expect(sheet).toContain('in the schema `ml.acc`');
    expect(sheet).toContain('client.set_registered_model_alias(name, "challenger", version)');
    expect(sheet).toContain('signature=infer_signature');
    expect(sheet).not.toContain('transition_model_version_stage');
  });

  it('never refers to design documents', () => {
    for (const input of [base, { ...base, registry: 'unity-catalog' as const }]) {
      const { env, sheet } = databricksHandout(input);
      expect(`${env}${sheet}`).not.toMatch(/seed/i);
    }
  });
});
