import { referencing, first } from '../helpers';
import type { Rule } from '../types';

/** MLP-S3-2: Buckets are not public. */
export const MLP_S3_2: Rule = {
  id: 'MLP-S3-2',
  title: 'Buckets are not public',
  why: 'One public ACL or policy exposes every artifact, model and credential a run logged.',
  fix: 'Block all four kinds of public access, enforce bucket-owner object ownership (ACLs disabled), and no force_destroy in production (non-production buckets are emptied on destroy).',
  appliesTo: ['aws_s3_bucket'],
  check: ({ address, block }, ctx) => {
    const blocks = referencing(ctx.json, 'aws_s3_bucket_public_access_block', 'bucket', address);
    const all = blocks.some((b) => b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets);
    if (!all) return 'public access is not fully blocked';
    const owner = referencing(ctx.json, 'aws_s3_bucket_ownership_controls', 'bucket', address);
    if (!owner.some((o) => first(o.rule)?.object_ownership === 'BucketOwnerEnforced')) return 'ACLs are not disabled (BucketOwnerEnforced)';
    return ctx.production && block.force_destroy === true ? 'force_destroy is true in production' : undefined;
  },
};
