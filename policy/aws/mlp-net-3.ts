import { referencing, statementsOf, asList } from '../helpers';
import type { Rule } from '../types';

/** MLP-NET-3: S3 gateway endpoints are limited to the platform\'s buckets. */
export const MLP_NET_3: Rule = {
  id: 'MLP-NET-3',
  title: 'S3 gateway endpoints are limited to the platform\'s buckets',
  why: 'The default endpoint policy allows any bucket in any account: a compromised task could copy artifacts to a bucket of its own through the endpoint.',
  fix: 'Give every S3 gateway endpoint a policy (aws_vpc_endpoint_policy or policy) that names the platform\'s buckets and the ECR layer bucket, never Resource "*".',
  appliesTo: ['aws_vpc_endpoint'],
  check: ({ address, block }, ctx) => {
    if (block.vpc_endpoint_type !== 'Gateway' || !/\.s3$/.test(String(block.service_name))) return undefined;
    const policies = [block.policy, ...referencing(ctx.json, 'aws_vpc_endpoint_policy', 'vpc_endpoint_id', address).map((p) => p.policy)].filter((p) => p !== undefined);
    if (policies.length === 0) return 'no endpoint policy (the default allows every bucket)';
    const wide = policies.flatMap(statementsOf).some((st) => st.Effect === 'Allow' && asList(st.Resource).some((r) => r === '*' || r === 'arn:aws:s3:::*'));
    return wide ? 'the endpoint policy allows every bucket' : undefined;
  },
};
