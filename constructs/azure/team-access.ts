import { Construct } from 'constructs';
import type { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { teamArtifactPrefix } from '../shared/mlflow-server';
import type { ArtifactStorage } from './artifact-storage';
import { type IGrantable, principal } from './grants';

export interface TeamAccessProps {
  /** Team name: its MLflow workspace and artifact prefix `workspaces/<team>/`. */
  readonly team: string;
  /** Entra object ids (groups, service principals, users) of the team: its jobs, CI and people. */
  readonly principalIds: readonly string[];
  readonly artifacts: ArtifactStorage;
}

/**
 * A team's access, the Azure counterpart of the AWS `TeamRole` (constructs/aws/team-role.ts): each of
 * the team's principals reads and writes its own workspace's blobs (the same blobs MLflow stores for
 * it), nothing else. Azure has no role to assume: the team's existing principals get the grant.
 *
 * The role assignments live in the artifact storage's scope, named after the team and the principal
 * (`team-<team>-<principal id>-prefix-contributor`), never a list position: reordering or adding
 * principals touches no other assignment, and wrapping them in this construct kept their addresses.
 */
export class TeamAccess extends Construct {
  public readonly artifactPrefix: string;
  /** The team's principals, as granted. */
  public readonly principals: readonly IGrantable[];
  public readonly assignments: readonly RoleAssignment[];

  constructor(scope: Construct, id: string, props: TeamAccessProps) {
    super(scope, id);
    if (props.principalIds.length === 0) throw new Error(`${this.node.path}: team ${props.team} needs at least one principal id`);
    const duplicate = props.principalIds.find((p, i) => props.principalIds.indexOf(p) !== i);
    if (duplicate !== undefined) throw new Error(`${this.node.path}: team ${props.team} lists principal ${duplicate} twice`);
    this.artifactPrefix = teamArtifactPrefix(props.team);
    this.principals = props.principalIds.map((principalId) => principal(principalId, `team-${props.team}-${principalId}`));
    this.assignments = this.principals.map((p) => props.artifacts.grantReadWrite(p, this.artifactPrefix));
  }
}
