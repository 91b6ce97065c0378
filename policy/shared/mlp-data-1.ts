import { PRODUCTION_GUARDED_TYPES } from '../data-bearing';
import { refersTo, referencing, lifecycle, statementsOf, asList } from '../helpers';
import type { Rule } from '../types';

/** MLP-DATA-1: Production data survives a destroy or a replacement. */
export const MLP_DATA_1: Rule = {
  id: 'MLP-DATA-1',
  title: 'Production data survives a destroy or a replacement',
  why: 'Databases, buckets, storage accounts, key vaults and workspaces of production deployments hold data that cannot be recreated; a refactor or a wrong command must not delete it.',
  fix: 'Production: lifecycle prevent_destroy plus the provider-side guard (RDS deletion_protection and a final snapshot; S3 bucket policy denying DeleteBucket; an Azure CanNotDelete lock).',
  appliesTo: PRODUCTION_GUARDED_TYPES,
  check: ({ type, address, block }, ctx) => {
    if (!ctx.production) return undefined;
    if (lifecycle(block).prevent_destroy !== true) return 'lifecycle prevent_destroy is not set';
    if (type.startsWith('aws_db') || type === 'aws_rds_cluster') {
      if (block.deletion_protection !== true) return 'deletion_protection is not enabled';
      if (block.skip_final_snapshot === true) return 'skip_final_snapshot is true';
      return undefined;
    }
    if (type === 'aws_s3_bucket') {
      const policies = referencing(ctx.json, 'aws_s3_bucket_policy', 'bucket', address);
      const denies = policies.flatMap((p) => statementsOf(p.policy)).some((s) => s.Effect === 'Deny' && asList(s.Action).includes('s3:DeleteBucket'));
      return denies ? undefined : 'no bucket policy statement denies s3:DeleteBucket';
    }
    const locked = Object.values(ctx.json.resource?.azurerm_management_lock ?? {}).some(
      (l) => refersTo(l.scope, address) && l.lock_level === 'CanNotDelete',
    );
    return locked ? undefined : 'no CanNotDelete management lock';
  },
};
