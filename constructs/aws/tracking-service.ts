import { type ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { AccessLogBucket, ArtifactStore } from './buckets';
import { POSTGRES_PORT, type TrackingDatabase } from './database';
import {
  allowedHosts,
  CONTAINER_PORT,
  DEFAULT_ADMIN_USERNAME,
  DEFAULT_MLFLOW_IMAGE,
  INIT_ENV,
  migrateScript,
  PREPARE_SCRATCH_SCRIPT,
  SCRATCH_PATH,
  SERVER_DB_ROLE,
  serverEnvironment,
  scratchEnvironment,
  SERVER_UID,
  serverScript,
  teamAdminPasswordEnv,
} from '../shared/mlflow-server';
import { serverTuning } from '../shared/server-tuning';
import type { EncryptionKey } from './encryption-key';
import { FARGATE_EPHEMERAL_STORAGE_GIB, fargateSizeProblem } from './fargate';
import { GeneratedSecret } from './generated-secret';
import { addPolicy, type IGrantable, type PolicyStatement, serviceTrust } from './iam';
import type { IAwsNetwork } from './network';

/** The HTTPS listener's TLS policy when none is given (the deployment config's default too). */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** The load balancer idle timeout (seconds) when none is given (the deployment config's default too). */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 600;

export interface LoadBalancerOptions {
  /** Internet-facing instead of internal. @default false */
  readonly internetFacing?: boolean;
  /** Who may reach the listeners. */
  readonly allowedCidrs: readonly string[];
  /** ACM certificate of the HTTPS listener; required unless allowPlainHttp. @default none */
  readonly certificateArn?: string;
  /** TLS policy. @default ELBSecurityPolicy-TLS13-1-2-2021-06 */
  readonly sslPolicy?: string;
  /** Plain HTTP on port 80 instead of HTTPS (non-production, internal only). @default false */
  readonly allowPlainHttp?: boolean;
}

export interface TrackingServiceProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  /** The VPC: tasks and an internal load balancer in its private subnets, an internet-facing one (and public tasks) in its public subnets. */
  readonly network: IAwsNetwork;
  readonly database: TrackingDatabase;
  readonly artifacts: ArtifactStore;
  readonly logBucket: AccessLogBucket;
  /** Encrypts the generated secrets. */
  readonly dataKey: EncryptionKey;
  /** Encrypts the server's log group. */
  readonly logsKey: EncryptionKey;
  readonly loadBalancer: LoadBalancerOptions;
  /** Pinned MLflow image with the PostgreSQL driver, boto3 and the auth extra. @default ghcr.io/mlflow/mlflow:v3.17.0-full */
  readonly image?: string;
  /** Fargate CPU units. @default 1024 */
  readonly cpu?: number;
  /** Fargate memory (MiB). @default 2048 */
  readonly memory?: number;
  /** Autoscaling bounds. @default 1 */
  readonly minTasks?: number;
  /** @default 3 */
  readonly maxTasks?: number;
  /** Server worker processes. @default 2 per vCPU */
  readonly workers?: number;
  /** Host name clients use. @default the load balancer DNS name */
  readonly domainName?: string;
  /** Route 53 zone for an alias record of domainName. @default no record */
  readonly hostedZoneId?: string;
  /** Log retention, days. @default 90 */
  readonly logRetentionDays?: number;
  /**
   * CloudWatch Logs log class of the server log group (aws 6.25 `log_group_class`; changing it
   * replaces the log group). INFREQUENT_ACCESS takes the awslogs driver's PutLogEvents and Logs
   * Insights queries, not Live Tail, metric or subscription filters. @default the service's, STANDARD
   */
  readonly logGroupClass?: 'STANDARD' | 'INFREQUENT_ACCESS';
  /** MLflow auth admin. @default admin */
  readonly adminUsername?: string;
  /** Load balancer deletion protection and longer secret recovery. @default true */
  readonly production?: boolean;
  /**
   * Run the tasks on Fargate Spot (x86_64 only; interrupted with two minutes notice when AWS needs the
   * capacity back). Not allowed with `production`. @default false
   */
  readonly spot?: boolean;
  /**
   * Run the tasks in the public subnets with a public IPv4, reaching the image registry, Secrets Manager
   * and CloudWatch Logs through the internet gateway instead of a NAT gateway. The task security group
   * still admits only the load balancer. Not allowed with `production`. @default false
   */
  readonly publicTaskIps?: boolean;
  /**
   * Egress the tasks need on 443. `internet`: image pulls from public registries and AWS APIs through
   * NAT. Otherwise only the VPC (interface endpoints) and S3 through its gateway endpoint prefix list.
   * @default { internet: true }
   */
  readonly httpsEgress?: { readonly internet: true } | { readonly internet: false; readonly s3PrefixListId: string };

  /** Send MLflow's usage telemetry. @default false */
  readonly telemetry?: boolean;
  /** Teams: an MLflow workspace each, with a generated team-admin credential. @default none */
  readonly teams?: readonly string[];
  /**
   * SQLAlchemy pool of every server worker (constructs/shared/db-connections.ts sizes it).
   * @default MLflow's defaults (5 + 10 overflow per engine)
   */
  readonly databasePool?: { readonly poolSize: number; readonly maxOverflow: number };
  /**
   * Load balancer idle timeout in seconds: long enough for the server to pass a large upload on to
   * S3 after the last byte arrived. The server's keep-alive is set 5 s longer. @default 600
   */
  readonly idleTimeoutSeconds?: number;
  /** Fargate ephemeral storage of a task (GiB, 21-200): uploads are buffered in /tmp. @default 20 (Fargate's default) */
  readonly ephemeralStorageGib?: number;
}

interface ContainerSecrets {
  readonly admin: GeneratedSecret;
  readonly flaskKey: GeneratedSecret;
  readonly serverDb: GeneratedSecret;
  readonly teamAdmins: Readonly<Record<string, GeneratedSecret>>;
}

/** The one writable path of every container: a task-scoped bind mount (Fargate creates it root-owned, mode 0755). */
const SCRATCH_MOUNTS = [{ sourceVolume: 'tmp', containerPath: SCRATCH_PATH, readOnly: false }];

/** The environment every MLflow container of the tracking tasks shares: scratch, region, the backend store without credentials. */
function taskEnvironment(props: TrackingServiceProps): { name: string; value: string }[] {
  const storeUri = `postgresql://${props.database.endpoint}:${POSTGRES_PORT}/${props.database.databaseName}?sslmode=require`;
  return [
    ...scratchEnvironment({ telemetry: props.telemetry }),
    { name: 'AWS_DEFAULT_REGION', value: props.region },
    { name: 'PGHOST', value: props.database.endpoint },
    { name: 'PGPORT', value: String(POSTGRES_PORT) },
    { name: 'PGDATABASE', value: props.database.databaseName },
    { name: 'PGSSLMODE', value: 'require' },
    // No credentials in the URI: libpq reads PGUSER and PGPASSWORD, injected from Secrets Manager.
    { name: 'MLFLOW_BACKEND_STORE_URI', value: storeUri },
    { name: 'MLFLOW_ADMIN_USERNAME', value: props.adminUsername ?? DEFAULT_ADMIN_USERNAME },
  ];
}

/** The awslogs driver writing to the server's log group under `prefix`. */
function awsLogs(props: TrackingServiceProps, logGroupName: string, prefix: string): object {
  return { logDriver: 'awslogs', options: { 'awslogs-group': logGroupName, 'awslogs-region': props.region, 'awslogs-stream-prefix': prefix } };
}

/** What ECS needs to start any task of this service: pull the image (ECR or public), write to the log group. */
function pullAndLogStatements(props: TrackingServiceProps, logGroupArn: string): PolicyStatement[] {
  return [
    {
      Effect: 'Allow',
      Action: ['ecr:GetAuthorizationToken'],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: `arn:${props.partition}:ecr:${props.region}:${props.accountId}:repository/*`,
    },
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` },
  ];
}

/** Root for one command: hands the scratch volume to the server's user, then exits (no secrets). */
function prepareScratchContainer(image: string, logging: (prefix: string) => object): object {
  return {
    name: 'prepare-scratch',
    image,
    essential: false,
    readonlyRootFilesystem: true,
    user: '0',
    mountPoints: SCRATCH_MOUNTS,
    entryPoint: ['/bin/sh', '-c'],
    command: [PREPARE_SCRATCH_SCRIPT],
    logConfiguration: logging('prepare-scratch'),
  };
}

/**
 * The MLflow tracking server on ECS Fargate behind an Application Load Balancer:
 * private tasks, TLS at the load balancer, the basic-auth app with NO_PERMISSIONS by default,
 * secrets injected from Secrets Manager, database migrations as an init container, and a
 * redeploy whenever RDS rotates the database password.
 */
export class TrackingService extends Construct implements IGrantable {
  /** The task role: what the server itself may do (the artifact bucket). */
  public readonly role: IamRole;
  public readonly securityGroupId: string;
  public readonly trackingUri: string;
  public readonly loadBalancerDnsName: string;
  public readonly loadBalancerArn: string;
  public readonly logGroupName: string;
  public readonly adminSecretArn: string;
  /** Per team: the Secrets Manager secret with its team-admin password. */
  public readonly teamAdminSecretArns: Readonly<Record<string, string>>;
  public readonly clusterName: string;
  public readonly serviceName = 'mlflow';
  public readonly clusterArn: string;
  /** CloudWatch dimensions of the load balancer and its target group. */
  public readonly loadBalancerArnSuffix: string;
  public readonly targetGroupArnSuffix: string;
  /** What a scheduled command needs to run as a standalone task beside the service (scheduleCommand). */
  private readonly runTask: {
    /** The service: its first tasks migrate the database before anything is scheduled. */
    service: EcsService;
    serverDb: GeneratedSecret;
    logGroup: CloudwatchLogGroup;
    cpu: number;
    cluster: EcsCluster;
    subnets: string[];
    /** Public IPv4 per task (public task subnets, no NAT): the scheduled tasks need it as much as the service's. */
    assignPublicIp: boolean;
    securityGroupId: string;
    props: TrackingServiceProps;
  };

  constructor(scope: Construct, id: string, props: TrackingServiceProps) {
    super(scope, id);
    const production = props.production ?? true;
    const cpu = props.cpu ?? 1024;
    const https = !props.loadBalancer.allowPlainHttp;
    TrackingService.validate(props, production, cpu);

    // Logs and secrets.
    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/mlflow-platform/${props.namePrefix}/tracking`,
      retentionInDays: props.logRetentionDays ?? 90,
      logGroupClass: props.logGroupClass,
      kmsKeyId: props.logsKey.arn,
    });
    this.logGroupName = logGroup.name;
    const { admin, flaskKey, serverDb, teamAdmins } = this.generatedSecrets(props, production);
    this.adminSecretArn = admin.arn;
    this.teamAdminSecretArns = Object.fromEntries(Object.entries(teamAdmins).map(([team, secret]) => [team, secret.arn]));

    // Roles: the execution role starts the task, the task role is what MLflow itself may do.
    const { executionRole, executionPolicy } = this.executionRole(props, logGroup.arn, { admin, flaskKey, serverDb, teamAdmins });
    this.role = new IamRole(this, 'task-role', {
      name: `${props.namePrefix}-tracking-task`,
      assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com', props.accountId),
    });
    const artifactsPolicy = props.artifacts.grantReadWrite(this, 'tracking-server');

    // Network: load balancer <- allowed CIDRs; tasks <- load balancer; database <- tasks.
    const lbSg = new SecurityGroup(this, 'load-balancer-security-group', {
      name: `${props.namePrefix}-tracking-lb`,
      description: 'MLflow load balancer: HTTPS from the allowed CIDRs',
      vpcId: props.network.vpcId,
    });
    const taskSg = new SecurityGroup(this, 'task-security-group', {
      name: `${props.namePrefix}-tracking-tasks`,
      description: 'MLflow tasks: the server port from the load balancer',
      vpcId: props.network.vpcId,
    });
    this.securityGroupId = taskSg.id;
    // Everything a task needs on the network before it can start, migrate and pass health checks.
    const taskNetwork = this.networkRules(props, https, lbSg, taskSg);

    const lb = this.loadBalancer(props, production, lbSg);
    this.loadBalancerDnsName = lb.dnsName;
    this.loadBalancerArn = lb.arn;
    this.loadBalancerArnSuffix = lb.arnSuffix;
    const targets = this.targetGroup(props);
    this.targetGroupArnSuffix = targets.arnSuffix;
    const servingListener = this.listeners(props, https, lb, targets);
    const host = props.domainName ?? lb.dnsName;
    this.trackingUri = `${https ? 'https' : 'http'}://${host}`;
    if (props.domainName && props.hostedZoneId) {
      new Route53Record(this, 'dns', {
        zoneId: props.hostedZoneId,
        name: props.domainName,
        type: 'A',
        alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
      });
    }

    // Task definition: an init container migrates the databases, then the server starts.
    const taskDefinition = this.taskDefinition(props, cpu, { executionRole, lb, logGroupName: logGroup.name }, { admin, flaskKey, serverDb, teamAdmins });

    const cluster = new EcsCluster(this, 'cluster', {
      name: props.namePrefix,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    const assignPublicIp = props.publicTaskIps ?? false;
    const taskSubnets = [...(assignPublicIp ? props.network.publicSubnetIds : props.network.privateSubnetIds)];
    const service = this.service(props, { cluster, taskDefinition, taskSubnets, assignPublicIp, taskSg, targets }, [
      servingListener,
      ...[admin, flaskKey, serverDb, ...Object.values(teamAdmins)].map((s) => s.value),
      executionPolicy,
      artifactsPolicy,
      ...taskNetwork,
    ]);
    this.autoscaling(props, cluster, service);

    this.runTask = { service, serverDb, logGroup, cpu, cluster, subnets: taskSubnets, assignPublicIp, securityGroupId: taskSg.id, props };
    this.redeployOnRotation(props, cluster, service);
  }

  /** Rejects props the service cannot honour, before anything is created. */
  private static validate(props: TrackingServiceProps, production: boolean, cpu: number): void {
    const lbOptions = props.loadBalancer;
    if (production && (props.spot || props.publicTaskIps)) throw new Error('production tasks run on on-demand Fargate in private subnets');
    if (lbOptions.allowPlainHttp && (production || lbOptions.internetFacing)) {
      throw new Error('plain HTTP is only allowed for a non-production deployment behind an internal load balancer');
    }
    if (!lbOptions.allowPlainHttp && !lbOptions.certificateArn) throw new Error('an HTTPS listener needs a certificate ARN');
    const size = fargateSizeProblem(cpu, props.memory ?? 2048);
    if (size) throw new Error(`TrackingService: cpu ${cpu} / memory ${props.memory ?? 2048}: ${size}`);
    const storage = props.ephemeralStorageGib;
    const { min, max } = FARGATE_EPHEMERAL_STORAGE_GIB;
    if (storage !== undefined && !(Number.isInteger(storage) && storage >= min && storage <= max)) {
      throw new Error(`TrackingService: ephemeralStorageGib ${storage}: Fargate takes a whole number of GiB from ${min} to ${max} (omit it for the 20 GiB default)`);
    }
    const minTasks = props.minTasks ?? 1;
    if (!Number.isInteger(minTasks) || minTasks < 1) throw new Error(`TrackingService: minTasks ${minTasks}: expected a whole number of at least 1`);
    // Application Auto Scaling rejects a scalable target whose minimum exceeds its maximum (RegisterScalableTarget).
    if (props.maxTasks !== undefined && !(Number.isInteger(props.maxTasks) && props.maxTasks >= minTasks)) {
      throw new Error(`TrackingService: maxTasks ${props.maxTasks}: expected a whole number of at least minTasks (${minTasks})`);
    }
    if (props.workers !== undefined && !(Number.isInteger(props.workers) && props.workers >= 1)) {
      throw new Error(`TrackingService: workers ${props.workers}: expected a whole number of at least 1`);
    }
    // An Application Load Balancer's idle timeout (idle_timeout.timeout_seconds) is 1-4000 seconds; the config schema has the same ceiling.
    const idle = props.idleTimeoutSeconds;
    if (idle !== undefined && !(Number.isInteger(idle) && idle >= 1 && idle <= 4000)) {
      throw new Error(`TrackingService: idleTimeoutSeconds ${idle}: the load balancer takes 1-4000 seconds`);
    }
    // ELB API reference, CreateLoadBalancer Subnets: an Application Load Balancer takes subnets from at least two Availability Zones.
    const lbSubnets = lbOptions.internetFacing ? props.network.publicSubnetIds : props.network.privateSubnetIds;
    if (!Token.isUnresolved(lbSubnets) && lbSubnets.length < 2) {
      throw new Error(`TrackingService: the ${lbOptions.internetFacing ? 'public' : 'private'} subnets of the load balancer: at least 2 (two Availability Zones), got ${lbSubnets.length}`);
    }
  }

  /** The Fargate task definition: prepare-scratch, migrate and the server (containerDefinitions). */
  private taskDefinition(
    props: TrackingServiceProps,
    cpu: number,
    run: { executionRole: IamRole; lb: Lb; logGroupName: string },
    secrets: ContainerSecrets,
  ): EcsTaskDefinition {
    const image = props.image ?? DEFAULT_MLFLOW_IMAGE;
    const workers = props.workers ?? Math.max(2, Math.round((cpu / 1024) * 2));
    const hosts = allowedHosts([props.domainName, run.lb.dnsName], props.network.vpcCidr);
    const containers = this.containerDefinitions(props, { image, workers, hosts, logGroupName: run.logGroupName }, secrets);
    return new EcsTaskDefinition(this, 'task-definition', {
      family: `${props.namePrefix}-mlflow`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(cpu),
      memory: String(props.memory ?? 2048),
      executionRoleArn: run.executionRole.arn,
      taskRoleArn: this.role.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      volume: [{ name: 'tmp' }],
      ephemeralStorage: props.ephemeralStorageGib ? { sizeInGib: props.ephemeralStorageGib } : undefined,
      containerDefinitions: JSON.stringify(containers),
    });
  }

  /**
   * The ECS service (on Fargate, or Fargate Spot through the cluster's capacity providers) behind the
   * target group. `startsAfter`: what a task needs before it can start (listener, secret values,
   * policies, network rules).
   */
  private service(
    props: TrackingServiceProps,
    on: { cluster: EcsCluster; taskDefinition: EcsTaskDefinition; taskSubnets: string[]; assignPublicIp: boolean; taskSg: SecurityGroup; targets: LbTargetGroup },
    startsAfter: ITerraformDependable[],
  ): EcsService {
    const { cluster, taskDefinition, taskSubnets, assignPublicIp, taskSg, targets } = on;
    // Fargate Spot needs the capacity providers on the cluster; a strategy replaces the launch type
    // (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html).
    const capacity = props.spot
      ? new EcsClusterCapacityProviders(this, 'capacity-providers', { clusterName: cluster.name, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] })
      : undefined;
    return new EcsService(this, 'service', {
      name: this.serviceName,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      ...(capacity ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] } : { launchType: 'FARGATE' }),
      desiredCount: props.minTasks ?? 1,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 120,
      availabilityZoneRebalancing: 'ENABLED',
      propagateTags: 'SERVICE',
      enableExecuteCommand: false,
      networkConfiguration: { subnets: taskSubnets, securityGroups: [taskSg.id], assignPublicIp },
      loadBalancer: [{ targetGroupArn: targets.arn, containerName: 'mlflow', containerPort: CONTAINER_PORT }],
      // Autoscaling owns the task count once deployed.
      lifecycle: { ignoreChanges: ['desired_count'] },
      // ECS refuses a target group that no listener forwards to yet ("The target group ... does not
      // have an associated load balancer"; terraform-provider-aws issue #3495, aws/aws-cdk #1160:
      // depends_on the listener); tasks fail to start without their secret values, IAM
      // permissions and network rules, and on a first deployment the circuit breaker has nothing to
      // roll back to. On destroy the order reverses: the service drains before its policies go
      // (aws provider 6.25 docs, r/ecs_service: "set depends_on to the related aws_iam_role_policy",
      // otherwise the service gets stuck in DRAINING).
      dependsOn: [...(capacity ? [capacity] : []), ...startsAfter],
    });
  }

  /** Target tracking on the service's average CPU, between minTasks and maxTasks. */
  private autoscaling(props: TrackingServiceProps, cluster: EcsCluster, service: EcsService): void {
    const minTasks = props.minTasks ?? 1;
    const scaling = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${cluster.name}/${service.name}`,
      minCapacity: minTasks,
      maxCapacity: props.maxTasks ?? Math.max(minTasks, 3),
    });
    new AppautoscalingPolicy(this, 'scale-on-cpu', {
      name: `${props.namePrefix}-mlflow-cpu`,
      policyType: 'TargetTrackingScaling',
      serviceNamespace: scaling.serviceNamespace,
      scalableDimension: scaling.scalableDimension,
      resourceId: scaling.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: 60,
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
  }

  /** The role ECS starts the task with: pull the image, write its logs, read its secrets. */
  private executionRole(
    props: TrackingServiceProps,
    logGroupArn: string,
    secrets: ContainerSecrets,
  ): { executionRole: IamRole; executionPolicy: ReturnType<typeof addPolicy> } {
    const executionRole = new IamRole(this, 'execution-role', {
      name: `${props.namePrefix}-tracking-execution`,
      assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com', props.accountId),
    });
    const executionPolicy = addPolicy(this, 'execution', { role: executionRole }, [
      ...pullAndLogStatements(props, logGroupArn),
      ...[secrets.admin, secrets.flaskKey, secrets.serverDb, ...Object.values(secrets.teamAdmins)].map((secret) => secret.readStatement()),
      ...props.database.readSecretStatements(),
      props.dataKey.decryptStatement(),
    ]);
    return { executionRole, executionPolicy };
  }

  /** The application load balancer, internal unless the config says otherwise, with access logs. */
  private loadBalancer(props: TrackingServiceProps, production: boolean, lbSg: SecurityGroup): Lb {
    const lb = new Lb(this, 'load-balancer', {
      loadBalancerType: 'application',
      internal: !props.loadBalancer.internetFacing,
      subnets: [...(props.loadBalancer.internetFacing ? props.network.publicSubnetIds : props.network.privateSubnetIds)],
      securityGroups: [lbSg.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: production,
      idleTimeout: props.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS,
      accessLogs: { bucket: props.logBucket.bucketName, prefix: 'alb', enabled: true },
      tags: { Name: `${props.namePrefix}-tracking` },
      // ELB checks that it may write to the log bucket when access logs are turned on; without the
      // bucket policy in place creation fails with "Access Denied for bucket ... Please check S3bucket
      // permission" (AWS ELB docs, "Enable access logs for your Application Load Balancer"; the same
      // race and fix: aws/copilot-cli PR #4169, aws/aws-cdk issue #5758).
      dependsOn: [props.logBucket.deliveryPolicy],
    });
    return lb;
  }

  /** The tasks' target group, health-checked on MLflow's /health. */
  private targetGroup(props: TrackingServiceProps): LbTargetGroup {
    return new LbTargetGroup(this, 'targets', {
      port: CONTAINER_PORT,
      protocol: 'HTTP',
      targetType: 'ip',
      vpcId: props.network.vpcId,
      deregistrationDelay: '30',
      healthCheck: { path: '/health', matcher: '200', interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
      tags: { Name: `${props.namePrefix}-tracking` },
    });
  }

  /** HTTPS with HTTP redirected (or plain HTTP, non-production only); returns the listener that serves. */
  private listeners(props: TrackingServiceProps, https: boolean, lb: Lb, targets: LbTargetGroup): LbListener {
    const forward = [{ type: 'forward', targetGroupArn: targets.arn }];
    let servingListener: LbListener;
    if (https) {
      servingListener = new LbListener(this, 'https-listener', {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: props.loadBalancer.sslPolicy ?? DEFAULT_SSL_POLICY,
        certificateArn: props.loadBalancer.certificateArn,
        defaultAction: forward,
      });
      new LbListener(this, 'http-redirect-listener', {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }],
      });
    } else {
      servingListener = new LbListener(this, 'http-listener', { loadBalancerArn: lb.arn, port: 80, protocol: 'HTTP', defaultAction: forward });
    }
    return servingListener;
  }

  /**
   * The generated secrets of the server (all encrypted with the data key). Non-production secrets are
   * deleted at once on destroy, so the stack can be deployed again under the same names.
   */
  private generatedSecrets(props: TrackingServiceProps, production: boolean): ContainerSecrets {
    // A secret scheduled for deletion blocks its name for the whole recovery window.
    const recovery = production ? 30 : 0;
    const admin = new GeneratedSecret(this, 'admin-password', {
      name: `${props.namePrefix}/mlflow-admin-password`,
      description: 'Password of the MLflow auth admin user (generated, never in Terraform state)',
      key: props.dataKey,
      recoveryWindowInDays: recovery,
    });
    const flaskKey = new GeneratedSecret(this, 'flask-secret-key', {
      name: `${props.namePrefix}/mlflow-flask-secret-key`,
      description: 'Flask secret key shared by every MLflow server task (sessions, CSRF)',
      key: props.dataKey,
      length: 64,
      recoveryWindowInDays: recovery,
    });
    const serverDb = new GeneratedSecret(this, 'server-database-password', {
      name: `${props.namePrefix}/mlflow-server-database-password`,
      description: `Password of the ${SERVER_DB_ROLE} PostgreSQL role the MLflow server connects as`,
      key: props.dataKey,
      recoveryWindowInDays: recovery,
    });
    // Keyed by team name: adding or removing a team never touches another team's secret.
    const teamAdmins = Object.fromEntries(
      (props.teams ?? []).map((team) => [
        team,
        new GeneratedSecret(this, `team-admin-${team}`, {
          name: `${props.namePrefix}/mlflow-team-${team}-admin-password`,
          description: `Password of the MLflow user managing the ${team} workspace`,
          key: props.dataKey,
          recoveryWindowInDays: recovery,
        }),
      ]),
    );
    return { admin, flaskKey, serverDb, teamAdmins };
  }

  /** Load balancer <- allowed CIDRs; tasks <- load balancer; tasks -> HTTPS egress and the database. */
  private networkRules(props: TrackingServiceProps, https: boolean, lbSg: SecurityGroup, taskSg: SecurityGroup): ITerraformDependable[] {
    const listenerPorts = https ? [443, 80] : [80];
    // Keyed by CIDR, not position: reordering allowedCidrs must not replace rules.
    props.loadBalancer.allowedCidrs.forEach((cidr) =>
      listenerPorts.forEach(
        (port) =>
          new VpcSecurityGroupIngressRule(this, `lb-ingress-${port}-${cidr.replace(/[./]/g, '-')}`, {
            securityGroupId: lbSg.id,
            cidrIpv4: cidr,
            ipProtocol: 'tcp',
            fromPort: port,
            toPort: port,
            description: port === 443 || !https ? 'MLflow clients' : 'Redirect to HTTPS',
          }),
      ),
    );
    const lbEgress = new VpcSecurityGroupEgressRule(this, 'lb-egress-tasks', {
      securityGroupId: lbSg.id,
      referencedSecurityGroupId: taskSg.id,
      ipProtocol: 'tcp',
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
      description: 'To the MLflow tasks',
    });
    const tasksIngress = new VpcSecurityGroupIngressRule(this, 'tasks-ingress-lb', {
      securityGroupId: taskSg.id,
      referencedSecurityGroupId: lbSg.id,
      ipProtocol: 'tcp',
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
      description: 'From the load balancer',
    });
    const httpsRule = { securityGroupId: taskSg.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443 };
    const egress = props.httpsEgress ?? { internet: true };
    const tasksHttps: VpcSecurityGroupEgressRule[] = [];
    if (egress.internet) {
      tasksHttps.push(new VpcSecurityGroupEgressRule(this, 'tasks-egress-https', {
        ...httpsRule,
        cidrIpv4: '0.0.0.0/0',
        description: 'AWS APIs: S3, ECR, Secrets Manager, CloudWatch Logs (NAT or endpoints)',
      }));
    } else {
      // No NAT: nothing outside the VPC is reachable but S3 through its gateway endpoint.
      tasksHttps.push(
        new VpcSecurityGroupEgressRule(this, 'tasks-egress-https-endpoints', { ...httpsRule, cidrIpv4: props.network.vpcCidr, description: 'Interface endpoints' }),
        new VpcSecurityGroupEgressRule(this, 'tasks-egress-https-s3', { ...httpsRule, prefixListId: egress.s3PrefixListId, description: 'S3 gateway endpoint' }),
      );
    }
    const tasksDatabase = new VpcSecurityGroupEgressRule(this, 'tasks-egress-database', {
      securityGroupId: taskSg.id,
      referencedSecurityGroupId: props.database.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description: 'To the backend store',
    });
    const databaseIngress = props.database.allowConnectionsFrom({ securityGroupId: taskSg.id }, 'tracking-tasks');
    return [lbEgress, tasksIngress, ...tasksHttps, tasksDatabase, databaseIngress];
  }

  /** The ARN of a Step Functions AWS SDK integration (`ecs:updateService`) in the stack's partition. */
  private static sdkIntegrationArn(partition: string, action: string): string {
    return `arn:${partition}:states:::aws-sdk:${action}`;
  }

  /**
   * prepare-scratch (root, hands the scratch volume over), migrate (database admin: migrations,
   * admin, team workspaces, table ownership) and the server (its own least-privilege role).
   */
  private containerDefinitions(
    props: TrackingServiceProps,
    run: { image: string; workers: number; hosts: string[]; logGroupName: string },
    secrets: ContainerSecrets,
  ): object[] {
    const dbSecret = props.database.masterSecretArn;
    const environment = taskEnvironment(props);
    const common = { image: run.image, readonlyRootFilesystem: true, user: `${SERVER_UID}:${SERVER_UID}`, mountPoints: SCRATCH_MOUNTS };
    const logging = (prefix: string) => awsLogs(props, run.logGroupName, prefix);
    const teams = props.teams ?? [];
    return [
      prepareScratchContainer(run.image, logging),
      {
        ...common,
        name: 'migrate',
        essential: false,
        dependsOn: [{ containerName: 'prepare-scratch', condition: 'SUCCESS' }],
        entryPoint: ['/bin/sh', '-c'],
        command: [migrateScript()],
        environment: [...environment, ...(teams.length ? [{ name: INIT_ENV.teams, value: teams.join(',') }] : [])],
        // The database admin and every generated credential reach only this step.
        secrets: [
          { name: 'PGUSER', valueFrom: `${dbSecret}:username::` },
          { name: 'PGPASSWORD', valueFrom: `${dbSecret}:password::` },
          { name: INIT_ENV.adminPassword, valueFrom: secrets.admin.arn },
          { name: INIT_ENV.serverDbPassword, valueFrom: secrets.serverDb.arn },
          ...teams.map((team) => ({ name: teamAdminPasswordEnv(team), valueFrom: secrets.teamAdmins[team].arn })),
        ],
        logConfiguration: logging('migrate'),
      },
      {
        ...common,
        name: 'mlflow',
        essential: true,
        dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }],
        portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp' }],
        entryPoint: ['/bin/sh', '-c'],
        command: [serverScript({ artifactsDestination: `s3://${props.artifacts.bucketName}`, workers: run.workers })],
        environment: [
          ...environment,
          { name: 'PGUSER', value: SERVER_DB_ROLE },
          ...serverEnvironment({ allowedHosts: run.hosts, corsOrigin: this.trackingUri }),
          ...serverTuning({ pool: props.databasePool, idleTimeoutSeconds: props.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS }),
        ],
        secrets: [
          { name: 'PGPASSWORD', valueFrom: secrets.serverDb.arn },
          { name: 'MLFLOW_FLASK_SERVER_SECRET_KEY', valueFrom: secrets.flaskKey.arn },
        ],
        healthCheck: {
          command: ['CMD-SHELL', `python -c "import urllib.request; urllib.request.urlopen('http://localhost:${CONTAINER_PORT}/health')"`],
          interval: 30,
          timeout: 5,
          retries: 3,
          startPeriod: 60,
        },
        stopTimeout: 30,
        logConfiguration: logging('mlflow'),
      },
    ];
  }

  /**
   * A task definition of its own for a scheduled command, `<prefix>-mlflow-<id>`, the AWS twin of the
   * Azure scheduled job (TrackingApp.addScheduledJob): the server's image, size, scratch volume and
   * read-only root, its shared environment, and the server database role (PGUSER mlflow_server, its
   * password from Secrets Manager) as the only credential. No migrate step, no database admin, MLflow
   * admin, team-admin or Flask secret. Its execution role reads only the server database secret; its
   * task role may only list the artifact bucket and delete objects (what `mlflow gc` does to artifacts).
   *
   * It never migrates: it assumes the schema exists and is current, which the service's `migrate` step
   * ensures before a deployment completes. Run against a database that is not (an empty one, or one
   * behind the image), MLflow's SqlAlchemyStore refuses to start (`__init__` calls
   * mlflow.store.db.utils._verify_schema: "Detected out-of-date database schema", stored
   * mlflow/store/tracking/sqlalchemy_store.py, 3.x) and the command fails without changing anything;
   * before the service's first migration the mlflow_server role does not even exist.
   */
  private scheduledTaskDefinition(id: string, command: string): { taskDefinition: EcsTaskDefinition; roles: IamRole[]; policies: ITerraformDependable[] } {
    const { serverDb, logGroup, cpu, props } = this.runTask;
    const image = props.image ?? DEFAULT_MLFLOW_IMAGE;
    const executionRole = new IamRole(this, `${id}-execution-role`, {
      name: `${props.namePrefix}-mlflow-${id}-execution`,
      assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com', props.accountId),
    });
    const executionPolicy = addPolicy(this, `${id}-execution`, { role: executionRole }, [
      ...pullAndLogStatements(props, logGroup.arn),
      serverDb.readStatement(),
      props.dataKey.decryptStatement(),
    ]);
    const taskRole = new IamRole(this, `${id}-task-role`, {
      name: `${props.namePrefix}-mlflow-${id}-task`,
      assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com', props.accountId),
    });
    const artifactsPolicy = props.artifacts.grantDelete({ role: taskRole }, `tracking-${id}`);
    const logging = (prefix: string) => awsLogs(props, logGroup.name, prefix);
    const job = {
      name: id,
      image,
      essential: true,
      readonlyRootFilesystem: true,
      user: `${SERVER_UID}:${SERVER_UID}`,
      mountPoints: SCRATCH_MOUNTS,
      dependsOn: [{ containerName: 'prepare-scratch', condition: 'SUCCESS' }],
      entryPoint: ['/bin/sh', '-c'],
      command: [command],
      environment: [...taskEnvironment(props), { name: 'PGUSER', value: SERVER_DB_ROLE }],
      secrets: [{ name: 'PGPASSWORD', valueFrom: serverDb.arn }],
      logConfiguration: logging(id),
    };
    const taskDefinition = new EcsTaskDefinition(this, `${id}-task-definition`, {
      family: `${props.namePrefix}-mlflow-${id}`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(cpu),
      memory: String(props.memory ?? 2048),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      volume: [{ name: 'tmp' }],
      containerDefinitions: JSON.stringify([prepareScratchContainer(image, logging), job]),
    });
    return { taskDefinition, roles: [executionRole, taskRole], policies: [executionPolicy, artifactsPolicy, serverDb.value] };
  }

  /**
   * Runs `command` (a shell script) on a schedule (EventBridge Scheduler universal target ecs:runTask)
   * as a standalone task of its own task definition (scheduledTaskDefinition), in the service's
   * cluster, subnets and security group. The scheduler's role may run only that family in that
   * cluster and pass only its two roles. `id` keeps the addresses stable.
   */
  public scheduleCommand(id: string, p: { readonly scheduleExpression: string; readonly command: string; readonly description: string }): SchedulerSchedule {
    const { service, cluster, subnets, assignPublicIp, securityGroupId, props } = this.runTask;
    // IAM role names take at most 64 characters (IAM CreateRole RoleName).
    const longest = `${props.namePrefix}-mlflow-${id}-execution`;
    if (!Token.isUnresolved(longest) && longest.length > 64) {
      throw new Error(`TrackingService.scheduleCommand: id ${id}: the role name ${longest} is longer than IAM's 64 characters`);
    }
    const { taskDefinition, roles, policies } = this.scheduledTaskDefinition(id, p.command);
    const role = new IamRole(this, `${id}-scheduler-role`, {
      name: `${props.namePrefix}-mlflow-${id}`,
      assumeRolePolicy: serviceTrust('scheduler.amazonaws.com', props.accountId),
    });
    const runTask = addPolicy(this, `${id}-run-task`, { role }, [
      {
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: `arn:${props.partition}:ecs:${props.region}:${props.accountId}:task-definition/${taskDefinition.family}:*`,
        Condition: { ArnEquals: { 'ecs:cluster': cluster.arn } },
      },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: roles.map((r) => r.arn) },
    ]);
    return new SchedulerSchedule(this, id, {
      name: `${props.namePrefix}-mlflow-${id}`,
      description: p.description,
      scheduleExpression: p.scheduleExpression,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: `arn:${props.partition}:scheduler:::aws-sdk:ecs:runTask`,
        roleArn: role.arn,
        retryPolicy: { maximumRetryAttempts: 2 },
        input: JSON.stringify({
          Cluster: cluster.arn,
          TaskDefinition: taskDefinition.arn,
          LaunchType: 'FARGATE',
          Count: 1,
          NetworkConfiguration: { AwsvpcConfiguration: { Subnets: subnets, SecurityGroups: [securityGroupId], AssignPublicIp: assignPublicIp ? 'ENABLED' : 'DISABLED' } },
        }),
      },
      // Scheduled only once the service exists (its first tasks migrate the database) and the task can
      // start: its policies and its secret's value are in place.
      dependsOn: [service, runTask, ...policies],
    });
  }

  /**
   * RDS rotates the master password in Secrets Manager; ECS injects secrets only when a task starts.
   * On every successful rotation, a Step Functions state machine forces a new deployment, so tasks
   * restart with the new password (rolling, behind the circuit breaker).
   */
  private redeployOnRotation(props: TrackingServiceProps, cluster: EcsCluster, service: EcsService): void {
    const machineRole = new IamRole(this, 'redeploy-role', {
      name: `${props.namePrefix}-mlflow-redeploy`,
      assumeRolePolicy: serviceTrust('states.amazonaws.com', props.accountId),
    });
    addPolicy(this, 'redeploy-permissions', { role: machineRole }, [{ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: service.id }]);
    const machine = new SfnStateMachine(this, 'redeploy', {
      name: `${props.namePrefix}-mlflow-redeploy`,
      roleArn: machineRole.arn,
      definition: JSON.stringify({
        Comment: 'Restart the MLflow tasks so they read the rotated database password',
        StartAt: 'ForceNewDeployment',
        States: {
          ForceNewDeployment: {
            Type: 'Task',
            // The partition comes from data.aws_partition: aws, aws-cn and aws-us-gov all work.
            Resource: TrackingService.sdkIntegrationArn(props.partition, 'ecs:updateService'),
            Parameters: { Cluster: cluster.arn, Service: service.name, ForceNewDeployment: true },
            End: true,
          },
        },
      }),
    });
    const rule = new CloudwatchEventRule(this, 'on-rotation', {
      name: `${props.namePrefix}-mlflow-db-rotated`,
      description: 'The backend store password was rotated: restart the MLflow tasks',
      eventPattern: JSON.stringify({
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationSucceeded'],
          additionalEventData: { SecretId: [props.database.masterSecretArn] },
        },
      }),
    });
    const eventsRole = new IamRole(this, 'on-rotation-role', {
      name: `${props.namePrefix}-mlflow-db-rotated`,
      assumeRolePolicy: serviceTrust('events.amazonaws.com', props.accountId),
    });
    addPolicy(this, 'start-redeploy', { role: eventsRole }, [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machine.arn }]);
    new CloudwatchEventTarget(this, 'on-rotation-target', { rule: rule.name, arn: machine.arn, roleArn: eventsRole.arn });
  }
}

