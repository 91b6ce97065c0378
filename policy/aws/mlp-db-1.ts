import type { Rule } from '../types';

/** MLP-DB-1: Database storage is encrypted with a customer-managed key. */
export const MLP_DB_1: Rule = {
  id: 'MLP-DB-1',
  title: 'Database storage is encrypted with a customer-managed key',
  why: 'Snapshots and disks of the backend store hold every experiment, run and model; a customer-managed key keeps control of who can read them and allows revocation.',
  fix: 'Set storage_encrypted = true and kms_key_id to a customer-managed KMS key (TrackingDatabase does this).',
  appliesTo: ['aws_db_instance', 'aws_rds_cluster'],
  check: ({ block }) => (block.storage_encrypted === true && block.kms_key_id ? undefined : 'storage is not encrypted with a customer-managed key'),
};
