import { foreignSequences } from '../interpolation';
import type { Rule } from '../types';

/** MLP-TF-1: No interpolation the code did not create. */
export const MLP_TF_1: Rule = {
  id: 'MLP-TF-1',
  title: 'No interpolation the code did not create',
  why: 'Terraform evaluates ${...} and %{...} in every string: one from a config value (a tag, a host name) runs at plan time, e.g. ${file("/etc/passwd")} reads the deploy machine into tags, plan logs and state.',
  fix: 'Only references to resources, data sources, ephemeral resources, variables and locals of the same stack (optionally in a pure function such as element) may appear; config values are rejected at load time, literal text is escaped as $${ / %%{.',
  appliesTo: ['*', 'data.*', 'ephemeral.*', 'output.*', 'provider.*', 'terraform.*', 'locals.*'],
  check: ({ block }, ctx) => {
    const foreign = foreignSequences(block, ctx.json);
    return foreign.length ? `foreign interpolation: ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}` : undefined;
  },
};
