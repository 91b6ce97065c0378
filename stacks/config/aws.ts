import { z } from 'zod';
import { FARGATE_SIZES } from '../../constructs/aws/fargate';
import { DEFAULT_ENGINE_VERSION } from '../../constructs/aws/database';
import { DEFAULT_SSL_POLICY } from '../../constructs/aws/tracking-service';
import type { ResolvedAws } from './resolve';
import { adminUsername, checkPlatformSections, mlflowImage, teamList, teamName, telemetry } from './platform';
import { cidrContains, cidrProblem, ipv4Cidr, parseCidr, pattern, strictObject } from './zod-helpers';
import { checkCertificateRegion } from './certificate';

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const logRetention = z
  .number()
  .int()
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `expected a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.join(', ')}`,
  });

/** CloudWatch Logs log classes (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatch_Logs_Log_Classes.html). */
const logClass = z.enum(['standard', 'infrequent-access']);
const LOG_CLASS_NOTE =
  'infrequent-access: about half the ingestion price, Logs Insights queries work, no Live Tail, metric filters or subscription filters; changing it replaces the log group and deletes the logs it holds';

const arn = (service: string, example: string) =>
  pattern(new RegExp(`^arn:aws[a-z-]*:${service}:`), `an ${service} ARN such as ${example}`);

const iamPrincipalArn = pattern(
  /^arn:aws[a-z-]*:(iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)|sts::\d{12}:assumed-role\/[\w+=,.@/-]+)$/,
  'an IAM principal ARN such as arn:aws:iam::123456789012:role/ml-training',
);

/** Fargate task sizes: CPU units to the memory values (MiB) Fargate accepts for them. */
export { FARGATE_SIZES };

export const existingVpcSchema = strictObject({
  vpcId: pattern(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id such as vpc-0123456789abcdef0').describe('The existing VPC.'),
  vpcCidr: ipv4Cidr
    .refine((c) => cidrProblem(c) !== undefined || (parseCidr(c).prefix >= 16 && parseCidr(c).prefix <= 28), {
      message: 'expected the VPC\'s CIDR: a prefix between /16 and /28 (AWS limits), never a wildcard such as 0.0.0.0/0',
    })
    .describe('CIDR of the existing VPC, /16 to /28, never 0.0.0.0/0 (security group rules and allowed hosts use it).'),
  publicSubnetIds: z.array(pattern(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id')).min(2).describe('For an internet-facing load balancer.'),
  privateSubnetIds: z.array(pattern(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id')).min(2).describe('Tracking tasks and an internal load balancer.'),
  isolatedSubnetIds: z.array(pattern(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id')).min(2).describe('The database: no route to the internet.'),
});

export const awsNetworkSchema = strictObject({
  vpcCidr: ipv4Cidr.default('10.0.0.0/16').describe('VPC CIDR, /16 to /24.'),
  azCount: z.number().int().min(2).max(3).optional().describe('Availability zones: 2 keep production highly available, 3 survive a second zone (an existing 3-AZ deployment keeps azCount: 3).'),
  subnetPrefixLength: z
    .number()
    .int()
    .min(16)
    .max(28)
    .optional()
    .describe('Prefix length of every subnet: 3 tiers x azCount of them must fit in the VPC.'),
  natGateways: z
    .enum(['single', 'per-az', 'none'])
    .optional()
    .describe('NAT gateways for the private subnets; none puts the tasks in the public subnets (outside production).'),
  interfaceEndpoints: z
    .boolean()
    .optional()
    .describe('Interface endpoints for ECR, CloudWatch Logs, Secrets Manager, KMS, STS; the S3 gateway endpoint is always there.'),
  taskSubnets: z
    .enum(['private', 'public'])
    .optional()
    .describe(
      'Where the tracking tasks run. public: a public IPv4 per task and egress through the internet gateway instead of a NAT gateway (non-production only; the task security group still admits only the load balancer).',
    ),
  flowLogRetentionDays: logRetention.optional().describe('VPC flow log retention in days (a CloudWatch Logs retention period), in a KMS-encrypted log group.'),
  flowLogClass: logClass.optional().describe(`VPC flow logs' CloudWatch Logs log class (${LOG_CLASS_NOTE}).`),
  existing: existingVpcSchema.optional().describe('Bring your own VPC and subnets instead of creating them.'),
}).superRefine((n, ctx) => {
  // An invalid CIDR has its own message already.
  if (n.existing || cidrProblem(n.vpcCidr)) return;
  const vpcPrefix = parseCidr(n.vpcCidr).prefix;
  if (vpcPrefix < 16 || vpcPrefix > 24) {
    ctx.addIssue({ code: 'custom', path: ['vpcCidr'], message: 'expected a VPC prefix between /16 and /24 (AWS limits)', input: n.vpcCidr });
  }
});

/** The subnets the stack creates (3 tiers x azCount, resolved as the stack does) fit in the VPC. */
function checkSubnetsFit(d: AwsSections, r: ResolvedAws, ctx: z.RefinementCtx): void {
  const n = r.network;
  if (!d.network || n.existing || cidrProblem(n.vpcCidr)) return;
  const vpcPrefix = parseCidr(n.vpcCidr).prefix;
  if (vpcPrefix < 16 || vpcPrefix > 24) return;
  const needed = 3 * n.azCount;
  if (n.subnetPrefixLength < vpcPrefix || 2 ** (n.subnetPrefixLength - vpcPrefix) < needed) {
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'subnetPrefixLength'],
      message: `${needed} subnets of /${n.subnetPrefixLength} do not fit in ${n.vpcCidr}; use a longer prefix or a larger VPC`,
      input: d.network.subnetPrefixLength,
    });
  }
}

export const awsDatabaseSchema = strictObject({
  engine: z
    .enum(['postgres', 'aurora-postgresql'])
    .default('postgres')
    .describe('RDS PostgreSQL, or Aurora PostgreSQL Serverless v2 for scale.'),
  // Major only: a pinned minor drifts (and Terraform plans a downgrade) once RDS applies a minor
  // upgrade automatically (aws provider 6.25 docs, r/db_instance engine_version / engine_version_actual).
  engineVersion: pattern(/^(14|15|16|17)$/, 'a PostgreSQL major version: 14, 15, 16 or 17 (RDS applies minor versions automatically)')
    .default(DEFAULT_ENGINE_VERSION)
    .describe('PostgreSQL major version; minor versions are applied automatically in the maintenance window (upgrades: docs/runbook.md).'),
  instanceClass: pattern(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'a db.* instance class such as db.t4g.medium')
    .optional()
    .describe('RDS instance class, db.* only (engine postgres).'),
  allocatedStorageGb: z.number().int().min(20).max(65536).default(20).describe('Initial storage in GB (engine postgres).'),
  maxAllocatedStorageGb: z
    .number()
    .int()
    .min(20)
    .max(65536)
    .default(200)
    .describe('Storage autoscaling ceiling in GB (engine postgres).'),
  minCapacity: z.number().min(0).max(256).multipleOf(0.5).optional().describe('Aurora Serverless v2 minimum ACUs.'),
  maxCapacity: z.number().min(1).max(256).multipleOf(0.5).optional().describe('Aurora Serverless v2 maximum ACUs.'),
  backupRetentionDays: z.number().int().min(7).max(35).optional().describe('Automated backups in days; at least 14 in production.'),
  multiAz: z.boolean().optional().describe('Standby in a second AZ (Aurora: a reader instance).'),
  deletionProtection: z.boolean().optional().describe('RDS deletion protection.'),
});

export const loadBalancerSchema = strictObject({
  internetFacing: z.boolean().default(false).describe('Internet-facing instead of internal, on purpose only, with explicit allowedCidrs.'),
  allowedCidrs: z.array(ipv4Cidr).min(1).optional().describe('Who may reach port 443; private ranges only for an internal load balancer.'),
  certificateArn: arn('acm', 'arn:aws:acm:eu-west-1:123456789012:certificate/…')
    .optional()
    .describe('ACM certificate of the HTTPS listener (HTTP is redirected to HTTPS).'),
  sslPolicy: pattern(/^ELBSecurityPolicy-(TLS13-1-2|TLS13-1-3|FS-1-2|TLS-1-2)[\w-]*$/, 'a TLS 1.2+ ELB security policy')
    .default(DEFAULT_SSL_POLICY)
    .describe('TLS policy of the HTTPS listener.'),
  allowPlainHttp: z
    .boolean()
    .default(false)
    .describe('Serve plain HTTP on port 80 (non-production, internal load balancer only).'),
  rateLimit: z
    .number()
    .int()
    .min(100)
    .max(2_000_000_000)
    .optional()
    .describe('Internet-facing only: requests one client IP may send per 5 minutes before the WAF blocks it.'),
});

export const awsTrackingSchema = strictObject({
  image: mlflowImage,
  cpu: z.number().int().optional().describe('Fargate CPU units; validated with memory against the sizes Fargate accepts.'),
  memory: z.number().int().optional().describe('Fargate memory (MiB), valid for the CPU.'),
  spot: z
    .boolean()
    .optional()
    .describe('Run the tasks on Fargate Spot (x86_64; interruptible with two minutes notice; rejected in production).'),
  minTasks: z.number().int().min(1).max(100).optional().describe('Autoscaling minimum, at least 2 in production; CPU target tracking at 60%.'),
  maxTasks: z.number().int().min(1).max(100).optional().describe('Autoscaling maximum.'),
  workers: z.number().int().min(1).max(64).optional().describe('Server worker processes.'),
  // Absent: the defaults of its fields.
  loadBalancer: loadBalancerSchema.prefault({}),
  domainName: pattern(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, 'a DNS name such as mlflow.example.com')
    .optional()
    .describe('Host name of the tracking server.'),
  hostedZoneId: pattern(/^Z[0-9A-Z]{5,32}$/, 'a Route 53 hosted zone id').optional().describe('Route 53 hosted zone: an alias record for domainName.'),
  logRetentionDays: logRetention.optional().describe('Server log retention in days (a CloudWatch Logs retention period).'),
  logClass: logClass.optional().describe(`Server logs' CloudWatch Logs log class (${LOG_CLASS_NOTE}).`),
  adminUsername,
  telemetry,
  uploadIdleTimeoutSeconds: z
    .number()
    .int()
    .min(60)
    .max(4000)
    .optional()
    .describe('Load balancer idle timeout: how long a large upload may go without a byte while the server passes it on to S3 (server keep-alive 5 s longer).'),
  ephemeralStorageGb: z
    .number()
    .int()
    .min(21)
    .max(200)
    .optional()
    .describe('Fargate ephemeral storage per task in GiB (uploads are buffered in /tmp); 20 is what Fargate gives without a setting.'),
});

const teamSchema = strictObject({
  name: teamName,
  trustedPrincipals: z.array(iamPrincipalArn).min(1).describe('IAM principals that may assume the team role (its jobs, CI).'),
});

export const awsTeamsSchema = teamList(teamSchema);

export const awsArtifactsSchema = strictObject({
  noncurrentVersionDays: z.number().int().min(1).max(3650).optional().describe('Keep old object versions this many days.'),
});

export type AwsNetworkConfig = z.output<typeof awsNetworkSchema>;
export type AwsDatabaseConfig = z.output<typeof awsDatabaseSchema>;
export type AwsTrackingConfig = z.output<typeof awsTrackingSchema>;
export type AwsArtifactsConfig = z.output<typeof awsArtifactsSchema>;
export type AwsTeamConfig = z.output<typeof teamSchema>;

interface AwsSections {
  readonly region?: string;
  readonly production?: boolean;
  readonly environment: string;
  readonly network?: AwsNetworkConfig;
  readonly database?: AwsDatabaseConfig;
  readonly artifacts?: AwsArtifactsConfig;
  readonly tracking?: AwsTrackingConfig;
  readonly teams?: readonly AwsTeamConfig[];
}

/** Rules across the AWS sections: `d` as written (to tell a set field from a default), `r` resolved (resolveAws). */
export function checkAwsDeployment(d: AwsSections, r: ResolvedAws, ctx: z.RefinementCtx): void {
  const { production } = r;
  checkPlatformSections(d, ctx);
  checkSubnetsFit(d, r, ctx);
  const db = d.database;
  if (db) {
    if (db.engine === 'postgres' && db.maxAllocatedStorageGb < db.allocatedStorageGb) {
      ctx.addIssue({ code: 'custom', path: ['database', 'maxAllocatedStorageGb'], message: 'must be at least allocatedStorageGb', input: db.maxAllocatedStorageGb });
    }
    if (db.engine === 'aurora-postgresql' && db.instanceClass) {
      ctx.addIssue({ code: 'custom', path: ['database', 'instanceClass'], message: 'Aurora Serverless v2 sizes with minCapacity/maxCapacity, not an instance class', input: db.instanceClass });
    }
    if (db.engine === 'postgres' && (db.minCapacity !== undefined || db.maxCapacity !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['database', 'minCapacity'], message: 'capacities apply to engine aurora-postgresql only' });
    }
    if ((db.minCapacity ?? 0) > (db.maxCapacity ?? 256)) {
      ctx.addIssue({ code: 'custom', path: ['database', 'minCapacity'], message: 'must not exceed maxCapacity', input: db.minCapacity });
    }
    if (production && db.backupRetentionDays !== undefined && db.backupRetentionDays < 14) {
      ctx.addIssue({ code: 'custom', path: ['database', 'backupRetentionDays'], message: 'production keeps backups for at least 14 days', input: db.backupRetentionDays });
    }
  }
  const t = d.tracking;
  if (t && r.tracking) {
    const { cpu, memory, minTasks: min } = r.tracking;
    const allowed = FARGATE_SIZES[cpu];
    if (!allowed) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'cpu'], message: `expected a Fargate CPU size: ${Object.keys(FARGATE_SIZES).join(', ')}`, input: cpu });
    } else if (!allowed.includes(memory)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tracking', 'memory'],
        message: `Fargate with ${cpu} CPU units takes ${allowed[0]}-${allowed[allowed.length - 1]} MiB in steps of ${(allowed[1] ?? allowed[0]) - allowed[0]}`,
        input: memory,
      });
    }
    if (production && min < 2) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'minTasks'], message: 'production runs at least 2 tasks across AZs', input: t.minTasks });
    }
    if (t.maxTasks !== undefined && t.maxTasks < min) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'maxTasks'], message: `must be at least minTasks (${min})`, input: t.maxTasks });
    }
    if (production && t.spot) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'spot'], message: 'production runs on on-demand Fargate: Spot tasks can all be reclaimed at once', input: true });
    }
    const lb = t.loadBalancer;
    if (lb.allowPlainHttp && (production || lb.internetFacing)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tracking', 'loadBalancer', 'allowPlainHttp'],
        message: 'plain HTTP is allowed only for a non-production deployment behind an internal load balancer',
        input: true,
      });
    }
    if (!lb.certificateArn && !lb.allowPlainHttp) {
      ctx.addIssue({
        code: 'custom',
        path: ['tracking', 'loadBalancer', 'certificateArn'],
        message: production
          ? 'production serves HTTPS only: set an ACM certificate ARN'
          : 'expected an ACM certificate ARN for HTTPS, or allowPlainHttp: true (internal, non-production only)',
      });
    }
    if (lb.rateLimit !== undefined && !lb.internetFacing) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'loadBalancer', 'rateLimit'], message: 'the WAF rate limit applies to an internet-facing load balancer only', input: lb.rateLimit });
    }
    if (d.region) checkCertificateRegion(d.region, lb.certificateArn, ctx);
    if (lb.internetFacing && !lb.allowedCidrs) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'loadBalancer', 'allowedCidrs'], message: 'an internet-facing load balancer needs explicit allowedCidrs' });
    }
    if (t.hostedZoneId && !t.domainName) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'hostedZoneId'], message: 'needs tracking.domainName', input: t.hostedZoneId });
    }
  }
  checkImageReachable(r, ctx);
  checkAwsEgress(d, r, ctx);
  if (t?.loadBalancer.allowedCidrs && !t.loadBalancer.internetFacing) {
    const privateRanges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
    t.loadBalancer.allowedCidrs.forEach((c, i) => {
      if (!privateRanges.some((r) => cidrContains(r, c))) {
        ctx.addIssue({ code: 'custom', path: ['tracking', 'loadBalancer', 'allowedCidrs', i], message: 'an internal load balancer is reached from private ranges only', input: c });
      }
    });
  }
}

/** An image in Amazon ECR (a private registry the interface endpoints reach), in any partition. */
const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

/**
 * The tasks run in private subnets: with no NAT gateway they reach AWS services through the
 * interface endpoints only, never a public registry such as ghcr.io, so the image must be in ECR.
 */
function checkImageReachable(r: ResolvedAws, ctx: z.RefinementCtx): void {
  if (!r.tracking) return;
  const image = r.tracking.image;
  const { production, network } = r;
  if (network.taskSubnets !== 'private' || network.natGateways !== 'none' || network.existing || ECR_IMAGE.test(image)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['tracking', 'image'],
    message:
      'with network.natGateways: none the tasks in the private subnets reach no public registry; mirror the image into Amazon ECR ' +
      '(<account>.dkr.ecr.<region>.amazonaws.com/...) and set tracking.image to it, or set network.natGateways to single or per-az' +
      (production ? '' : ', or network.taskSubnets: public'),
    input: image,
  });
}

/** Tasks need a way to the image registry, Secrets Manager and CloudWatch Logs. */
function checkAwsEgress(d: AwsSections, r: ResolvedAws, ctx: z.RefinementCtx): void {
  const { production, network: resolved } = r;
  if (production && d.network?.taskSubnets === 'public') {
    ctx.addIssue({ code: 'custom', path: ['network', 'taskSubnets'], message: 'production tasks run in private subnets', input: 'public' });
  }
  if (resolved.taskSubnets === 'private' && resolved.natGateways === 'none' && !resolved.interfaceEndpoints) {
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'natGateways'],
      message: 'tasks in private subnets need a NAT gateway or interface endpoints to pull the image and write logs; or set taskSubnets: public (non-production)',
      input: 'none',
    });
  }
}
