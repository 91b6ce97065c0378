import { MAX_TAGS_PER_RESOURCE } from '../../constructs/shared/tags';
import { first } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-TAG-1: No resource carries more than ${MAX_TAGS_PER_RESOURCE} tags. */
export const MLP_TAG_1: Rule = {
  id: 'MLP-TAG-1',
  title: `No resource carries more than ${MAX_TAGS_PER_RESOURCE} tags`,
  why: `AWS allows ${MAX_TAGS_PER_RESOURCE} user tags per resource (provider default_tags included) and Azure ${MAX_TAGS_PER_RESOURCE} tag pairs: more fails the apply half-way.`,
  fix: 'Fewer tags in the deployment config (the loader allows the limit minus the platform\'s own tags).',
  appliesTo: ['*'],
  check: ({ type, block }, ctx) => {
    const defaults = type.startsWith('aws_') ? ((first(first(ctx.json.provider && (ctx.json.provider as Record<string, unknown>).aws)?.default_tags)?.tags ?? {}) as Block) : {};
    const count = Object.keys({ ...defaults, ...((block.tags ?? {}) as Block) }).length;
    return count > MAX_TAGS_PER_RESOURCE ? `${count} tags` : undefined;
  },
};
