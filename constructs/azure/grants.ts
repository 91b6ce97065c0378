/**
 * Anything Azure RBAC roles can be granted to: a managed identity, a user, a group or a service
 * principal. The Azure counterpart of the AWS `IGrantable` (constructs/aws/iam.ts): grant methods
 * (`ArtifactStorage.grantReadWrite`, `PrivateKeyVault.grantSecretsUser`) take one.
 */
export interface IGrantable {
  /** Entra object id of the principal. */
  readonly principalId: string;
  /**
   * Names the role assignments granted to this principal (their construct ids start with it): unique
   * among the grantees of a resource and derived from the principal's identity, never a position.
   */
  readonly grantName: string;
  /**
   * The principal's type, when known at synth (azurerm 4.55 website/docs/r/role_assignment:
   * `principal_type`, User, Group or ServicePrincipal; changing it replaces the assignment).
   * @default unset
   */
  readonly principalType?: 'ServicePrincipal' | 'User' | 'Group';
}

/** A principal known only by its object id (from a config), e.g. a team member or a team's CI. */
export function principal(principalId: string, grantName: string, principalType?: IGrantable['principalType']): IGrantable {
  return { principalId, grantName, principalType };
}
