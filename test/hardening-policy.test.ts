import { coversInternet, rangesCover } from '../constructs/shared/cidr';
import type { DeploymentConfig } from '../stacks/config/schema';
import { checkStack } from '../policy/check';
import { foreignSequences, templateSequences } from '../policy/interpolation';
import { RULES_BY_ID } from '../policy';
import type { Rule, StackJson } from '../policy/types';
import { type Block, configFrom, onlyResource, rejectionsOf, resourcesOf, synthOnce } from './helpers';

/** Issue 13: network and database hardening, and the rules that keep it from regressing. */

const aws = (extra: string, loadBalancer = '') => `name: t
environment: dev
cloud: aws
region: eu-west-1
database: {}
artifacts: {}
tracking:
  loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x
${loadBalancer}${extra}`;

const azure = (extra = '') => `name: t
environment: dev
cloud: azure
location: westeurope
network:
  vnetCidr: 10.40.0.0/16
database: {}
artifacts: {}
tracking: {}
${extra}`;

const rule = (id: string): Rule => {
  const r = RULES_BY_ID.get(id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
};

/** Violation messages of one rule on a stack. */
const violations = (json: StackJson, config: DeploymentConfig, id: string) => checkStack(json, config, [rule(id)]).violations.map((v) => v.message);

describe('CIDR checks reason about address ranges', () => {
  it('two halves of the address space are the whole internet; private and reserved ranges are not', () => {
    expect(coversInternet(['0.0.0.0/1', '128.0.0.0/1'])).toBe(true);
    expect(coversInternet(['0.0.0.0/0'])).toBe(true);
    // Everything public, with the private ranges left out: still the whole internet.
    expect(coversInternet(['1.0.0.0/8', '2.0.0.0/7', '4.0.0.0/6', '8.0.0.0/7', '11.0.0.0/8', '12.0.0.0/6', '16.0.0.0/4', '32.0.0.0/3', '64.0.0.0/3', '96.0.0.0/3', '128.0.0.0/2', '192.0.0.0/3'])).toBe(true);
    expect(coversInternet(['0.0.0.0/1'])).toBe(false);
    expect(coversInternet(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'])).toBe(false);
    expect(rangesCover(['10.0.0.0/9', '10.128.0.0/9'], 0x0a000000, 0x0affffff)).toBe(true);
  });

  it('MLP-NET-1 fails 0.0.0.0/1 + 128.0.0.0/1 on an internet-facing load balancer (the redirect port), as it fails 0.0.0.0/0', () => {
    const config = configFrom(aws('', '    internetFacing: true\n    allowedCidrs: [0.0.0.0/1, 128.0.0.0/1]\n'));
    const messages = violations(synthOnce(config), config, 'MLP-NET-1');
    expect(messages).toEqual([
      "ingress from 0.0.0.0/1 on ports 80-80 (with the group's other rules on these ports: every internet address)",
      "ingress from 128.0.0.0/1 on ports 80-80 (with the group's other rules on these ports: every internet address)",
    ]);
    const whole = configFrom(aws('', '    internetFacing: true\n    allowedCidrs: [0.0.0.0/0]\n'));
    expect(violations(synthOnce(whole), whole, 'MLP-NET-1')).toEqual(['ingress from 0.0.0.0/0 on ports 80-80']);
  });

  it('MLP-NET-1 fails split ranges on a security group other than the load balancer, and passes halves on different ports', () => {
    const config = configFrom(aws(''));
    const json = structuredClone(synthOnce(config)) as StackJson;
    const rules = json.resource?.aws_vpc_security_group_ingress_rule ?? {};
    const db = Object.values(rules).find((r) => String(r.security_group_id).includes('database'));
    if (!db) throw new Error('no database ingress rule');
    rules.low = { ...db, referenced_security_group_id: undefined, cidr_ipv4: '0.0.0.0/1' };
    rules.high = { ...db, referenced_security_group_id: undefined, cidr_ipv4: '128.0.0.0/1' };
    expect(violations(json, config, 'MLP-NET-1')).toHaveLength(2);
    rules.high = { ...rules.high, from_port: 22, to_port: 22 };
    expect(violations(json, config, 'MLP-NET-1')).toEqual([]);
  });

  it('MLP-NET-1 fails an Azure NSG rule whose source prefixes add up to the internet', () => {
    const config = configFrom(azure());
    const json = structuredClone(synthOnce(config)) as StackJson;
    const deny = Object.values(json.resource?.azurerm_network_security_rule ?? {}).find((r) => r.access === 'Deny') as Block;
    const nsgRules = json.resource?.azurerm_network_security_rule as Record<string, Block>;
    nsgRules.wide = { ...deny, name: 'wide', priority: 200, access: 'Allow', source_address_prefix: undefined, source_address_prefixes: ['0.0.0.0/1', '128.0.0.0/1'] };
    expect(violations(json, config, 'MLP-NET-1')).toEqual(['inbound rule wide allows every internet address']);
  });

  it('network.existing.vpcCidr must be a real VPC range, never 0.0.0.0/0 (it used to become "*" in the allowed hosts)', () => {
    const existing = (cidr: string) =>
      aws(`network:\n  existing:\n    vpcId: vpc-0123456789abcdef0\n    vpcCidr: ${cidr}\n    publicSubnetIds: [subnet-00000001, subnet-00000002]\n    privateSubnetIds: [subnet-00000003, subnet-00000004]\n    isolatedSubnetIds: [subnet-00000005, subnet-00000006]\n`);
    const message = 'expected the VPC\'s CIDR: a prefix between /16 and /28 (AWS limits), never a wildcard such as 0.0.0.0/0';
    expect(rejectionsOf(existing('0.0.0.0/0'), 'c.yaml')).toEqual([`c.yaml: network.existing.vpcCidr: ${message}, got "0.0.0.0/0"`]);
    expect(rejectionsOf(existing('10.0.0.0/8'), 'c.yaml')).toEqual([`c.yaml: network.existing.vpcCidr: ${message}, got "10.0.0.0/8"`]);
    expect(() => configFrom(existing('10.20.0.0/16'))).not.toThrow();
  });
});

describe('AWS: a WAF rate limit in front of an internet-facing load balancer', () => {
  const internetFacing = '    internetFacing: true\n    allowedCidrs: [198.51.100.0/24]\n';

  // Upstream: hashicorp/terraform-provider-aws website/docs/r/wafv2_web_acl.html.markdown ("Rate Based": rule.action.block,
  // statement.rate_based_statement { limit, aggregate_key_type = "IP" }), provider 6.25; AWS WAF API RateBasedStatement.
  it('associates a regional web ACL that blocks an IP over 2000 requests per 5 minutes', () => {
    const json = synthOnce(configFrom(aws('', internetFacing)));
    const acl = onlyResource(json, 'aws_wafv2_web_acl');
    expect(acl).toMatchObject({ scope: 'REGIONAL', default_action: { allow: {} } });
    expect(acl.rule).toEqual([
      expect.objectContaining({
        action: { block: {} },
        statement: { rate_based_statement: { limit: 2000, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
      }),
    ]);
    const association = onlyResource(json, 'aws_wafv2_web_acl_association');
    expect(association.resource_arn).toMatch(/^\$\{aws_lb\.tracking_load-balancer_[0-9A-F]+\.arn\}$/);
    expect(association.web_acl_arn).toMatch(/^\$\{aws_wafv2_web_acl\.[^.]+\.arn\}$/);
  });

  it('takes the limit from tracking.loadBalancer.rateLimit', () => {
    const json = synthOnce(configFrom(aws('', `${internetFacing}    rateLimit: 500\n`)));
    expect(JSON.stringify(onlyResource(json, 'aws_wafv2_web_acl').rule)).toContain('"limit":500');
  });

  it('an internal load balancer has no WAF, and a rate limit there is a config error', () => {
    expect(resourcesOf(synthOnce(configFrom(aws(''))), 'aws_wafv2_web_acl')).toEqual({});
    expect(rejectionsOf(aws('', '    rateLimit: 500\n'), 'c.yaml')).toEqual([
      'c.yaml: tracking.loadBalancer.rateLimit: the WAF rate limit applies to an internet-facing load balancer only, got 500',
    ]);
  });

  it('MLP-NET-2 flags an internet-facing load balancer whose web ACL only counts', () => {
    const config = configFrom(aws('', internetFacing));
    const json = structuredClone(synthOnce(config)) as StackJson;
    expect(violations(json, config, 'MLP-NET-2')).toEqual([]);
    for (const acl of Object.values(json.resource?.aws_wafv2_web_acl ?? {})) for (const r of acl.rule as Block[]) r.action = { count: {} };
    expect(violations(json, config, 'MLP-NET-2')).toEqual(['internet-facing, with no WAF web ACL that blocks by rate']);
  });
});

describe('AWS: the S3 gateway endpoint reaches the platform bucket and the ECR layer bucket only', () => {
  const config = configFrom(aws(''));
  const json = synthOnce(config);

  // AWS ECR User Guide, "Amazon ECR interface VPC endpoints (AWS PrivateLink)": minimum S3 permissions for image pulls
  // are s3:GetObject on arn:aws:s3:::prod-<region>-starport-layer-bucket/*.
  it('has a policy naming the artifact bucket and the ECR layer bucket of the region', () => {
    const policy = onlyResource(json, 'aws_vpc_endpoint_policy');
    expect(policy.vpc_endpoint_id).toMatch(/^\$\{aws_vpc_endpoint\.network_s3-endpoint_[0-9A-F]+\.id\}$/);
    const doc = JSON.parse(String(policy.policy)) as { Statement: { Sid: string; Action: string; Resource: string | string[] }[] };
    const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
    expect(bySid.PlatformBuckets.Resource).toEqual([
      expect.stringMatching(/^\$\{aws_s3_bucket\.artifacts_bucket_[0-9A-F]+\.arn\}$/),
      expect.stringMatching(/^\$\{aws_s3_bucket\.artifacts_bucket_[0-9A-F]+\.arn\}\/\*$/),
    ]);
    expect(bySid.EcrImageLayers).toMatchObject({ Action: 's3:GetObject', Resource: 'arn:${data.aws_partition.partition.partition}:s3:::prod-eu-west-1-starport-layer-bucket/*' });
  });

  it('MLP-NET-3 flags an endpoint policy that allows every bucket', () => {
    const copy = structuredClone(json) as StackJson;
    const policy = Object.values(copy.resource?.aws_vpc_endpoint_policy ?? {})[0];
    policy.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] });
    expect(violations(copy, config, 'MLP-NET-3')).toEqual(['the endpoint policy allows every bucket']);
  });

  it('task egress stays 443 (image pulls, AWS APIs) and 5432 to the database security group only', () => {
    const egress = Object.values(resourcesOf(json, 'aws_vpc_security_group_egress_rule')).filter((r) => String(r.security_group_id).includes('task-security-group'));
    expect(egress.map((r) => [r.from_port, r.to_port, r.cidr_ipv4 ?? 'security group']).sort()).toEqual([
      [443, 443, '0.0.0.0/0'],
      [5432, 5432, 'security group'],
    ]);
  });
});

describe('AWS: task egress without NAT', () => {
  it('goes to the VPC (interface endpoints) and the S3 prefix list only, never 0.0.0.0/0', () => {
    const json = synthOnce(configFrom(aws('network: { natGateways: none }\n').replace('tracking:\n', 'tracking:\n  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlflow:v3.17.0-full\n')));
    const egress = Object.values(resourcesOf(json, 'aws_vpc_security_group_egress_rule')).filter((r) => String(r.security_group_id).includes('task-security-group'));
    expect(egress.map((r) => [r.from_port, r.cidr_ipv4 ?? r.prefix_list_id ?? 'security group']).sort()).toEqual([
      [443, expect.stringMatching(/^\$\{aws_vpc_endpoint\.network_s3-endpoint_[0-9A-F]+\.prefix_list_id\}$/)],
      [443, '10.0.0.0/16'],
      [5432, 'security group'],
    ]);
  });
});

describe('Azure: the database subnet admits the tracking app only', () => {
  const config = configFrom(azure());
  const json = synthOnce(config);
  const rules = Object.values(resourcesOf(json, 'azurerm_network_security_rule'));

  it('allows 5432 from the Container Apps subnet, HA traffic inside the subnet, probes, and denies the rest of the VNet', () => {
    const summary = rules.map((r) => [r.priority, r.access, r.source_address_prefix, r.destination_port_range ?? r.destination_port_ranges, r.destination_address_prefix]);
    expect(summary.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [100, 'Allow', '10.40.0.0/23', ['5432'], '10.40.2.0/24'],
      [110, 'Allow', '10.40.2.0/24', ['5432', '6432'], '10.40.2.0/24'],
      [120, 'Allow', 'AzureLoadBalancer', '*', '*'],
      [4000, 'Deny', 'VirtualNetwork', '*', '*'],
    ]);
    for (const r of rules) {
      expect(r).toMatchObject({ direction: 'Inbound' });
      expect(String(r.network_security_group_name)).toMatch(/^\$\{azurerm_network_security_group\.network_postgres-nsg_[0-9A-F]+\.name\}$/);
    }
  });

  it('MLP-NET-4 flags a rule that admits the whole VNet before the deny', () => {
    const copy = structuredClone(json) as StackJson;
    const allow = Object.values(copy.resource?.azurerm_network_security_rule ?? {}).find((r) => r.priority === 100) as Block;
    allow.source_address_prefix = 'VirtualNetwork';
    expect(violations(copy, config, 'MLP-NET-4')).toEqual(['inbound rule allow-postgres-from-app admits the whole VNet before the deny']);
  });
});

describe('MLP-TF-1: no synthesized string holds an interpolation our code did not create', () => {
  const config = configFrom(aws('') + 'databricks:\n  host: https://adb-1.azuredatabricks.net\n  environments: [{ name: dev }]\n');
  const json = synthOnce(config);

  it('reads interpolations and directives, and skips the escapes $${ and %%{', () => {
    expect(templateSequences('a ${aws_s3_bucket.b.arn} b %{ if x }y%{ endif } $${literal} %%{literal}')).toEqual([
      { kind: '$', body: 'aws_s3_bucket.b.arn' },
      { kind: '%', body: ' if x ' },
      { kind: '%', body: ' endif ' },
    ]);
    expect(templateSequences('${jsonencode({a = "}"})}')).toEqual([{ kind: '$', body: 'jsonencode({a = "}"})' }]);
  });

  it('accepts the references and functions the code creates, against the stack\'s declarations', () => {
    const bucket = Object.keys(resourcesOf(json, 'aws_s3_bucket'))[0];
    expect(foreignSequences(`\${aws_s3_bucket.${bucket}.arn}/*`, json)).toEqual([]);
    expect(foreignSequences('${data.aws_partition.partition.partition}', json)).toEqual([]);
    const azs = Object.keys((json.data as Record<string, Record<string, unknown>>).aws_availability_zones)[0];
    expect(foreignSequences(`\${element(data.aws_availability_zones.${azs}.names, 1)}`, json)).toEqual([]);
    expect(foreignSequences('${element(data.aws_availability_zones.undeclared.names, 1)}', json)).toEqual(['${element(data.aws_availability_zones.undeclared.names, 1)}']);
    expect(foreignSequences('$${file("/etc/passwd")}', json)).toEqual([]);
  });

  it.each([
    ['a file read', '${file("/etc/passwd")}'],
    ['a template directive', '%{ for k in [1] }x%{ endfor }'],
    ['a resource the stack does not declare', '${aws_db_instance.elsewhere.password}'],
    ['an unlisted function around a reference', '${templatefile("x", {})}'],
    ['an environment read through a nested call', '${element(split(",", file("/etc/hosts")), 0)}'],
  ])('flags %s', (_what, expression) => {
    expect(foreignSequences({ tags: { owner: expression } }, json)).not.toEqual([]);
  });

  it('checks provider blocks and outputs too (databricks.host ends up in the provider)', () => {
    const copy = structuredClone(json) as StackJson & { provider: Record<string, Block[]> };
    expect(violations(copy, config, 'MLP-TF-1')).toEqual([]);
    copy.provider.databricks[0].host = '${file("/home/deployer/.databrickscfg")}';
    (copy.output as Record<string, Block>).tracking_uri.value = '%{ if true }x%{ endif }';
    const report = checkStack(copy, config, [rule('MLP-TF-1')]);
    expect(report.violations.map((v) => v.address).sort()).toEqual(['output.tracking_uri', 'provider.databricks[0]']);
  });
});

describe('MLP-TAG-1: no resource exceeds 50 tags', () => {
  it('counts the provider default tags with the resource\'s own', () => {
    const config = configFrom(`${aws('')}tags:\n${Array.from({ length: 45 }, (_, i) => `  t${i}: v\n`).join('')}`);
    const json = structuredClone(synthOnce(config)) as StackJson;
    expect(violations(json, config, 'MLP-TAG-1')).toEqual([]);
    const subnet = Object.values(json.resource?.aws_subnet ?? {})[0];
    subnet.tags = { ...(subnet.tags as Block), extra: 'x' };
    expect(violations(json, config, 'MLP-TAG-1')).toEqual(['51 tags']);
  });
});
