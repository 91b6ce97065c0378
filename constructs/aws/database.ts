import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import { RdsClusterParameterGroup } from '@cdktf/provider-aws/lib/rds-cluster-parameter-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { EncryptionKey } from './encryption-key';
import type { IAwsNetwork } from './network';
import type { PolicyStatement } from './iam';

export const POSTGRES_PORT = 5432;

/** Anything with a security group that can be allowed in. */
export interface IConnectable {
  readonly securityGroupId: string;
}

export interface TrackingDatabaseProps {
  /** Resource name prefix (identifier). */
  readonly namePrefix: string;
  /** The VPC: the database goes into its isolated subnets (no route to the internet). */
  readonly network: IAwsNetwork;
  /** Encrypts storage, Performance Insights and the master user secret. */
  readonly key: EncryptionKey;
  /** RDS PostgreSQL, or Aurora PostgreSQL Serverless v2. @default postgres */
  readonly engine?: 'postgres' | 'aurora-postgresql';
  /**
   * PostgreSQL major version. Only the major is pinned: RDS applies minor versions automatically
   * (auto_minor_version_upgrade), and the provider keeps a major-only `engine_version` without a
   * diff while `engine_version_actual` reports the running minor. A pinned minor would show a
   * perpetual diff (a downgrade attempt) after each automatic upgrade. @default 16
   */
  readonly engineVersion?: string;
  /** Instance class (postgres). @default db.t4g.medium */
  readonly instanceClass?: string;
  /** Initial storage in GiB (postgres). @default 20 */
  readonly allocatedStorageGb?: number;
  /** Storage autoscaling ceiling in GiB (postgres). @default 200 */
  readonly maxAllocatedStorageGb?: number;
  /** Aurora Serverless v2 ACUs. @default 0.5 */
  readonly minCapacity?: number;
  /** Aurora Serverless v2 ACUs. @default 4 */
  readonly maxCapacity?: number;
  /** Automated backup retention, days. @default 7 */
  readonly backupRetentionDays?: number;
  /** A standby (postgres) or a reader (Aurora) in another AZ. @default false */
  readonly multiAz?: boolean;
  /** RDS deletion protection. @default true */
  readonly deletionProtection?: boolean;
  /** Terraform `prevent_destroy` and a final snapshot on deletion. @default true */
  readonly protect?: boolean;
  /** The database MLflow's tracking store uses. @default mlflow */
  readonly databaseName?: string;
  /** Master user name; its password is managed by RDS in Secrets Manager. @default mlflow_admin */
  readonly masterUsername?: string;
}

// aws provider 6.25, internal/service/rds (compareActualEngineVersion): a configured "16" and a
// running "16.9" match, so engine_version keeps "16" in state; a configured "16.8" does not match
// a running "16.9", so state takes "16.9" and the next plan wants "16.8" back. Docs, r/db_instance
// engine_version: "If auto_minor_version_upgrade is enabled, you can provide a prefix of the
// version ... The actual engine version used is returned in the attribute engine_version_actual";
// r/rds_cluster engine_version: "The value can contain a partial version where supported by the API".
// Aurora PostgreSQL accepts a major-only version: terraform-provider-aws issue #45026 (provider 6.16)
// runs aws_rds_cluster with engine = "aurora-postgresql", engine_version = "17", and RDS resolves it
// to a minor of that major.
export const DEFAULT_ENGINE_VERSION = '16';

/** Force TLS for every connection, and log what an operator needs to investigate. */
const PARAMETERS = [
  { name: 'rds.force_ssl', value: '1' },
  { name: 'log_connections', value: '1' },
  { name: 'log_disconnections', value: '1' },
  { name: 'log_min_duration_statement', value: '1000' },
] as const;

/**
 * The PostgreSQL backend store: encrypted with a customer-managed key, private, SSL forced, the
 * master password generated and rotated by RDS in Secrets Manager (never in Terraform state).
 */
export class TrackingDatabase extends Construct implements IConnectable {
  public readonly securityGroupId: string;
  /** Host name of the writer endpoint. */
  public readonly endpoint: string;
  public readonly port = POSTGRES_PORT;
  public readonly databaseName: string;
  /** Secrets Manager secret of the master user (JSON with username and password), managed by RDS. */
  public readonly masterSecretArn: string;
  /**
   * The resource id IAM database authentication names in `rds-db:connect` policies
   * (`arn:<partition>:rds-db:<region>:<account>:dbuser:<id>/<db user>`): the instance's
   * DbiResourceId or the cluster's resource id.
   */
  public readonly iamResourceId: string;
  /** The RDS resource that holds data (for protection checks and outputs). */
  public readonly resource: DbInstance | RdsCluster;

  private readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: TrackingDatabaseProps) {
    super(scope, id);
    TrackingDatabase.validate(props);
    const engine = props.engine ?? 'postgres';
    const version = props.engineVersion ?? DEFAULT_ENGINE_VERSION;
    const major = version.split('.')[0];
    const protect = props.protect ?? true;
    this.key = props.key;
    this.databaseName = props.databaseName ?? 'mlflow';

    const { sg, subnetGroup } = this.placement(props);
    this.securityGroupId = sg.id;
    const common = {
      engine,
      engineVersion: version,
      databaseName: this.databaseName,
      masterUsername: props.masterUsername ?? 'mlflow_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.key.arn,
      storageEncrypted: true,
      kmsKeyId: props.key.arn,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [sg.id],
      backupRetentionPeriod: props.backupRetentionDays ?? 7,
      preferredBackupWindow: '02:00-03:00',
      copyTagsToSnapshot: true,
      deletionProtection: props.deletionProtection ?? true,
      // A major upgrade is a reviewed change of engineVersion (docs/runbook.md, "Upgrading PostgreSQL");
      // without this flag RDS rejects it (aws provider 6.25 docs, r/db_instance and r/rds_cluster).
      allowMajorVersionUpgrade: true,
      // Break-glass access with a short-lived IAM token instead of the master password
      // (docs/runbook.md, "Break-glass database access").
      iamDatabaseAuthenticationEnabled: true,
      skipFinalSnapshot: !protect,
      finalSnapshotIdentifier: protect ? `${props.namePrefix}-final` : undefined,
      lifecycle: protect ? { preventDestroy: true } : undefined,
    };
    if (engine === 'postgres') {
      const parameterGroup = new DbParameterGroup(this, 'parameters', {
        name: `${props.namePrefix}-postgres${major}`,
        family: `postgres${major}`,
        description: 'MLflow backend store: TLS only',
        parameter: [...PARAMETERS],
        // A major upgrade swaps in the next family's group while the instance still uses this one.
        lifecycle: { createBeforeDestroy: true },
      });
      const { databaseName, ...rest } = common;
      const db = new DbInstance(this, 'instance', {
        ...rest,
        dbName: databaseName,
        identifier: props.namePrefix,
        instanceClass: props.instanceClass ?? 'db.t4g.medium',
        allocatedStorage: props.allocatedStorageGb ?? 20,
        maxAllocatedStorage: props.maxAllocatedStorageGb ?? 200,
        storageType: 'gp3',
        multiAz: props.multiAz ?? false,
        publiclyAccessible: false,
        parameterGroupName: parameterGroup.name,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: props.key.arn,
        performanceInsightsRetentionPeriod: 7,
        enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
        autoMinorVersionUpgrade: true,
        caCertIdentifier: 'rds-ca-rsa2048-g1',
      });
      this.resource = db;
      this.iamResourceId = db.resourceId;
      this.endpoint = db.address;
      this.masterSecretArn = db.masterUserSecret.get(0).secretArn;
      return;
    }

    const clusterParameters = new RdsClusterParameterGroup(this, 'cluster-parameters', {
      name: `${props.namePrefix}-aurora-postgresql${major}`,
      family: `aurora-postgresql${major}`,
      description: 'MLflow backend store: TLS only',
      parameter: [...PARAMETERS],
      lifecycle: { createBeforeDestroy: true },
    });
    const cluster = new RdsCluster(this, 'cluster', {
      ...common,
      clusterIdentifier: props.namePrefix,
      engineMode: 'provisioned',
      dbClusterParameterGroupName: clusterParameters.name,
      serverlessv2ScalingConfiguration: { minCapacity: props.minCapacity ?? 0.5, maxCapacity: props.maxCapacity ?? 4 },
      enabledCloudwatchLogsExports: ['postgresql'],
    });
    this.clusterInstances(props, engine, cluster.id, subnetGroup.name);
    this.resource = cluster;
    this.iamResourceId = cluster.clusterResourceId;
    this.endpoint = cluster.endpoint;
    this.masterSecretArn = cluster.masterUserSecret.get(0).secretArn;
  }

  /** Rejects props RDS would refuse at apply time. */
  private static validate(props: TrackingDatabaseProps): void {
    // RDS User Guide, "Working with a DB instance in a VPC": a DB subnet group has subnets in at least two Availability Zones.
    const subnets = props.network.isolatedSubnetIds;
    if (!Token.isUnresolved(subnets) && subnets.length < 2) {
      throw new Error(`TrackingDatabase: network.isolatedSubnetIds: at least 2 subnets in different Availability Zones, got ${subnets.length}`);
    }
    const allocated = props.allocatedStorageGb ?? 20;
    const ceiling = props.maxAllocatedStorageGb ?? 200;
    // aws provider docs, r/db_instance max_allocated_storage: at least allocated_storage to turn storage autoscaling on.
    if ((props.engine ?? 'postgres') === 'postgres' && ceiling < allocated) {
      throw new Error(`TrackingDatabase: maxAllocatedStorageGb ${ceiling} is below allocatedStorageGb ${allocated}`);
    }
    const minAcu = props.minCapacity ?? 0.5;
    const maxAcu = props.maxCapacity ?? 4;
    if (props.engine === 'aurora-postgresql' && minAcu > maxAcu) {
      throw new Error(`TrackingDatabase: minCapacity ${minAcu} exceeds maxCapacity ${maxAcu} (Aurora Serverless v2 ACUs)`);
    }
    // RDS API, BackupRetentionPeriod: 0-35 days for a DB instance (0 turns automated backups off),
    // 1-35 for an Aurora cluster (CreateDBInstance, CreateDBCluster).
    const retention = props.backupRetentionDays ?? 7;
    const minRetention = (props.engine ?? 'postgres') === 'postgres' ? 0 : 1;
    if (!Number.isInteger(retention) || retention < minRetention || retention > 35) {
      throw new Error(`TrackingDatabase: backupRetentionDays ${retention}: RDS keeps automated backups ${minRetention}-35 days`);
    }
  }

  /** The database's own security group and its subnet group in the isolated subnets. */
  private placement(props: TrackingDatabaseProps): { sg: SecurityGroup; subnetGroup: DbSubnetGroup } {
  const sg = new SecurityGroup(this, 'security-group', {
    name: `${props.namePrefix}-database`,
    description: 'MLflow backend store: PostgreSQL from the tracking tasks only',
    vpcId: props.network.vpcId,
  });
  const subnetGroup = new DbSubnetGroup(this, 'subnet-group', {
    name: `${props.namePrefix}-database`,
    description: 'Isolated subnets of the MLflow backend store',
    subnetIds: [...props.network.isolatedSubnetIds],
  });
    return { sg, subnetGroup };
  }

  /** The serverless v2 instances of the Aurora cluster: two with multiAz, one otherwise. */
  private clusterInstances(props: TrackingDatabaseProps, engine: string, clusterId: string, subnetGroupName: string): void {
  const instances = props.multiAz ? 2 : 1;
  for (let i = 0; i < instances; i++) {
    new RdsClusterInstance(this, `cluster-instance-${i}`, {
      identifier: `${props.namePrefix}-${i}`,
      clusterIdentifier: clusterId,
      engine,
      // No engine_version: instances run the cluster's version (aws provider 6.25 docs,
      // r/rds_cluster_instance: upgrades are done on the aws_rds_cluster's engine_version).
      instanceClass: 'db.serverless',
      publiclyAccessible: false,
      dbSubnetGroupName: subnetGroupName,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.key.arn,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      autoMinorVersionUpgrade: true,
    });
  }
  }

  /**
   * Lets `peer` connect on the PostgreSQL port. `name` is part of the rule's Terraform address:
   * keep it stable (e.g. `tracking-tasks`).
   */
  public allowConnectionsFrom(peer: IConnectable, name: string, description = `PostgreSQL from ${name}`): VpcSecurityGroupIngressRule {
    return new VpcSecurityGroupIngressRule(this, `allow-${name}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: peer.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description,
    });
  }

  /** IAM statements to read the master user secret (ECS secrets injection). */
  public readSecretStatements(): PolicyStatement[] {
    return [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: this.masterSecretArn }, this.key.decryptStatement()];
  }
}
