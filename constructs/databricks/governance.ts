import { Token, type ITerraformDependable, type TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Catalog } from '@cdktf/provider-databricks/lib/catalog';
import { Directory } from '@cdktf/provider-databricks/lib/directory';
import { Grants } from '@cdktf/provider-databricks/lib/grants';
import { Group } from '@cdktf/provider-databricks/lib/group';
import { GroupMember } from '@cdktf/provider-databricks/lib/group-member';
import { MlflowModel } from '@cdktf/provider-databricks/lib/mlflow-model';
import { MwsPermissionAssignment } from '@cdktf/provider-databricks/lib/mws-permission-assignment';
import { Permissions } from '@cdktf/provider-databricks/lib/permissions';
import { RegisteredModel } from '@cdktf/provider-databricks/lib/registered-model';
import { Schema } from '@cdktf/provider-databricks/lib/schema';
import { ServicePrincipal } from '@cdktf/provider-databricks/lib/service-principal';
import { modelNameCollisions } from './model-names';
import { accessControlList, ucGrants } from './permission-levels';

/** A service principal of one environment: an existing one by application id, or a new one by name. */
export interface GovernedServicePrincipal {
  /** Application id of an existing principal. @default none: a Databricks-managed principal is created */
  readonly applicationId?: string;
  /** Display name; required when there is no application id. @default the principal's own name */
  readonly displayName?: string;
}

export interface GovernedEnvironment {
  /** Logical environment name (lowercase letters, digits, _). */
  readonly name: string;
  /** Whether the environment's principals manage production model versions. @default false */
  readonly production?: boolean;
  /** Members of the environment's group and of the all-environments group. @default [] */
  readonly servicePrincipals?: readonly GovernedServicePrincipal[];
}

export interface UnityCatalogAccount {
  /** Databricks account id. */
  readonly accountId: string;
  /** Numeric id of the workspace the account groups are assigned to. */
  readonly workspaceId: string;
  /** Provider configured for the account API; groups, principals and memberships are created there. */
  readonly provider: TerraformProvider;
}

export interface UnityCatalogRegistryProps {
  /** Catalog that holds one schema per environment. @default mlflow */
  readonly catalog?: string;
  /** Managed storage of the catalog. @default the metastore root storage */
  readonly storageRoot?: string;
  /** Create account-level groups through the account API. @default existing account groups are referenced by name */
  readonly account?: UnityCatalogAccount;
}

export interface DatabricksGovernanceProps {
  /** The logical environments sharing the workspace; at least one. */
  readonly environments: readonly GovernedEnvironment[];
  /** Registered models; one `<model>_<env>` (workspace) or `<catalog>.<env>.<model>` (Unity Catalog) each. @default [] */
  readonly models?: readonly string[];
  /** Parent folder of the `<root>/<env>` experiment folders. @default /experiments */
  readonly experimentsRoot?: string;
  /** Model registry: the workspace registry, or Unity Catalog. @default workspace */
  readonly registry?: 'workspace' | 'unity-catalog';
  /** Unity Catalog settings, with `registry: 'unity-catalog'`. @default catalog mlflow, existing account groups */
  readonly unityCatalog?: UnityCatalogRegistryProps;
  /**
   * Protect production folders, models, schemas and the catalog with `prevent_destroy`.
   * @default true
   */
  readonly protectProduction?: boolean;
  /** Prefix of the group names: `<prefix>_<env>` and `<prefix>_all`. @default apps */
  readonly groupPrefix?: string;
}

/** What one environment got: for outputs, client configuration and further grants. */
export interface GovernedEnvironmentInfo {
  readonly name: string;
  readonly production: boolean;
  readonly groupName: string;
  readonly experimentFolder: string;
  readonly modelNames: readonly string[];
  /** Unity Catalog schema of the environment (`<catalog>.<env>`), used with the Unity Catalog registry. */
  readonly schema: string;
}

/** The names a governance deployment gives its groups, folders, models and schemas. */
export interface GovernanceLayout {
  readonly allGroupName: string;
  readonly experimentsRoot: string;
  readonly catalog: string;
  readonly environments: readonly GovernedEnvironmentInfo[];
}

/**
 * The naming rules of the governance, in one place: the construct creates these names and the
 * policy pack judges grants against them.
 */
export function governanceLayout(
  props: Pick<DatabricksGovernanceProps, 'environments' | 'models' | 'experimentsRoot' | 'registry' | 'unityCatalog' | 'groupPrefix'>,
): GovernanceLayout {
  const prefix = props.groupPrefix ?? 'apps';
  const experimentsRoot = props.experimentsRoot ?? '/experiments';
  const catalog = props.unityCatalog?.catalog ?? 'mlflow';
  const uc = (props.registry ?? 'workspace') === 'unity-catalog';
  return {
    allGroupName: `${prefix}_all`,
    experimentsRoot,
    catalog,
    environments: props.environments.map((env) => ({
      name: env.name,
      production: env.production ?? false,
      groupName: `${prefix}_${env.name}`,
      experimentFolder: `${experimentsRoot}/${env.name}`,
      modelNames: (props.models ?? []).map((m) => (uc ? `${catalog}.${env.name}.${m}` : `${m}_${env.name}`)),
      schema: `${catalog}.${env.name}`,
    })),
  };
}

/**
 * Several logical environments in one Databricks workspace, production kept apart
 * (see README, "Databricks governance"):
 * - a group per environment (`apps_<env>`) and `apps_all`, with the environment's service principals;
 * - an experiment folder per environment that only its group may use;
 * - a registered model per model and environment: non-production groups manage staging versions of
 *   their own models, production groups production versions of theirs;
 * - no non-production principal holds any permission on a production object, including through
 *   the root model ACL and the experiments root folder, which this construct manages.
 */
export class DatabricksGovernance extends Construct {
  /** Name of the group that holds every environment's principals. */
  public readonly allGroupName: string;
  /** Per environment, in declaration order. */
  public readonly environments: readonly GovernedEnvironmentInfo[];

  private readonly groups = new Map<string, ITerraformDependable>();
  private readonly registry: 'workspace' | 'unity-catalog';
  private readonly protectProduction: boolean;

  constructor(scope: Construct, id: string, props: DatabricksGovernanceProps) {
    super(scope, id);
    if (props.environments.length === 0) throw new Error('DatabricksGovernance needs at least one environment');
    DatabricksGovernance.validate(props);
    const layout = governanceLayout(props);
    const { experimentsRoot, catalog } = layout;
    const models = props.models ?? [];
    this.registry = props.registry ?? 'workspace';
    if (this.registry === 'workspace') {
      const [collision] = modelNameCollisions(models, props.environments.map((e) => e.name));
      if (collision) throw new Error(`DatabricksGovernance: ${collision.message}`);
    }
    this.protectProduction = props.protectProduction ?? true;
    this.allGroupName = layout.allGroupName;
    this.environments = layout.environments;
    const uc = this.registry === 'unity-catalog';
    const account = uc ? props.unityCatalog?.account : undefined;
    const productionGroups = this.environments.filter((e) => e.production).map((e) => e.groupName);
    // Readers of shared parents (root model ACL, experiments root): the production groups, which may
    // read every environment to promote from it. With no production environment, nothing can leak.
    const sharedReaders = productionGroups.length > 0 ? productionGroups : [this.allGroupName];

    // Groups, principals and memberships first: every ACL below depends on its groups.
    // Workspace level, or account level for Unity Catalog; existing account groups are only named.
    const createGroups = !uc || account !== undefined;
    const identityProvider = account ? { provider: account.provider } : {};
    const allGroup = createGroups ? this.group(this, 'all-group', this.allGroupName, identityProvider, account) : undefined;
    const scopes = props.environments.map((env, index) => {
      const scope = new Construct(this, env.name);
      const group = createGroups ? this.group(scope, 'group', this.environments[index].groupName, identityProvider, account) : undefined;
      for (const sp of env.servicePrincipals ?? []) {
        if (!group || !allGroup) throw new Error(`environment ${env.name}: service principals need groups created by this construct`);
        const key = sp.applicationId ?? `name-${sp.displayName}`;
        const principal = new ServicePrincipal(scope, `sp-${key}`, {
          applicationId: sp.applicationId,
          displayName: sp.displayName,
          ...identityProvider,
        });
        new GroupMember(scope, `sp-${key}-member`, { groupId: group.id, memberId: principal.id, ...identityProvider });
        new GroupMember(scope, `sp-${key}-all-member`, { groupId: allGroup.id, memberId: principal.id, ...identityProvider });
      }
      return scope;
    });

    // The experiments root: its ACL is inherited by every environment folder.
    const root = new Directory(this, 'experiments-root', { path: experimentsRoot });
    new Permissions(this, 'experiments-root-permissions', {
      directoryPath: root.path,
      accessControl: accessControlList('directory', sharedReaders.map((group) => ({ group, level: 'CAN_READ' as const }))),
      dependsOn: [root, ...this.dependenciesOn(sharedReaders)],
    });

    let ucCatalog: Catalog | undefined;
    if (uc) {
      ucCatalog = new Catalog(this, 'catalog', {
        name: catalog,
        storageRoot: props.unityCatalog?.storageRoot,
        comment: 'MLflow registered models, one schema per logical environment. Managed by mlflow-platform.',
        forceDestroy: false,
        lifecycle: this.protectProduction && productionGroups.length > 0 ? { preventDestroy: true } : undefined,
      });
      new Grants(this, 'catalog-grants', {
        catalog: ucCatalog.name,
        // USE_CATALOG only lets a group reach schemas it is granted; it gives nothing inside them.
        grant: ucGrants('catalog', this.environments.map((e) => ({ principal: e.groupName, privileges: ['USE_CATALOG'] }))),
        dependsOn: this.dependenciesOn(this.environments.map((e) => e.groupName)),
      });
    } else {
      // Every registered model inherits the root model ACL, which in many workspaces gives `users`
      // broad rights. Managing it replaces that ACL, so no production model inherits a grant.
      new Permissions(this, 'root-model-permissions', {
        registeredModelId: 'root',
        accessControl: accessControlList('registeredModel', sharedReaders.map((group) => ({ group, level: 'CAN_READ' as const }))),
        dependsOn: this.dependenciesOn(sharedReaders),
      });
    }

    this.environments.forEach((info, index) =>
      this.environmentObjects(scopes[index], info, models, ucCatalog, productionGroups),
    );
  }

  /**
   * Names are construct ids and object names: a repeated environment or model would collide (or,
   * worse, two environments would share a group); a service principal needs an identity.
   */
  private static validate(props: DatabricksGovernanceProps): void {
    const repeated = (names: readonly string[]) => names.find((name, i) => names.indexOf(name) !== i);
    const env = repeated(props.environments.map((e) => e.name));
    if (env !== undefined) throw new Error(`DatabricksGovernance: environment ${env} is listed twice`);
    const model = repeated(props.models ?? []);
    if (model !== undefined) throw new Error(`DatabricksGovernance: model ${model} is listed twice`);
    for (const e of props.environments) {
      for (const sp of e.servicePrincipals ?? []) {
        if (!sp.applicationId && !sp.displayName) {
          throw new Error(`DatabricksGovernance: environment ${e.name}: a service principal needs an applicationId or a displayName`);
        }
      }
      const ids = (e.servicePrincipals ?? []).map((sp) => sp.applicationId ?? `name-${sp.displayName}`);
      const principal = repeated(ids);
      if (principal !== undefined) throw new Error(`DatabricksGovernance: environment ${e.name}: service principal ${principal.replace(/^name-/, '')} is listed twice`);
    }
  }

  /** A group, at workspace or account level; at account level also assigned to the workspace. */
  private group(
    scope: Construct,
    id: string,
    name: string,
    identityProvider: { provider?: TerraformProvider },
    account: UnityCatalogAccount | undefined,
  ): Group {
    const group = new Group(scope, id, { displayName: name, ...identityProvider });
    this.groups.set(name, group);
    if (account) {
      const assignment = new MwsPermissionAssignment(scope, `${id}-workspace-assignment`, {
        workspaceId: Number(account.workspaceId),
        principalId: Token.asNumber(group.id),
        permissions: ['USER'],
        provider: account.provider,
      });
      // Workspace ACLs can name the group only once it is assigned to the workspace.
      this.groups.set(name, assignment);
    }
    return group;
  }

  /** The created groups among `names` (existing account groups have nothing to depend on). */
  private dependenciesOn(names: readonly string[]): ITerraformDependable[] {
    return names.flatMap((n) => {
      const dep = this.groups.get(n);
      return dep ? [dep] : [];
    });
  }

  private environmentObjects(
    scope: Construct,
    env: GovernedEnvironmentInfo,
    models: readonly string[],
    ucCatalog: Catalog | undefined,
    productionGroups: readonly string[],
  ): void {
    const protect = this.protectProduction && env.production ? { preventDestroy: true } : undefined;
    const groupDeps = this.dependenciesOn([env.groupName]);

    // Experiments: creating items in a folder takes CAN_MANAGE on it; only this environment's group
    // (and admins, implicitly) is listed, which removes every other principal from the folder.
    const folder = new Directory(scope, 'experiment-folder', { path: env.experimentFolder, lifecycle: protect });
    new Permissions(scope, 'experiment-folder-permissions', {
      directoryPath: folder.path,
      accessControl: accessControlList('directory', [{ group: env.groupName, level: 'CAN_MANAGE' }]),
      dependsOn: [folder, ...groupDeps],
    });

    if (ucCatalog) {
      const schema = new Schema(scope, 'schema', {
        catalogName: ucCatalog.name,
        name: env.name,
        comment: `MLflow registered models of the ${env.name} environment. Managed by mlflow-platform.`,
        forceDestroy: false,
        lifecycle: protect,
      });
      const readers = env.production ? [] : productionGroups;
      new Grants(scope, 'schema-grants', {
        schema: env.schema,
        grant: ucGrants('schema', [
          { principal: env.groupName, privileges: ['USE_SCHEMA', 'CREATE_MODEL', 'EXECUTE'] },
          ...readers.map((principal) => ({ principal, privileges: ['USE_SCHEMA' as const, 'EXECUTE' as const] })),
        ]),
        dependsOn: [schema, ...this.dependenciesOn([env.groupName, ...readers])],
      });
      models.forEach((model) => {
        // Only the owner of a Unity Catalog model can create versions and set aliases: the group owns it.
        new RegisteredModel(scope, `model-${model}`, {
          catalogName: ucCatalog.name,
          schemaName: env.name,
          name: model,
          owner: env.groupName,
          comment: `${model} in the ${env.name} environment. Managed by mlflow-platform.`,
          lifecycle: protect,
          dependsOn: [schema, ...groupDeps],
        });
      });
      return;
    }

    const level = env.production ? 'CAN_MANAGE_PRODUCTION_VERSIONS' : 'CAN_MANAGE_STAGING_VERSIONS';
    env.modelNames.forEach((name, i) => {
      // Created by Terraform so nobody can take the name first and own the model.
      const model = new MlflowModel(scope, `model-${models[i]}`, {
        name,
        description: `${models[i]} in the ${env.name} environment. Managed by mlflow-platform.`,
        tags: [
          { key: 'environment', value: env.name },
          { key: 'managed-by', value: 'mlflow-platform' },
        ],
        lifecycle: protect,
      });
      new Permissions(scope, `model-${models[i]}-permissions`, {
        registeredModelId: model.registeredModelId,
        accessControl: accessControlList('registeredModel', [{ group: env.groupName, level }]),
        dependsOn: groupDeps,
      });
    });
  }
}
