import { PERMISSION_LEVELS } from '../../constructs/databricks/permission-levels';
import { permissionsObject } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-DBX-1: Databricks permission levels are valid for their object type. */
export const MLP_DBX_1: Rule = {
  id: 'MLP-DBX-1',
  title: 'Databricks permission levels are valid for their object type',
  why: 'The provider rejects invalid levels at apply time, half-way through a deploy.',
  fix: `Folders: ${PERMISSION_LEVELS.directory.join(', ')}. Registered models: ${PERMISSION_LEVELS.registeredModel.join(', ')}. Experiments: ${PERMISSION_LEVELS.experiment.join(', ')}. Never list admins.`,
  appliesTo: ['databricks_permissions'],
  check: ({ block }, ctx) => {
    const target = permissionsObject(ctx.json, block);
    if (!target) return undefined;
    const allowed: readonly string[] = PERMISSION_LEVELS[target.kind];
    for (const entry of (block.access_control ?? []) as Block[]) {
      if (entry.group_name === 'admins') return 'admins is listed (the provider rejects it)';
      if (!allowed.includes(String(entry.permission_level))) return `${String(entry.permission_level)} is not valid on a ${target.kind}`;
    }
    return undefined;
  },
};
