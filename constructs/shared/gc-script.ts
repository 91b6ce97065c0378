import { CONTAINER_PORT } from './mlflow-server';

/**
 * The scheduled `mlflow gc`, the same on every cloud: permanently removes runs and experiments
 * deleted more than `days` ago, with their artifacts.
 *
 * `mlflow gc` (mlflow/cli/__init__.py at v3.17.0) deletes a run's artifacts through
 * get_artifact_repository(run.info.artifact_uri); with proxied artifacts that URI is
 * `mlflow-artifacts:/...`, which resolves through MLFLOW_TRACKING_URI (gc refuses to run without one).
 * Rather than going through the load balancer with the admin's credentials, the job starts its own
 * server on localhost (no auth app, bound to 127.0.0.1, the same artifacts destination) and points gc
 * at it. The job runs in the server's image and network as the server database role, with no admin
 * credential and no migrate step (AWS: a task definition of its own, TrackingService.scheduleCommand;
 * Azure: TrackingApp.addScheduledJob).
 *
 * Workspaces (mlflow/cli/__init__.py `gc` and `_resolve_gc_workspaces`, stored mlflow/mlflow commit
 * 00747dbb, 3.x with workspaces): with MLFLOW_ENABLE_WORKSPACES on, `gc` without a selection handles
 * only the default workspace; `--all-workspaces` iterates every workspace of the workspace store. The
 * script sets MLFLOW_ENABLE_WORKSPACES itself, so it does not depend on the cloud's job environment,
 * and its local server runs with `--enable-workspaces`, like the real server, so deletions of
 * `mlflow-artifacts:/workspaces/<team>/...` resolve against the same layout.
 */
export function gcScript(p: { readonly artifactsDestination: string; readonly olderThanDays: number }): string {
  const local = `http://localhost:${CONTAINER_PORT}`;
  return [
    'set -eu',
    'export MLFLOW_ENABLE_WORKSPACES=true',
    `export MLFLOW_SERVER_ALLOWED_HOSTS=localhost,localhost:${CONTAINER_PORT},127.0.0.1,127.0.0.1:${CONTAINER_PORT}`,
    `mlflow server --host 127.0.0.1 --port ${CONTAINER_PORT} --workers 1 --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" --serve-artifacts --artifacts-destination ${p.artifactsDestination} --enable-workspaces &`,
    'server=$!',
    "trap 'kill $server 2>/dev/null || true' EXIT",
    'tries=0',
    `until python -c "import urllib.request; urllib.request.urlopen('${local}/health')" 2>/dev/null; do`,
    '  tries=$((tries + 1))',
    '  if [ "$tries" -ge 60 ]; then echo "mlflow gc: the local server did not start" >&2; exit 1; fi',
    '  sleep 2',
    'done',
    `echo "mlflow gc: removing runs and experiments deleted more than ${p.olderThanDays} days ago"`,
    `MLFLOW_TRACKING_URI=${local} mlflow gc --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" --all-workspaces --older-than ${p.olderThanDays}d`,
  ].join('\n');
}
