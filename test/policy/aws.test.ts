import { describeRules, type Case, first, addStatement } from './helpers';

/**
 * The AWS-only rules (policy/aws/): for each rule, the compliant case (every fixture deployment passes it,
 * with something to check) next to its non-compliant cases (a fixture's JSON mutated until the rule fires).
 */
const CASES: readonly Case[] = [
  { rule: 'MLP-DB-1', stack: 'aws-prod', what: 'unencrypted RDS storage', mutate: (j) => void (first(j, 'aws_db_instance').storage_encrypted = false), message: /not encrypted/ },
  { rule: 'MLP-S3-1', stack: 'aws-dev', what: 'a bucket without encryption', mutate: (j) => void delete j.resource?.aws_s3_bucket_server_side_encryption_configuration, message: /no server-side encryption/ },
  { rule: 'MLP-S3-1', stack: 'aws-dev', what: 'a bucket without versioning', mutate: (j) => void delete j.resource?.aws_s3_bucket_versioning, message: /versioning/ },
  { rule: 'MLP-S3-2', stack: 'aws-dev', what: 'public policies allowed', mutate: (j) => void (first(j, 'aws_s3_bucket_public_access_block').block_public_policy = false), message: /public access/ },
  { rule: 'MLP-S3-2', stack: 'aws-prod', what: 'force_destroy in production', mutate: (j) => void (first(j, 'aws_s3_bucket').force_destroy = true), message: /force_destroy/ },
  { rule: 'MLP-SEC-1', stack: 'aws-dev', what: 'a secret without a CMK', mutate: (j) => void delete first(j, 'aws_secretsmanager_secret').kms_key_id, message: /customer-managed key/ },
  { rule: 'MLP-LB-1', stack: 'aws-prod', what: 'a TLS 1.0 policy', mutate: (j) => void (first(j, 'aws_lb_listener', 'https').ssl_policy = 'ELBSecurityPolicy-2016-08'), message: /below 1\.2/ },
  { rule: 'MLP-LB-1', stack: 'aws-prod', what: 'invalid headers kept', mutate: (j) => void (first(j, 'aws_lb').drop_invalid_header_fields = false), message: /invalid header/ },
  {
    rule: 'MLP-LB-1',
    stack: 'aws-prod',
    what: 'plain HTTP forwarding in production',
    mutate: (j) => void (first(j, 'aws_lb_listener', 'http-redirect').default_action = [{ type: 'forward' }]),
    message: /plain HTTP/,
  },
  { rule: 'MLP-IAM-1', stack: 'aws-dev', what: '* on *', mutate: (j) => addStatement(first(j, 'aws_iam_role_policy'), { Effect: 'Allow', Action: '*', Resource: '*' }), message: /"\*" on "\*"/ },
  { rule: 'MLP-NET-2', stack: 'aws-dev', what: 'an internet-facing load balancer without a WAF', mutate: (j) => void (first(j, 'aws_lb').internal = false), message: /no WAF web ACL/ },
  { rule: 'MLP-NET-3', stack: 'aws-prod', what: 'an S3 gateway endpoint without a policy', mutate: (j) => void delete j.resource?.aws_vpc_endpoint_policy, message: /no endpoint policy/ },
];

describeRules('aws', CASES);
