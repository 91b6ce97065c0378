import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AccessLogBucket, ArtifactStore } from '../../constructs/aws/buckets';
import { TrackingDatabase } from '../../constructs/aws/database';
import { EncryptionKey } from '../../constructs/aws/encryption-key';
import { TrackingNetwork } from '../../constructs/aws/network';
import { TeamRole } from '../../constructs/aws/team-role';
import { TrackingService } from '../../constructs/aws/tracking-service';
import type { AwsArtifactsConfig, AwsDatabaseConfig, AwsNetworkConfig, AwsTeamConfig, AwsTrackingConfig } from '../config/aws';
import { awsCostDefaults } from '../config/defaults';

export interface AwsPlatformProps {
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
 * The AWS tracking platform: network, keys, database, artifact store, tracking service and teams,
 * with production defaults resolved here (the one place that knows what production means on AWS).
 */
export function addAwsPlatform(scope: Construct, props: AwsPlatformProps): void {
  const { production, name, region } = props;
  if (!props.network && !props.tracking) return;
  const identity = new DataAwsCallerIdentity(scope, 'account', {});
  const partition = new DataAwsPartition(scope, 'partition', {});
  const keyDefaults = { accountId: identity.accountId, region, partition: partition.partition };
  const logsKey = new EncryptionKey(scope, 'logs-key', {
    ...keyDefaults,
    alias: `${name}/logs`,
    description: `MLflow platform ${name}: CloudWatch log groups`,
    allowCloudWatchLogs: true,
  });

  const n = props.network;
  const vpcCidr = n?.existing?.vpcCidr ?? n?.vpcCidr ?? '10.0.0.0/16';
  const sizing = awsCostDefaults(props, production);
  const azCount = sizing.azCount;
  const network = new TrackingNetwork(scope, 'network', {
    namePrefix: name,
    region,
    logsKey,
    vpcCidr: n?.vpcCidr,
    azCount,
    subnetPrefixLength: n?.subnetPrefixLength,
    natGateways: sizing.natGateways,
    interfaceEndpoints: sizing.interfaceEndpoints,
    flowLogRetentionDays: n?.flowLogRetentionDays ?? (production ? 365 : 90),
    existing: n?.existing,
  });
  new TerraformOutput(scope, 'vpc_id', { value: network.vpcId });

  const db = props.database;
  const t = props.tracking;
  if (!db || !t) return;
  const dataKey = new EncryptionKey(scope, 'data-key', {
    ...keyDefaults,
    alias: `${name}/data`,
    description: `MLflow platform ${name}: database, artifacts, secrets`,
  });
  const database = new TrackingDatabase(scope, 'database', {
    namePrefix: name,
    vpcId: network.vpcId,
    subnetIds: network.isolatedSubnetIds,
    key: dataKey,
    engine: db.engine,
    engineVersion: db.engineVersion,
    instanceClass: sizing.instanceClass,
    allocatedStorageGb: db.allocatedStorageGb,
    maxAllocatedStorageGb: db.maxAllocatedStorageGb,
    minCapacity: db.minCapacity ?? (production ? 1 : 0.5),
    maxCapacity: db.maxCapacity ?? (production ? 16 : 4),
    backupRetentionDays: db.backupRetentionDays ?? (production ? 14 : 7),
    multiAz: db.multiAz ?? production,
    deletionProtection: db.deletionProtection ?? production,
    protect: production,
  });

  const logBucket = new AccessLogBucket(scope, 'access-logs', {
    bucketName: `${name}-logs-${identity.accountId}`,
    retentionDays: production ? 365 : 90,
    protect: production,
  });
  const artifacts = new ArtifactStore(scope, 'artifacts', {
    bucketName: `${name}-artifacts-${identity.accountId}`,
    key: dataKey,
    logBucket,
    noncurrentVersionDays: props.artifacts?.noncurrentVersionDays ?? (production ? 365 : 30),
    protect: production,
  });

  const lb = t.loadBalancer;
  const service = new TrackingService(scope, 'tracking', {
    namePrefix: name,
    region,
    accountId: identity.accountId,
    partition: partition.partition,
    vpcId: network.vpcId,
    vpcCidr,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    database,
    artifacts,
    logBucket,
    dataKey,
    logsKey,
    loadBalancer: {
      internetFacing: lb.internetFacing,
      allowedCidrs: lb.allowedCidrs ?? [vpcCidr],
      certificateArn: lb.certificateArn,
      sslPolicy: lb.sslPolicy,
      allowPlainHttp: lb.allowPlainHttp,
    },
    image: t.image,
    cpu: sizing.cpu,
    memory: sizing.memory,
    minTasks: sizing.minTasks,
    maxTasks: sizing.maxTasks,
    spot: sizing.spot,
    publicTaskIps: sizing.taskSubnets === 'public',
    workers: t.workers,
    domainName: t.domainName,
    hostedZoneId: t.hostedZoneId,
    logRetentionDays: t.logRetentionDays ?? (production ? 365 : 90),
    adminUsername: t.adminUsername,
    production,
  });

  const teams = (props.teams ?? []).map(
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

  new TerraformOutput(scope, 'tracking_uri', { value: service.trackingUri, description: 'MLFLOW_TRACKING_URI for clients.' });
  new TerraformOutput(scope, 'artifact_bucket', { value: artifacts.bucketName });
  new TerraformOutput(scope, 'database_endpoint', { value: database.endpoint });
  new TerraformOutput(scope, 'admin_secret_arn', {
    value: service.adminSecretArn,
    description: 'Secrets Manager secret with the MLflow admin password (read it with the AWS CLI; never printed here).',
  });
  new TerraformOutput(scope, 'log_group', { value: service.logGroupName });
  new TerraformOutput(scope, 'teams', {
    description: 'Per team: IAM role ARN and artifact prefix.',
    value: Object.fromEntries(teams.map(([team, role]) => [team, { role_arn: role.role.arn, artifact_prefix: role.artifactPrefix }])),
  });
}
