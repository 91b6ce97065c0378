import { TerraformOutput } from 'cdktf';
import { addTrackingOutputs } from './outputs';
import type { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AccessLogBucket, ArtifactStore } from '../../constructs/aws/buckets';
import { TrackingDatabase } from '../../constructs/aws/database';
import { EncryptionKey } from '../../constructs/aws/encryption-key';
import { TrackingNetwork } from '../../constructs/aws/network';
import { RateLimitedWebAcl } from '../../constructs/aws/rate-limited-web-acl';
import { TeamRole } from '../../constructs/aws/team-role';
import { TrackingService, type TrackingServiceProps } from '../../constructs/aws/tracking-service';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { TrackingAlarms } from '../../constructs/aws/alarms';
import { PlatformBackup } from '../../constructs/aws/backup';
import type { AwsArtifactsConfig, AwsDatabaseConfig, AwsNetworkConfig, AwsTeamConfig, AwsTrackingConfig } from '../config/aws';
import { awsLogGroupClass } from '../config/defaults';
import { gcScript } from '../../constructs/shared/gc-script';
import { awsConnectionPlan, type OperationsSections } from '../config/operations';
import { FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB, type ResolvedAws, type ResolvedAwsTracking, resolveAws } from '../config/resolve';

export interface AwsPlatformProps extends OperationsSections {
  readonly name: string;
  readonly region: string;
  readonly production: boolean;
  readonly network?: AwsNetworkConfig;
  readonly database?: AwsDatabaseConfig;
  readonly artifacts?: AwsArtifactsConfig;
  readonly tracking?: AwsTrackingConfig;
  readonly teams?: readonly AwsTeamConfig[];
}

/**
 * The AWS tracking platform: network, keys, database, artifact store, tracking service and teams.
 * Every config-driven construct prop comes from resolveAws (stacks/config/resolve.ts), never from a
 * default written here or a construct's own fallback.
 */
export function addAwsPlatform(scope: Construct, props: AwsPlatformProps): void {
  const { production, name, region } = props;
  if (!props.network && !props.tracking) return;
  const r = resolveAws(props, production);
  const identity = new DataAwsCallerIdentity(scope, 'account', {});
  const partition = new DataAwsPartition(scope, 'partition', {});
  const keyDefaults = { accountId: identity.accountId, region, partition: partition.partition };
  const logsKey = new EncryptionKey(scope, 'logs-key', {
    ...keyDefaults,
    alias: `${name}/logs`,
    description: `MLflow platform ${name}: CloudWatch log groups`,
    allowCloudWatchLogs: true,
    allowAlarmNotifications: true,
  });

  const n = r.network;
  const network = new TrackingNetwork(scope, 'network', {
    namePrefix: name,
    region,
    logsKey,
    vpcCidr: n.vpcCidr,
    azCount: n.azCount,
    subnetPrefixLength: n.subnetPrefixLength,
    natGateways: n.natGateways,
    interfaceEndpoints: n.interfaceEndpoints,
    flowLogRetentionDays: n.flowLogRetentionDays,
    flowLogClass: awsLogGroupClass(n.flowLogClass),
    existing: n.existing,
  });
  new TerraformOutput(scope, 'vpc_id', { value: network.vpcId });

  // The config check requires database, artifacts and tracking together.
  const { database: db, tracking: t, artifacts: a } = r;
  if (!db || !t || !a) return;
  const dataKey = new EncryptionKey(scope, 'data-key', {
    ...keyDefaults,
    alias: `${name}/data`,
    description: `MLflow platform ${name}: database, artifacts, secrets`,
  });
  const database = new TrackingDatabase(scope, 'database', {
    namePrefix: name,
    network,
    key: dataKey,
    engine: db.engine,
    engineVersion: db.engineVersion,
    instanceClass: db.instanceClass,
    allocatedStorageGb: db.allocatedStorageGb,
    maxAllocatedStorageGb: db.maxAllocatedStorageGb,
    minCapacity: db.minCapacity,
    maxCapacity: db.maxCapacity,
    backupRetentionDays: db.backupRetentionDays,
    multiAz: db.multiAz,
    deletionProtection: db.deletionProtection,
    protect: r.derived.protect,
  });

  const logBucket = new AccessLogBucket(scope, 'access-logs', {
    bucketName: `${name}-logs-${identity.accountId}`,
    region,
    retentionDays: r.derived.accessLogRetentionDays,
    protect: r.derived.protect,
  });
  const artifacts = new ArtifactStore(scope, 'artifacts', {
    bucketName: `${name}-artifacts-${identity.accountId}`,
    key: dataKey,
    logBucket,
    noncurrentVersionDays: a.noncurrentVersionDays,
    protect: r.derived.protect,
  });

  network.limitS3Endpoint({ bucketArns: [artifacts.bucketArn], partition: partition.partition, region });

  const connections = awsConnectionPlan(r, props.tracking?.maxTasks !== undefined);
  // The config loader rejected a plan that does not fit; a construct-level caller gets the same message.
  if (!connections?.ok) throw new Error(connections ? `${connections.path.join('.')}: ${connections.message}` : `database.instanceClass: expected a db.* class, got ${db.instanceClass}`);
  const lb = t.loadBalancer;
  const service = new TrackingService(scope, 'tracking', trackingServiceProps(props, r, { tracking: t, identity, partition, network, database, artifacts, logBucket, dataKey, logsKey, pool: connections.sizing }));

  if (lb.internetFacing) {
    new RateLimitedWebAcl(scope, 'tracking-waf', { name: `${name}-tracking`, resourceArn: service.loadBalancerArn, limit: lb.rateLimit });
  }

  const teams = r.teams.map(
    (team) =>
      [
        team.name,
        new TeamRole(scope, `team-${team.name}`, {
          namePrefix: name,
          team: team.name,
          trustedPrincipals: team.trustedPrincipals,
          artifacts,
        }),
      ] as const,
  );

  addOperations(scope, props, r, { tracking: t, identity, partition, database, artifacts, service, dataKey, logsKey, maxConnections: connections.sizing.limit });

  addAwsOutputs(scope, { service, artifacts, database, teams: teams.map(([team, role]) => ({ team, role })) });
}

/** TrackingService's fully resolved props: config values with their defaults, and the constructs it uses. */
function trackingServiceProps(
  props: AwsPlatformProps,
  r: ResolvedAws,
  x: {
    readonly tracking: ResolvedAwsTracking;
    readonly identity: DataAwsCallerIdentity;
    readonly partition: DataAwsPartition;
    readonly network: TrackingNetwork;
    readonly database: TrackingDatabase;
    readonly artifacts: ArtifactStore;
    readonly logBucket: AccessLogBucket;
    readonly dataKey: EncryptionKey;
    readonly logsKey: EncryptionKey;
    readonly pool: { readonly poolSize: number; readonly maxOverflow: number };
  },
): TrackingServiceProps {
  const { production, name, region } = props;
  const { tracking: t, identity, partition, network, database, artifacts, logBucket, dataKey, logsKey } = x;
  const lb = t.loadBalancer;
  const publicTasks = r.network.taskSubnets === 'public';
  return {
    namePrefix: name,
    region,
    accountId: identity.accountId,
    partition: partition.partition,
    network,
    database,
    artifacts,
    logBucket,
    dataKey,
    logsKey,
    loadBalancer: {
      internetFacing: lb.internetFacing,
      allowedCidrs: lb.allowedCidrs,
      certificateArn: lb.certificateArn,
      sslPolicy: lb.sslPolicy,
      allowPlainHttp: lb.allowPlainHttp,
    },
    image: t.image,
    cpu: t.cpu,
    memory: t.memory,
    minTasks: t.minTasks,
    maxTasks: t.maxTasks,
    spot: t.spot,
    publicTaskIps: publicTasks,
    workers: t.workers,
    domainName: t.domainName,
    hostedZoneId: t.hostedZoneId,
    logRetentionDays: t.logRetentionDays,
    logGroupClass: awsLogGroupClass(t.logClass),
    adminUsername: t.adminUsername,
    production,
    // Tasks in public subnets pull the image from ghcr.io through the internet gateway; private
    // tasks without NAT reach only the endpoints.
    httpsEgress:
      publicTasks || network.internetEgress || !network.s3PrefixListId ? { internet: true } : { internet: false, s3PrefixListId: network.s3PrefixListId },
    telemetry: t.telemetry,
    teams: r.teams.map((team) => team.name),
    databasePool: x.pool,
    idleTimeoutSeconds: t.uploadIdleTimeoutSeconds,
    // Fargate's own size needs no ephemeral_storage block in the task definition.
    ephemeralStorageGib: t.ephemeralStorageGb === FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB ? undefined : t.ephemeralStorageGb,
  };
}

/** The stack outputs `client-config` and `smoke` read. */
function addAwsOutputs(
  scope: Construct,
  x: { readonly service: TrackingService; readonly artifacts: ArtifactStore; readonly database: TrackingDatabase; readonly teams: readonly { team: string; role: TeamRole }[] },
): void {
  addTrackingOutputs(
    scope,
    {
      tracking_uri: { value: x.service.trackingUri, description: 'MLFLOW_TRACKING_URI for clients.' },
      artifact_root: { value: `s3://${x.artifacts.bucketName}`, description: 'Where the server stores artifacts (its --artifacts-destination).' },
      database_host: { value: x.database.endpoint, description: 'Host name of the PostgreSQL server (writer endpoint).' },
      admin_secret: {
        value: x.service.adminSecretArn,
        description: 'Secrets Manager secret (ARN) with the MLflow admin password (read it with the AWS CLI; never printed here).',
      },
      logs: { value: x.service.logGroupName, description: "The tracking server's CloudWatch Logs log group." },
    },
    { artifact_bucket: { replacement: 'artifact_root', value: x.artifacts.bucketName }, database_endpoint: 'database_host', admin_secret_arn: 'admin_secret', log_group: 'logs' },
  );
  new TerraformOutput(scope, 'database_iam_resource_id', {
    value: x.database.iamResourceId,
    description: 'Resource id for rds-db:connect policies (IAM database authentication, break-glass access).',
  });
  new TerraformOutput(scope, 'teams', {
    description: 'Per team: MLflow workspace, team-admin secret (admin_secret; admin_secret_arn is deprecated), IAM role ARN and artifact prefix.',
    value: Object.fromEntries(
      x.teams.map(({ team, role }) => [
        team,
        { workspace: team, admin_secret: x.service.teamAdminSecretArns[team], admin_secret_arn: x.service.teamAdminSecretArns[team], role_arn: role.role.arn, artifact_prefix: role.artifactPrefix },
      ]),
    ),
  });
}

interface OperationsTargets {
  readonly tracking: ResolvedAwsTracking;
  readonly identity: DataAwsCallerIdentity;
  readonly partition: DataAwsPartition;
  readonly database: TrackingDatabase;
  readonly artifacts: ArtifactStore;
  readonly service: TrackingService;
  readonly dataKey: EncryptionKey;
  readonly logsKey: EncryptionKey;
  readonly maxConnections: number;
}

/** Alarms and backups of the tracking platform (issue: day-2 operations). */
function addOperations(scope: Construct, props: AwsPlatformProps, r: ResolvedAws, x: OperationsTargets): void {
  const { name, production, region } = props;
  const db = x.database.resource;
  const isInstance = db instanceof DbInstance;
  const alarmConfig = r.alarms;
  if (alarmConfig.enabled) {
    new TrackingAlarms(scope, 'alarms', {
      namePrefix: name,
      accountId: x.identity.accountId,
      partition: x.partition.partition,
      region,
      key: x.logsKey,
      emails: alarmConfig.emails,
      loadBalancerArnSuffix: x.service.loadBalancerArnSuffix,
      targetGroupArnSuffix: x.service.targetGroupArnSuffix,
      clusterName: x.service.clusterName,
      clusterArn: x.service.clusterArn,
      serviceName: x.service.serviceName,
      minTasks: x.tracking.minTasks,
      database: {
        kind: isInstance ? 'instance' : 'cluster',
        identifier: isInstance ? db.identifier : db.clusterIdentifier,
        maxConnections: x.maxConnections,
        allocatedStorageGb: isInstance ? r.database?.allocatedStorageGb : undefined,
      },
      production,
    });
  }
  const retention = r.retention;
  if (retention.gcEnabled) {
    x.service.scheduleCommand('gc', {
      scheduleExpression: `cron(0 ${retention.hourUtc} * * ? *)`,
      description: `mlflow gc: permanently remove runs and experiments deleted more than ${retention.deletedRunsDays} days ago`,
      command: gcScript({ artifactsDestination: `s3://${x.artifacts.bucketName}`, olderThanDays: retention.deletedRunsDays }),
    });
  }
  const backup = r.backup;
  if (backup.enabled) {
    const plan = new PlatformBackup(scope, 'backup', {
      namePrefix: name,
      accountId: x.identity.accountId,
      partition: x.partition.partition,
      key: x.dataKey,
      databaseArn: db.arn,
      bucketArn: x.artifacts.bucketArn,
      retentionDays: backup.retentionDays,
      schedule: backup.schedule,
      protect: r.derived.protect,
    });
    x.artifacts.allowServiceRole(plan.roleArn);
  }
}
