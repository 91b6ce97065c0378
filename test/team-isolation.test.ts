/**
 * What a member of team A can and cannot do to team B through the tracking server, as data,
 * checked against the behaviour of the pinned MLflow (DEFAULT_MLFLOW_IMAGE) with the settings
 * this package runs it with: basic-auth, `default_permission = NO_PERMISSIONS`, workspaces on,
 * MLFLOW_BASIC_AUTH_FAIL_CLOSED=true, one workspace per team, team members granted on their own
 * workspace only. docs/security.md carries the same table: this test renders it from the data
 * and fails when the two drift.
 *
 * Upstream sources (mlflow/mlflow): mlflow/server/auth/__init__.py (validators named below,
 * `_before_request`, `_get_permission_from_store_or_default`, `_workspace_permission`),
 * mlflow/store/workspace/sqlalchemy_store.py (`resolve_artifact_root`), and the workspace docs
 * (mlflow.org/docs/latest/self-hosting/workspaces: permissions, configuration "Artifact Behavior").
 */
import * as fs from 'node:fs';
import { DEFAULT_MLFLOW_IMAGE, serverEnvironment, serverScript, teamArtifactPrefix } from '../constructs/shared/mlflow-server';

interface Case {
  /** What a member of team A tries on team B. */
  readonly request: string;
  readonly outcome: 'denied' | 'empty' | 'allowed';
  /** The check in mlflow/server/auth/__init__.py (or the cloud policy) that decides. */
  readonly decidedBy: string;
}

const CASES: readonly Case[] = [
  { request: 'list workspaces', outcome: 'empty', decidedBy: '`filter_list_workspaces`: B is not listed (no permission on it)' },
  { request: 'get workspace B', outcome: 'denied', decidedBy: '`validate_can_view_workspace`' },
  { request: 'search experiments in B', outcome: 'empty', decidedBy: '`filter_search_experiments` / `_workspace_permission`: NO_PERMISSIONS on B' },
  { request: "get, update or delete B's experiment (by id or name)", outcome: 'denied', decidedBy: '`validate_can_read/update/delete_experiment`: no experiment grant, workspace fallback NO_PERMISSIONS' },
  { request: 'create an experiment or registered model in B', outcome: 'denied', decidedBy: '`validate_can_create_experiment` / `validate_can_create_registered_model`: needs MANAGE on B' },
  { request: "read, log to or delete B's runs, logged models, traces, metrics", outcome: 'denied', decidedBy: '`validate_can_*_run`, `validate_can_*_logged_model`, trace and metric-history validators: the parent experiment' },
  { request: "read, update or delete B's registered models and versions", outcome: 'denied', decidedBy: '`validate_can_*_registered_model`, `validate_can_read_model_version_artifact`' },
  { request: "download or upload B's artifacts through the proxy (`workspaces/B/<experiment>/…`)", outcome: 'denied', decidedBy: '`_get_permission_from_experiment_id_artifact_proxy`: experiment id read after `workspaces/<name>/`' },
  { request: 'proxy paths naming no experiment', outcome: 'denied', decidedBy: 'the request workspace\'s permission; paths of a non-default workspace must lie under `workspaces/<that workspace>/`' },
  { request: 'grant anyone permissions on B or its resources', outcome: 'denied', decidedBy: '`validate_can_modify_workspace_permission`, `validate_can_manage_*`: needs MANAGE on B' },
  { request: 'create, update or delete users', outcome: 'denied', decidedBy: '`validate_can_create_user` and friends: MLflow admins only, which team admins are not' },
  { request: 'any route MLflow registers without a permission check', outcome: 'denied', decidedBy: '`_before_request` with MLFLOW_BASIC_AUTH_FAIL_CLOSED=true' },
  { request: 'the Default workspace (experiment 0)', outcome: 'denied', decidedBy: '`_workspace_permission`: nobody is granted `default`; NO_PERMISSIONS' },
  { request: "read or write `workspaces/B/` objects directly in the bucket / container", outcome: 'denied', decidedBy: "team A's IAM role / ABAC condition: `workspaces/A/` only" },
  { request: '`/health`, `/version`, the web UI shell', outcome: 'allowed', decidedBy: 'no team data: `is_unprotected_route`, UI routes allowed for authenticated users' },
];

/** The Markdown table docs/security.md carries. */
function isolationTable(): string {
  const rows = CASES.map((c) => `| ${c.request} | ${c.outcome} | ${c.decidedBy} |`);
  return ['| A member of team A tries to… | outcome | decided by |', '| --- | --- | --- |', ...rows].join('\n');
}

describe('team isolation through the tracking server (pinned MLflow, as configured here)', () => {
  it('is stated in docs/security.md exactly as tested here', () => {
    expect(fs.readFileSync('docs/security.md', 'utf8')).toContain(isolationTable());
  });

  it('rests on the settings the server actually runs with', () => {
    // The table assumes these; if any changes, the table must be re-derived.
    expect(DEFAULT_MLFLOW_IMAGE).toBe('ghcr.io/mlflow/mlflow:v3.17.0-full');
    const env = Object.fromEntries(serverEnvironment({ allowedHosts: ['h'], corsOrigin: 'https://h' }).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ MLFLOW_ENABLE_WORKSPACES: 'true', MLFLOW_BASIC_AUTH_FAIL_CLOSED: 'true' });
    const script = serverScript({ artifactsDestination: 's3://b', workers: 2 });
    expect(script).toContain('default_permission = NO_PERMISSIONS');
    expect(script).toContain('--app-name basic-auth --enable-workspaces');
    expect(script).not.toContain('--default-artifact-root');
  });

  it("puts a team's artifacts where MLflow puts its workspace's artifacts, which is what its cloud grant covers", () => {
    // mlflow/store/workspace/sqlalchemy_store.py resolve_artifact_root: no workspace root ->
    // <default root>/workspaces/<name>/<experiment id>; the default root is mlflow-artifacts:/ -> the bucket root.
    expect(teamArtifactPrefix('team-b')).toBe('workspaces/team-b/');
  });

  it('denies everything that touches team B except routes without team data', () => {
    expect(CASES.filter((c) => c.outcome === 'allowed').map((c) => c.request)).toEqual(['`/health`, `/version`, the web UI shell']);
  });
});
