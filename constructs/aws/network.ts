import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcEndpointPolicy } from '@cdktf/provider-aws/lib/vpc-endpoint-policy';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { cidrProblem, parseCidr } from '../shared/cidr';
import type { EncryptionKey } from './encryption-key';
import { addPolicy, serviceTrust } from './iam';

export type NatGatewayMode = 'single' | 'per-az' | 'none';

/**
 * A VPC with three subnet tiers, as the AWS constructs take it (like `IAzureNetwork` on Azure):
 * `TrackingNetwork` implements it, and a config's existing VPC is one.
 */
export interface IAwsNetwork {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly isolatedSubnetIds: readonly string[];
}

/** The ids of a VPC built elsewhere. */
export type ExistingVpc = IAwsNetwork;

export interface TrackingNetworkProps {
  /** Resource name prefix. */
  readonly namePrefix: string;
  /** Key of the flow log group. */
  readonly logsKey: EncryptionKey;
  readonly region: string;
  /** VPC CIDR. @default 10.0.0.0/16 */
  readonly vpcCidr?: string;
  /** Availability zones, 2 or 3. @default 2 */
  readonly azCount?: number;
  /** Prefix length of each subnet. @default VPC prefix + 4 */
  readonly subnetPrefixLength?: number;
  /** NAT gateways of the private subnets. @default single */
  readonly natGateways?: NatGatewayMode;
  /** Interface endpoints for ECR, Logs, Secrets Manager, KMS and STS. @default true when natGateways is none */
  readonly interfaceEndpoints?: boolean;
  /** Flow log retention in days. @default 90 */
  readonly flowLogRetentionDays?: number;
  /**
   * CloudWatch Logs log class of the flow log group (aws 6.25 `log_group_class`; changing it replaces
   * the log group). @default the service's, STANDARD
   */
  readonly flowLogClass?: 'STANDARD' | 'INFREQUENT_ACCESS';
  /** Use these instead of creating a VPC. @default a new VPC */
  readonly existing?: ExistingVpc;
}

const INTERFACE_ENDPOINT_SERVICES = ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'kms', 'sts'];

/**
 * A VPC over 2-3 AZs with three tiers: public (load balancer, NAT), private (tracking tasks, routed
 * through NAT), isolated (database, no route to the internet). The default security group has no
 * rules; flow logs go to an encrypted log group; S3 is reached through a gateway endpoint.
 */
export class TrackingNetwork extends Construct implements IAwsNetwork {
  public readonly vpcId: string;
  public readonly vpcCidr: string;
  public readonly publicSubnetIds: string[];
  public readonly privateSubnetIds: string[];
  public readonly isolatedSubnetIds: string[];
  /** The S3 gateway endpoint; none in an existing VPC. */
  private s3Endpoint?: VpcEndpoint;
  /** Whether the private subnets route to the internet: NAT gateways, or an existing VPC (unknown, assumed). */
  public readonly internetEgress: boolean;
  /** The prefix list of the S3 gateway endpoint, for security group rules; none in an existing VPC. */
  public readonly s3PrefixListId?: string;

  constructor(scope: Construct, id: string, props: TrackingNetworkProps) {
    super(scope, id);
    TrackingNetwork.validate(props);
    if (props.existing) {
      this.vpcId = props.existing.vpcId;
      this.vpcCidr = props.existing.vpcCidr;
      this.publicSubnetIds = [...props.existing.publicSubnetIds];
      this.privateSubnetIds = [...props.existing.privateSubnetIds];
      this.isolatedSubnetIds = [...props.existing.isolatedSubnetIds];
      this.internetEgress = true;
      this.flowLogs(props);
      return;
    }

    const vpcCidr = props.vpcCidr ?? '10.0.0.0/16';
    const azCount = props.azCount ?? 2;
    const natMode = props.natGateways ?? 'single';
    this.internetEgress = natMode !== 'none';
    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.namePrefix },
    });
    this.vpcId = vpc.id;
    this.vpcCidr = vpcCidr;
    // Nothing may use the default security group: it is managed with no rules at all.
    new DefaultSecurityGroup(this, 'default-security-group', { vpcId: vpc.id, tags: { Name: `${props.namePrefix}-default-unused` } });

    const azs = new DataAwsAvailabilityZones(this, 'azs', { state: 'available' });
    const subnetPrefix = props.subnetPrefixLength ?? parseCidr(vpcCidr).prefix + 4;
    const tiers = ['public', 'private', 'isolated'] as const;
    const subnets: Record<(typeof tiers)[number], Subnet[]> = { public: [], private: [], isolated: [] };
    tiers.forEach((tier, t) => {
      for (let az = 0; az < azCount; az++) {
        subnets[tier].push(
          new Subnet(this, `${tier}-subnet-${az}`, {
            vpcId: vpc.id,
            cidrBlock: subnetCidr(vpcCidr, subnetPrefix, t * azCount + az),
            availabilityZone: Fn.element(azs.names, az),
            mapPublicIpOnLaunch: false,
            tags: { Name: `${props.namePrefix}-${tier}-${az}`, tier },
          }),
        );
      }
    });
    this.publicSubnetIds = subnets.public.map((s) => s.id);
    this.privateSubnetIds = subnets.private.map((s) => s.id);
    this.isolatedSubnetIds = subnets.isolated.map((s) => s.id);

    const { publicRoutes, privateRoutes, isolatedRoutes } = this.routing(props, vpc.id, subnets, natMode, azCount);

    this.s3Endpoint = new VpcEndpoint(this, 's3-endpoint', {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...privateRoutes.map((r) => r.id), isolatedRoutes.id, publicRoutes.id],
      tags: { Name: `${props.namePrefix}-s3` },
    });
    this.s3PrefixListId = this.s3Endpoint.prefixListId;

    if (props.interfaceEndpoints ?? natMode === 'none') {
      this.interfaceEndpoints(props, vpc.id, vpcCidr);
    }
    this.flowLogs(props);
  }

  /**
   * Rejects props that cannot become a working network: fewer than two zones (the load balancer and
   * the database subnet group each need two), and subnets that do not fit in the VPC (AWS subnets
   * are /16 to /28, inside the VPC CIDR: Amazon VPC User Guide, "Subnet CIDR blocks").
   */
  private static validate(props: TrackingNetworkProps): void {
    if (props.existing) {
      for (const tier of ['publicSubnetIds', 'privateSubnetIds', 'isolatedSubnetIds'] as const) {
        const ids = props.existing[tier];
        if (!Token.isUnresolved(ids) && ids.length < 2) {
          throw new Error(`TrackingNetwork: existing.${tier}: at least 2 subnets in different Availability Zones, got ${ids.length}`);
        }
      }
      return;
    }
    const vpcCidr = props.vpcCidr ?? '10.0.0.0/16';
    const problem = cidrProblem(vpcCidr);
    if (problem) throw new Error(`TrackingNetwork: vpcCidr ${vpcCidr}: ${problem}`);
    const azCount = props.azCount ?? 2;
    if (!Number.isInteger(azCount) || azCount < 2) throw new Error(`TrackingNetwork: azCount ${azCount}: expected a whole number of at least 2`);
    const vpcPrefix = parseCidr(vpcCidr).prefix;
    if (vpcPrefix < 16 || vpcPrefix > 28) throw new Error(`TrackingNetwork: vpcCidr ${vpcCidr}: a VPC takes a prefix from /16 to /28`);
    const subnetPrefix = props.subnetPrefixLength ?? vpcPrefix + 4;
    const needed = 3 * azCount;
    if (!Number.isInteger(subnetPrefix) || subnetPrefix > 28 || subnetPrefix < vpcPrefix || 2 ** (subnetPrefix - vpcPrefix) < needed) {
      throw new Error(`TrackingNetwork: ${needed} subnets of /${subnetPrefix} (3 tiers x ${azCount} zones) do not fit in ${vpcCidr}; subnets are /28 or larger`);
    }
  }

  /** Internet gateway, NAT gateways and the route tables of the three tiers. */
  private routing(
    props: TrackingNetworkProps,
    vpcId: string,
    subnets: Record<'public' | 'private' | 'isolated', Subnet[]>,
    natMode: NonNullable<TrackingNetworkProps['natGateways']>,
    azCount: number,
  ): { publicRoutes: RouteTable; privateRoutes: RouteTable[]; isolatedRoutes: RouteTable } {
  const igw = new InternetGateway(this, 'internet-gateway', { vpcId, tags: { Name: props.namePrefix } });
  const publicRoutes = new RouteTable(this, 'public-routes', { vpcId, tags: { Name: `${props.namePrefix}-public` } });
  new Route(this, 'public-default-route', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
  subnets.public.forEach((s, az) => new RouteTableAssociation(this, `public-routes-${az}`, { subnetId: s.id, routeTableId: publicRoutes.id }));

  const natCount = natMode === 'none' ? 0 : natMode === 'single' ? 1 : azCount;
  const nats = Array.from({ length: natCount }, (_, az) => {
    const eip = new Eip(this, `nat-ip-${az}`, { domain: 'vpc', tags: { Name: `${props.namePrefix}-nat-${az}` } });
    return new NatGateway(this, `nat-${az}`, {
      allocationId: eip.allocationId,
      subnetId: subnets.public[az].id,
      tags: { Name: `${props.namePrefix}-${az}` },
      dependsOn: [igw],
    });
  });
  const privateRoutes = subnets.private.map((s, az) => {
    const table = new RouteTable(this, `private-routes-${az}`, { vpcId, tags: { Name: `${props.namePrefix}-private-${az}` } });
    if (nats.length > 0) {
      new Route(this, `private-default-route-${az}`, {
        routeTableId: table.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: nats[az % nats.length].id,
      });
    }
    new RouteTableAssociation(this, `private-routes-association-${az}`, { subnetId: s.id, routeTableId: table.id });
    return table;
  });
  // Isolated: local routes only.
  const isolatedRoutes = new RouteTable(this, 'isolated-routes', { vpcId, tags: { Name: `${props.namePrefix}-isolated` } });
  subnets.isolated.forEach((s, az) => new RouteTableAssociation(this, `isolated-routes-${az}`, { subnetId: s.id, routeTableId: isolatedRoutes.id }));
    return { publicRoutes, privateRoutes, isolatedRoutes };
  }

  /** Interface endpoints (for private subnets without NAT), reachable over HTTPS from inside the VPC. */
  private interfaceEndpoints(props: TrackingNetworkProps, vpcId: string, vpcCidr: string): void {
    const endpointSg = new SecurityGroup(this, 'endpoints-security-group', {
      name: `${props.namePrefix}-endpoints`,
      description: 'Interface endpoints: HTTPS from inside the VPC',
      vpcId,
    });
    new VpcSecurityGroupIngressRule(this, 'endpoints-https-from-vpc', {
      securityGroupId: endpointSg.id,
      description: 'HTTPS from the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: vpcCidr,
    });
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new VpcEndpoint(this, `${service.replace('.', '-')}-endpoint`, {
        vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [endpointSg.id],
        tags: { Name: `${props.namePrefix}-${service}` },
      });
    }
  }

  /**
   * Limits the S3 gateway endpoint to `bucketArns` (their objects included) and to the ECR layer
   * bucket image pulls read from; the default endpoint policy allows every bucket of every account.
   * Without a created VPC (an existing one) there is no endpoint and this does nothing.
   *
   * ECR: "Minimum Amazon S3 bucket permissions for Amazon ECR", s3:GetObject on
   * arn:aws:s3:::prod-<region>-starport-layer-bucket/* (AWS ECR User Guide, "Amazon ECR interface VPC
   * endpoints (AWS PrivateLink)"). Provider: aws_vpc_endpoint_policy (provider 6.25).
   */
  public limitS3Endpoint(props: { readonly bucketArns: readonly string[]; readonly partition: string; readonly region: string }): void {
    if (!this.s3Endpoint) return;
    new VpcEndpointPolicy(this, 's3-endpoint-policy', {
      vpcEndpointId: this.s3Endpoint.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PlatformBuckets',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:*',
            Resource: props.bucketArns.flatMap((arn) => [arn, `${arn}/*`]),
          },
          {
            Sid: 'EcrImageLayers',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:${props.partition}:s3:::prod-${props.region}-starport-layer-bucket/*`,
          },
        ],
      }),
    });
  }

  private flowLogs(props: TrackingNetworkProps): void {
    const logGroup = new CloudwatchLogGroup(this, 'flow-logs', {
      name: `/mlflow-platform/${props.namePrefix}/vpc-flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 90,
      logGroupClass: props.flowLogClass,
      kmsKeyId: props.logsKey.arn,
    });
    const role = new IamRole(this, 'flow-logs-role', {
      name: `${props.namePrefix}-vpc-flow-logs`,
      assumeRolePolicy: serviceTrust('vpc-flow-logs.amazonaws.com'),
    });
    addPolicy(this, 'flow-logs-delivery', { role }, [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: `${logGroup.arn}:*`,
      },
    ]);
    new FlowLog(this, 'flow-log', {
      vpcId: this.vpcId,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }
}

/** The `index`-th subnet of `/prefix` inside `vpcCidr`. */
export function subnetCidr(vpcCidr: string, prefix: number, index: number): string {
  const { network } = parseCidr(vpcCidr);
  const address = (network + index * 2 ** (32 - prefix)) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.')}/${prefix}`;
}
