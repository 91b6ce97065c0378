import { statementsOf, asList } from '../helpers';
import type { Rule } from '../types';

/** MLP-IAM-1: No IAM policy allows * actions on * resources. */
export const MLP_IAM_1: Rule = {
  id: 'MLP-IAM-1',
  title: 'No IAM policy allows * actions on * resources',
  why: 'Administrator-equivalent grants turn any compromise of a task or team role into a compromise of the account.',
  fix: 'Name the actions and the resources each role needs (the constructs grant per bucket, prefix, secret and key).',
  appliesTo: ['aws_iam_role_policy', 'aws_iam_policy', 'aws_s3_bucket_policy', 'aws_kms_key'],
  check: ({ block }) => {
    const wide = statementsOf(block.policy).find(
      (s) => s.Effect === 'Allow' && asList(s.Action).includes('*') && asList(s.Resource).includes('*'),
    );
    return wide ? 'a statement allows "*" on "*"' : undefined;
  },
};
