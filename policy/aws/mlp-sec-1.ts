import type { Rule } from '../types';

/** MLP-SEC-1: Secrets are encrypted with a customer-managed key. */
export const MLP_SEC_1: Rule = {
  id: 'MLP-SEC-1',
  title: 'Secrets are encrypted with a customer-managed key',
  why: 'The database and admin passwords are the keys to all tracking data.',
  fix: 'Set kms_key_id on every Secrets Manager secret.',
  appliesTo: ['aws_secretsmanager_secret'],
  check: ({ block }) => (block.kms_key_id ? undefined : 'no customer-managed key'),
};
