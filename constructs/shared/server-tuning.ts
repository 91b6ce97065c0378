import { poolEnvironment } from './db-connections';

/**
 * Environment of the MLflow server container that tunes it for day-2 operations, the same on every
 * cloud. Environment variables only, so the server's entrypoint script stays untouched:
 *
 * - MLFLOW_SQLALCHEMYSTORE_POOL_SIZE / _MAX_OVERFLOW: read by every engine MLflow creates
 *   (mlflow/environment_variables.py, mlflow/store/db/utils.py create_sqlalchemy_engine).
 * - UVICORN_TIMEOUT_KEEP_ALIVE: `mlflow server` runs uvicorn by default in MLflow 3 (mlflow/server/__init__.py
 *   _run_server: uvicorn unless --gunicorn-opts), and uvicorn's CLI reads every option from UVICORN_*
 *   (encode/uvicorn uvicorn/main.py, click auto_envvar_prefix "UVICORN"). Its keep-alive default is 5 s;
 *   a backend that closes idle connections before the load balancer does causes sporadic 502s, so it is
 *   kept longer than the load balancer's idle timeout. Uvicorn has no request timeout: long uploads are
 *   bounded by the load balancer only.
 */
export function serverTuning(p: {
  readonly pool?: { readonly poolSize: number; readonly maxOverflow: number };
  readonly idleTimeoutSeconds: number;
}): { name: string; value: string }[] {
  return [
    ...(p.pool ? poolEnvironment({ ...p.pool, peakConnections: 0, limit: 0 }) : []),
    { name: 'UVICORN_TIMEOUT_KEEP_ALIVE', value: String(p.idleTimeoutSeconds + 5) },
  ];
}
