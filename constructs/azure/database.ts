import { Construct } from 'constructs';
import { PostgresqlFlexibleServer } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server';
import { PostgresqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-configuration';
import { PostgresqlFlexibleServerDatabase } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-database';
import type { ITerraformDependable } from 'cdktf';
import { lockAgainstDeletion } from './delete-lock';
import type { IAzureNetwork } from './network';
import { checkOneOf, checkWholeNumber } from './validate';

/** The defaults of the server when none is given (the deployment config's defaults too). */
export const POSTGRES_DEFAULTS = { version: '16', storageMb: 32768, zone: '1' } as const;

export interface FlexiblePostgresProps {
  readonly namePrefix: string;
  /**
   * Its resource group and region; private access through the network's delegated postgres subnet
   * and its postgres private DNS zone (ending in .postgres.database.azure.com), whose VNet link is
   * created first (azurerm 4.55 docs, r/postgresql_flexible_server example: depends_on the zone's
   * virtual network link).
   */
  readonly network: IAzureNetwork;
  /**
   * Expression of the admin password (an ephemeral value, e.g. read back from Key Vault): sent
   * write-only when the server is created and whenever `adminPasswordVersion` changes, never stored.
   */
  readonly adminPassword: string;
  /** Bump to send a new admin password. @default 1 */
  readonly adminPasswordVersion?: number;
  /** Major version. @default 16 */
  readonly version?: string;
  /** @default B_Standard_B2s */
  readonly skuName?: string;
  /** @default 32768 */
  readonly storageMb?: number;
  /** 7-35 days (azurerm 4.55 r/postgresql_flexible_server). @default 7 */
  readonly backupRetentionDays?: number;
  /** Zone-redundant standby. @default false */
  readonly highAvailability?: boolean;
  /** @default false */
  readonly geoRedundantBackup?: boolean;
  /** Availability zone of the primary, 1-3. @default 1 */
  readonly zone?: string;
  /** Terraform `prevent_destroy`. @default true */
  readonly protect?: boolean;
  /** Created before the server, after the zone link: e.g. the Key Vault secret holding the password. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export const ADMIN_LOGIN = 'mlflowadmin';

/**
 * Azure Database for PostgreSQL flexible server with private access only: a delegated subnet and
 * a private DNS zone, public network access disabled, TLS 1.2+ required, and the `mlflow` and
 * `mlflow_auth` databases created by Terraform.
 */
export class FlexiblePostgres extends Construct {
  public readonly server: PostgresqlFlexibleServer;
  public readonly fqdn: string;
  public readonly adminLogin = ADMIN_LOGIN;
  public readonly databaseName = 'mlflow';
  public readonly authDatabaseName = 'mlflow_auth';
  /** The server with its settings and databases: what a client (the tracking app) waits for. */
  public readonly ready: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: FlexiblePostgresProps) {
    super(scope, id);
    checkWholeNumber(this, 'backupRetentionDays', props.backupRetentionDays, 7, 35);
    checkWholeNumber(this, 'adminPasswordVersion', props.adminPasswordVersion, 1);
    checkOneOf(this, 'zone', props.zone, ['1', '2', '3']);
    const zone = props.zone ?? POSTGRES_DEFAULTS.zone;
    const net = props.network;
    this.server = new PostgresqlFlexibleServer(this, 'server', {
      name: `psql-${props.namePrefix}`,
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      version: props.version ?? POSTGRES_DEFAULTS.version,
      skuName: props.skuName ?? 'B_Standard_B2s',
      storageMb: props.storageMb ?? POSTGRES_DEFAULTS.storageMb,
      autoGrowEnabled: true,
      zone,
      delegatedSubnetId: net.subnetId('postgres'),
      privateDnsZoneId: net.privateDnsZoneIds.postgres,
      publicNetworkAccessEnabled: false,
      administratorLogin: ADMIN_LOGIN,
      administratorPasswordWo: props.adminPassword,
      administratorPasswordWoVersion: props.adminPasswordVersion ?? 1,
      authentication: { passwordAuthEnabled: true, activeDirectoryAuthEnabled: false },
      backupRetentionDays: props.backupRetentionDays ?? 7,
      geoRedundantBackupEnabled: props.geoRedundantBackup ?? false,
      highAvailability: props.highAvailability ? { mode: 'ZoneRedundant', standbyAvailabilityZone: zone === '2' ? '3' : '2' } : undefined,
      maintenanceWindow: { dayOfWeek: 0, startHour: 2, startMinute: 0 },
      dependsOn: [net.privateDnsZoneLink('postgres'), ...(props.dependsOn ?? [])],
      lifecycle: {
        // A failover swaps the zones of primary and standby.
        ignoreChanges: ['zone', 'high_availability[0].standby_availability_zone'],
        preventDestroy: props.protect ?? true,
      },
    });
    this.fqdn = this.server.fqdn;
    if (props.protect ?? true) lockAgainstDeletion(this, 'delete-lock', this.server.id, 'the MLflow backend store');

    const settings: Record<string, string> = {
      require_secure_transport: 'on',
      ssl_min_protocol_version: 'TLSv1.2',
      log_connections: 'on',
      log_disconnections: 'on',
    };
    for (const [name, value] of Object.entries(settings)) {
      this.ready.push(new PostgresqlFlexibleServerConfiguration(this, name.replace(/_/g, '-'), { serverId: this.server.id, name, value }));
    }
    for (const db of [this.databaseName, this.authDatabaseName]) {
      const database = new PostgresqlFlexibleServerDatabase(this, `${db.replace('_', '-')}-database`, {
        serverId: this.server.id,
        name: db,
        charset: 'UTF8',
        collation: 'en_US.utf8',
        lifecycle: { preventDestroy: props.protect ?? true },
      });
      this.ready.push(database);
    }
  }
}
