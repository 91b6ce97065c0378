import { referencing, first, statementsOf } from '../helpers';
import type { Rule } from '../types';

/** MLP-S3-1: Buckets are encrypted, versioned and reject non-TLS requests. */
export const MLP_S3_1: Rule = {
  id: 'MLP-S3-1',
  title: 'Buckets are encrypted, versioned and reject non-TLS requests',
  why: 'Artifacts and logs are data at rest; versioning recovers overwritten or deleted objects; a TLS-only policy blocks plain HTTP access.',
  fix: 'Give every bucket a server-side encryption configuration, versioning Enabled, and a bucket policy denying aws:SecureTransport = false.',
  appliesTo: ['aws_s3_bucket'],
  check: ({ address }, ctx) => {
    const problems: string[] = [];
    const sse = referencing(ctx.json, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', address);
    if (sse.length === 0) problems.push('no server-side encryption configuration');
    const versioning = referencing(ctx.json, 'aws_s3_bucket_versioning', 'bucket', address);
    if (!versioning.some((v) => first(v.versioning_configuration)?.status === 'Enabled')) problems.push('versioning is not enabled');
    const policies = referencing(ctx.json, 'aws_s3_bucket_policy', 'bucket', address);
    const tlsOnly = policies
      .flatMap((p) => statementsOf(p.policy))
      .some((s) => s.Effect === 'Deny' && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false');
    if (!tlsOnly) problems.push('no policy denies non-TLS requests');
    return problems.length ? problems.join('; ') : undefined;
  },
};
