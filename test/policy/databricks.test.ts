import { describeRules, type Case, first } from './helpers';
import type { Block } from '../../policy/types';

/**
 * The Databricks rules (policy/databricks/): for each rule, the compliant case (every fixture deployment passes it,
 * with something to check) next to its non-compliant cases (a fixture's JSON mutated until the rule fires).
 */
const CASES: readonly Case[] = [
  {
    rule: 'MLP-DBX-1',
    stack: 'dbx-governance',
    what: 'a model-only level on a folder',
    mutate: (j) => void ((first(j, 'databricks_permissions', 'acc_experiment-folder').access_control as Block[])[0].permission_level = 'CAN_MANAGE_PRODUCTION_VERSIONS'),
    message: /not valid on a directory/,
  },
  {
    rule: 'MLP-DBX-1',
    stack: 'dbx-governance',
    what: 'admins in an ACL',
    mutate: (j) => void (first(j, 'databricks_permissions', 'acc_model-churn').access_control as Block[]).push({ group_name: 'admins', permission_level: 'CAN_MANAGE' }),
    message: /admins/,
  },
  {
    rule: 'MLP-DBX-2',
    stack: 'dbx-governance',
    what: 'users with CAN_MANAGE',
    mutate: (j) => void (first(j, 'databricks_permissions', 'acc_model-churn').access_control as Block[]).push({ group_name: 'users', permission_level: 'CAN_MANAGE' }),
    message: /users has CAN_MANAGE/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-governance',
    what: 'a non-production group on a production model',
    mutate: (j) => void (first(j, 'databricks_permissions', 'governance_production_model-churn').access_control as Block[]).push({ group_name: 'apps_acc', permission_level: 'CAN_READ' }),
    message: /apps_acc on production object churn_production/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-governance',
    what: 'users inheriting through the root model ACL',
    mutate: (j) => void (first(j, 'databricks_permissions', 'root-model').access_control as Block[]).push({ group_name: 'users', permission_level: 'CAN_READ' }),
    message: /users on production object root/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-unity-catalog',
    what: 'a non-production group on a production schema',
    mutate: (j) => void (first(j, 'databricks_grants', 'prod_schema').grant as Block[]).push({ principal: 'apps_dev', privileges: ['USE_SCHEMA'] }),
    message: /apps_dev on production schema ml_models\.prod/,
  },
  {
    rule: 'MLP-DBX-3',
    stack: 'dbx-unity-catalog',
    what: 'a production model owned by another group',
    mutate: (j) => void (first(j, 'databricks_registered_model', 'prod_model-churn').owner = 'apps_acc'),
    message: /owned by apps_acc/,
  },
];

describeRules('databricks', CASES);
