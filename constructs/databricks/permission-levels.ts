import type { PermissionsAccessControl } from '@cdktf/provider-databricks/lib/permissions';
import type { GrantsGrant } from '@cdktf/provider-databricks/lib/grants';

/**
 * Permission levels that `databricks_permissions` accepts per object type (provider 1.99 docs,
 * "databricks_permissions"). A level outside its object type's list is rejected at synth.
 */
export const PERMISSION_LEVELS = {
  directory: ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'],
  experiment: ['CAN_READ', 'CAN_EDIT', 'CAN_MANAGE'],
  registeredModel: ['CAN_READ', 'CAN_EDIT', 'CAN_MANAGE_STAGING_VERSIONS', 'CAN_MANAGE_PRODUCTION_VERSIONS', 'CAN_MANAGE'],
} as const;

export type PermissionObjectType = keyof typeof PERMISSION_LEVELS;
export type PermissionLevel<T extends PermissionObjectType> = (typeof PERMISSION_LEVELS)[T][number];

/**
 * Unity Catalog privileges per securable type that this package grants (provider 1.99 docs,
 * "databricks_grants"; CREATE_MODEL per the Unity Catalog privileges reference).
 */
export const UC_PRIVILEGES = {
  catalog: ['ALL_PRIVILEGES', 'APPLY_TAG', 'CREATE_SCHEMA', 'USE_CATALOG', 'USE_SCHEMA', 'CREATE_FUNCTION', 'CREATE_MODEL', 'EXECUTE'],
  schema: ['ALL_PRIVILEGES', 'APPLY_TAG', 'CREATE_FUNCTION', 'CREATE_MODEL', 'CREATE_TABLE', 'CREATE_VOLUME', 'USE_SCHEMA', 'EXECUTE'],
  model: ['ALL_PRIVILEGES', 'APPLY_TAG', 'EXECUTE'],
} as const;

export type UcSecurableType = keyof typeof UC_PRIVILEGES;
export type UcPrivilege<T extends UcSecurableType> = (typeof UC_PRIVILEGES)[T][number];

/** Principals that an access control list must never name. */
const FORBIDDEN_PRINCIPALS: Readonly<Record<string, string>> = {
  admins: 'the provider rejects "admins" in an access control list; admins keep CAN_MANAGE on every object anyway',
};

export interface GroupGrant<L extends string> {
  readonly group: string;
  readonly level: L;
}

/**
 * An access control list for `databricks_permissions`, checked: levels valid for the object type,
 * no `admins`, one entry per group. Remember that `databricks_permissions` replaces the object's
 * whole ACL: what is not listed here is removed (admins excepted).
 */
export function accessControlList<T extends PermissionObjectType>(
  objectType: T,
  grants: readonly GroupGrant<PermissionLevel<T>>[],
): PermissionsAccessControl[] {
  if (grants.length === 0) throw new Error(`an access control list for a ${objectType} needs at least one entry`);
  const allowed: readonly string[] = PERMISSION_LEVELS[objectType];
  const seen = new Set<string>();
  return grants.map(({ group, level }) => {
    if (!allowed.includes(level)) {
      throw new Error(`${level} is not a valid permission level for a ${objectType}; valid: ${allowed.join(', ')}`);
    }
    checkPrincipal(group);
    if (seen.has(group)) throw new Error(`group ${group} appears twice in one access control list`);
    seen.add(group);
    return { groupName: group, permissionLevel: level };
  });
}

/** Unity Catalog grants for `databricks_grants`, checked against the securable type's privileges. */
export function ucGrants<T extends UcSecurableType>(
  securable: T,
  grants: readonly { readonly principal: string; readonly privileges: readonly UcPrivilege<T>[] }[],
): GrantsGrant[] {
  const allowed: readonly string[] = UC_PRIVILEGES[securable];
  return grants.map(({ principal, privileges }) => {
    for (const p of privileges) {
      if (!allowed.includes(p)) throw new Error(`${p} is not a valid privilege on a ${securable}; valid: ${allowed.join(', ')}`);
    }
    checkPrincipal(principal);
    return { principal, privileges: [...privileges] };
  });
}

function checkPrincipal(principal: string): void {
  const reason = FORBIDDEN_PRINCIPALS[principal];
  if (reason) throw new Error(`cannot grant to ${principal}: ${reason}`);
}
