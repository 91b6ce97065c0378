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
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { AccessLogBucket, ArtifactStore } from './buckets';
import { POSTGRES_PORT, type TrackingDatabase } from './database';
import { CONTAINER_PORT, DEFAULT_MLFLOW_IMAGE, MIGRATE_SCRIPT, privateIpPattern, serverScript } from '../shared/mlflow-server';
import type { EncryptionKey } from './encryption-key';
import { GeneratedSecret } from './generated-secret';
import { addPolicy, type IGrantable, serviceTrust } from './iam';


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
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly privateSubnetIds: readonly string[];
  readonly publicSubnetIds: readonly string[];
  readonly database: TrackingDatabase;
  readonly artifacts: ArtifactStore;
  readonly logBucket: AccessLogBucket;
  /** Encrypts the generated secrets. */
  readonly dataKey: EncryptionKey;
  /** Encrypts the server's log group. */
  readonly logsKey: EncryptionKey;
  readonly loadBalancer: LoadBalancerOptions;
  /** Pinned MLflow image with the PostgreSQL driver, boto3 and the auth extra. @default ghcr.io/mlflow/mlflow:v3.14.0-full */
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
  public readonly logGroupName: string;
  public readonly adminSecretArn: string;
  public readonly clusterName: string;
  public readonly serviceName = 'mlflow';

  constructor(scope: Construct, id: string, props: TrackingServiceProps) {
    super(scope, id);
    const production = props.production ?? true;
    if (production && (props.spot || props.publicTaskIps)) throw new Error('production tasks run on on-demand Fargate in private subnets');
    const cpu = props.cpu ?? 1024;
    const lbOptions = props.loadBalancer;
    const https = !lbOptions.allowPlainHttp;
    if (!https && (production || lbOptions.internetFacing)) {
      throw new Error('plain HTTP is only allowed for a non-production deployment behind an internal load balancer');
    }
    if (https && !lbOptions.certificateArn) throw new Error('an HTTPS listener needs a certificate ARN');

    // Logs and secrets.
    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/mlflow-platform/${props.namePrefix}/tracking`,
      retentionInDays: props.logRetentionDays ?? 90,
      kmsKeyId: props.logsKey.arn,
    });
    this.logGroupName = logGroup.name;
    const recovery = production ? 30 : 7;
    const admin = new GeneratedSecret(this, 'admin-password', {
      name: `${props.namePrefix}/mlflow-admin-password`,
      description: 'Password of the MLflow auth admin user (generated, never in Terraform state)',
      key: props.dataKey,
      recoveryWindowInDays: recovery,
    });
    this.adminSecretArn = admin.arn;
    const flaskKey = new GeneratedSecret(this, 'flask-secret-key', {
      name: `${props.namePrefix}/mlflow-flask-secret-key`,
      description: 'Flask secret key shared by every MLflow server task (sessions, CSRF)',
      key: props.dataKey,
      length: 64,
      recoveryWindowInDays: recovery,
    });

    // Roles: the execution role starts the task, the task role is what MLflow itself may do.
    const executionRole = new IamRole(this, 'execution-role', {
      name: `${props.namePrefix}-tracking-execution`,
      assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com', props.accountId),
    });
    addPolicy(this, 'execution', { role: executionRole }, [
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
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup.arn}:*` },
      admin.readStatement(),
      flaskKey.readStatement(),
      ...props.database.readSecretStatements(),
      props.dataKey.decryptStatement(),
    ]);
    this.role = new IamRole(this, 'task-role', {
      name: `${props.namePrefix}-tracking-task`,
      assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com', props.accountId),
    });
    props.artifacts.grantReadWrite(this, 'tracking-server');

    // Network: load balancer <- allowed CIDRs; tasks <- load balancer; database <- tasks.
    const lbSg = new SecurityGroup(this, 'load-balancer-security-group', {
      name: `${props.namePrefix}-tracking-lb`,
      description: 'MLflow load balancer: HTTPS from the allowed CIDRs',
      vpcId: props.vpcId,
    });
    const taskSg = new SecurityGroup(this, 'task-security-group', {
      name: `${props.namePrefix}-tracking-tasks`,
      description: 'MLflow tasks: the server port from the load balancer',
      vpcId: props.vpcId,
    });
    this.securityGroupId = taskSg.id;
    const listenerPorts = https ? [443, 80] : [80];
    // Keyed by CIDR, not position: reordering allowedCidrs must not replace rules.
    lbOptions.allowedCidrs.forEach((cidr) =>
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
    new VpcSecurityGroupEgressRule(this, 'lb-egress-tasks', {
      securityGroupId: lbSg.id,
      referencedSecurityGroupId: taskSg.id,
      ipProtocol: 'tcp',
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
      description: 'To the MLflow tasks',
    });
    new VpcSecurityGroupIngressRule(this, 'tasks-ingress-lb', {
      securityGroupId: taskSg.id,
      referencedSecurityGroupId: lbSg.id,
      ipProtocol: 'tcp',
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
      description: 'From the load balancer',
    });
    new VpcSecurityGroupEgressRule(this, 'tasks-egress-https', {
      securityGroupId: taskSg.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'AWS APIs: S3, ECR, Secrets Manager, CloudWatch Logs (NAT or endpoints)',
    });
    new VpcSecurityGroupEgressRule(this, 'tasks-egress-database', {
      securityGroupId: taskSg.id,
      referencedSecurityGroupId: props.database.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description: 'To the backend store',
    });
    props.database.allowConnectionsFrom({ securityGroupId: taskSg.id }, 'tracking-tasks');

    // Load balancer.
    const lb = new Lb(this, 'load-balancer', {
      loadBalancerType: 'application',
      internal: !lbOptions.internetFacing,
      subnets: [...(lbOptions.internetFacing ? props.publicSubnetIds : props.privateSubnetIds)],
      securityGroups: [lbSg.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: production,
      idleTimeout: 120,
      accessLogs: { bucket: props.logBucket.bucketName, prefix: 'alb', enabled: true },
      tags: { Name: `${props.namePrefix}-tracking` },
    });
    this.loadBalancerDnsName = lb.dnsName;
    const targets = new LbTargetGroup(this, 'targets', {
      port: CONTAINER_PORT,
      protocol: 'HTTP',
      targetType: 'ip',
      vpcId: props.vpcId,
      deregistrationDelay: '30',
      healthCheck: { path: '/health', matcher: '200', interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
      tags: { Name: `${props.namePrefix}-tracking` },
    });
    const forward = [{ type: 'forward', targetGroupArn: targets.arn }];
    if (https) {
      new LbListener(this, 'https-listener', {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: lbOptions.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: lbOptions.certificateArn,
        defaultAction: forward,
      });
      new LbListener(this, 'http-redirect-listener', {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }],
      });
    } else {
      new LbListener(this, 'http-listener', { loadBalancerArn: lb.arn, port: 80, protocol: 'HTTP', defaultAction: forward });
    }
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
    const image = props.image ?? DEFAULT_MLFLOW_IMAGE;
    const workers = props.workers ?? Math.max(2, Math.round((cpu / 1024) * 2));
    const dbSecret = props.database.masterSecretArn;
    const storeUri = `postgresql://${props.database.endpoint}:${POSTGRES_PORT}/${props.database.databaseName}?sslmode=require`;
    const allowedHosts = [...new Set([props.domainName, lb.dnsName, privateIpPattern(props.vpcCidr), 'localhost'].filter((h): h is string => !!h))];
    const common = {
      image,
      // Read-only image, a non-root user, writable /tmp only.
      readonlyRootFilesystem: true,
      user: '65534:65534',
      mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
      environment: [
        { name: 'HOME', value: '/tmp' },
        { name: 'AWS_DEFAULT_REGION', value: props.region },
        { name: 'PGHOST', value: props.database.endpoint },
        { name: 'PGPORT', value: String(POSTGRES_PORT) },
        { name: 'PGDATABASE', value: props.database.databaseName },
        { name: 'PGSSLMODE', value: 'require' },
        // No credentials in the URI: libpq reads PGUSER and PGPASSWORD, injected from Secrets Manager.
        { name: 'MLFLOW_BACKEND_STORE_URI', value: storeUri },
      ],
      secrets: [
        { name: 'PGUSER', valueFrom: `${dbSecret}:username::` },
        { name: 'PGPASSWORD', valueFrom: `${dbSecret}:password::` },
      ],
    };
    const logging = (prefix: string) => ({
      logDriver: 'awslogs',
      options: { 'awslogs-group': logGroup.name, 'awslogs-region': props.region, 'awslogs-stream-prefix': prefix },
    });
    const containers = [
      {
        ...common,
        name: 'migrate',
        essential: false,
        entryPoint: ['/bin/sh', '-c'],
        command: [MIGRATE_SCRIPT],
        logConfiguration: logging('migrate'),
      },
      {
        ...common,
        name: 'mlflow',
        essential: true,
        dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }],
        portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp' }],
        entryPoint: ['/bin/sh', '-c'],
        command: [serverScript({ artifactsDestination: `s3://${props.artifacts.bucketName}`, workers, adminUsername: props.adminUsername ?? 'admin' })],
        environment: [
          ...common.environment,
          { name: 'MLFLOW_SERVER_ALLOWED_HOSTS', value: allowedHosts.join(',') },
          { name: 'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS', value: this.trackingUri },
          { name: 'MLFLOW_AUTH_CONFIG_PATH', value: '/tmp/basic_auth.ini' },
        ],
        secrets: [
          ...common.secrets,
          { name: 'MLFLOW_ADMIN_PASSWORD', valueFrom: admin.arn },
          { name: 'MLFLOW_FLASK_SERVER_SECRET_KEY', valueFrom: flaskKey.arn },
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
    const taskDefinition = new EcsTaskDefinition(this, 'task-definition', {
      family: `${props.namePrefix}-mlflow`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(cpu),
      memory: String(props.memory ?? 2048),
      executionRoleArn: executionRole.arn,
      taskRoleArn: this.role.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      volume: [{ name: 'tmp' }],
      containerDefinitions: JSON.stringify(containers),
    });

    const cluster = new EcsCluster(this, 'cluster', {
      name: props.namePrefix,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
    });
    this.clusterName = cluster.name;
    const minTasks = props.minTasks ?? 1;
    // Fargate Spot needs the capacity providers on the cluster; a strategy replaces the launch type
    // (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html).
    const capacity = props.spot
      ? new EcsClusterCapacityProviders(this, 'capacity-providers', { clusterName: cluster.name, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] })
      : undefined;
    const service = new EcsService(this, 'service', {
      name: this.serviceName,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      ...(capacity ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }], dependsOn: [capacity] } : { launchType: 'FARGATE' }),
      desiredCount: minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 120,
      availabilityZoneRebalancing: 'ENABLED',
      propagateTags: 'SERVICE',
      enableExecuteCommand: false,
      networkConfiguration: {
        subnets: [...(props.publicTaskIps ? props.publicSubnetIds : props.privateSubnetIds)],
        securityGroups: [taskSg.id],
        assignPublicIp: props.publicTaskIps ?? false,
      },
      loadBalancer: [{ targetGroupArn: targets.arn, containerName: 'mlflow', containerPort: CONTAINER_PORT }],
      // Autoscaling owns the task count once deployed.
      lifecycle: { ignoreChanges: ['desired_count'] },
    });

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

    this.redeployOnRotation(props, cluster, service);
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
            Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
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
