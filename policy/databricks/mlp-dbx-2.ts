import type { Block, Rule } from '../types';

/** MLP-DBX-2: The users group holds no manage level. */
export const MLP_DBX_2: Rule = {
  id: 'MLP-DBX-2',
  title: 'The users group holds no manage level',
  why: 'Every workspace user is in users: a manage level there lets anyone change permissions or production model versions.',
  fix: 'Grant manage levels to environment groups only; give users at most CAN_READ, or nothing.',
  appliesTo: ['databricks_permissions'],
  check: ({ block }) => {
    const entry = ((block.access_control ?? []) as Block[]).find((e) => e.group_name === 'users' && String(e.permission_level).startsWith('CAN_MANAGE'));
    return entry ? `users has ${String(entry.permission_level)}` : undefined;
  },
};
