/**
 * Workspace-registry model names are `<model>_<env>` (the naming of the environment client,
 * environment_mlflow_client 3.0.2, `get_env_model_name`). Two different (model, environment)
 * pairs can give the same name: models `a`, `a_b` with environments `b_c`, `c` both give `a_b_c`.
 */
export interface ModelNameCollision {
  /** Index in `models` of the later model of the pair. */
  readonly modelIndex: number;
  readonly message: string;
}

/** Every (model, environment) pair whose `<model>_<env>` equals that of an earlier, different pair. */
export function modelNameCollisions(models: readonly string[], environments: readonly string[]): ModelNameCollision[] {
  const owner = new Map<string, { model: string; env: string }>();
  const problems: ModelNameCollision[] = [];
  models.forEach((model, modelIndex) =>
    environments.forEach((env) => {
      const name = `${model}_${env}`;
      const first = owner.get(name);
      if (!first) owner.set(name, { model, env });
      else if (first.model !== model || first.env !== env) {
        problems.push({
          modelIndex,
          message: `registered model name ${name} of model ${model} in environment ${env} is also the name of model ${first.model} in environment ${first.env}; rename a model or an environment`,
        });
      }
    }),
  );
  return problems;
}
