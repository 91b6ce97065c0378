import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { ArtifactStore } from './buckets';
import type { IGrantable } from './iam';
import { policyJson } from './iam';
import { teamArtifactPrefix } from '../shared/mlflow-server';

export interface TeamRoleProps {
  readonly namePrefix: string;
  /** Team name: its MLflow workspace and artifact prefix `workspaces/<team>/`. */
  readonly team: string;
  /** IAM principals (the team's jobs, CI) that may assume the role. */
  readonly trustedPrincipals: readonly string[];
  readonly artifacts: ArtifactStore;
  /** Longest session, seconds. @default 3600 */
  readonly maxSessionDuration?: number;
}

/** A team's role: read and write its own workspace's artifacts (the same objects MLflow stores for it), nothing else. */
export class TeamRole extends Construct implements IGrantable {
  public readonly role: IamRole;
  public readonly artifactPrefix: string;

  constructor(scope: Construct, id: string, props: TeamRoleProps) {
    super(scope, id);
    if (props.trustedPrincipals.length === 0) throw new Error(`TeamRole ${props.team}: trustedPrincipals: at least one principal may assume the role`);
    // IAM CreateRole MaxSessionDuration: 3600-43200 seconds (1 to 12 hours).
    const session = props.maxSessionDuration ?? 3600;
    if (!Number.isInteger(session) || session < 3600 || session > 43200) {
      throw new Error(`TeamRole ${props.team}: maxSessionDuration ${session}: IAM takes 3600-43200 seconds`);
    }
    this.artifactPrefix = teamArtifactPrefix(props.team);
    this.role = new IamRole(this, 'role', {
      name: `${props.namePrefix}-team-${props.team}`,
      description: `MLflow team ${props.team}: artifacts under s3://<artifact bucket>/${this.artifactPrefix}`,
      maxSessionDuration: session,
      assumeRolePolicy: policyJson([
        { Effect: 'Allow', Principal: { AWS: [...props.trustedPrincipals] }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
      ]),
    });
    props.artifacts.grantReadWrite(this, `team-${props.team}`, this.artifactPrefix);
  }
}
