import { z } from 'zod';
import { deploymentSchema } from './schema';

export const SCHEMA_FILE = 'config/schema.json';

/**
 * The JSON Schema of a deployment config, for editors (yaml-language-server). Generated from the
 * zod schema, so the two cannot drift: a test compares it with the committed file.
 */
export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(deploymentSchema, {
    io: 'input',
    target: 'draft-2020-12',
    // A governance-only deployment has no `cloud`: "must be absent" in JSON Schema terms.
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === 'undefined') Object.assign(ctx.jsonSchema, { not: {} });
    },
  });
  return `${JSON.stringify({ ...schema, title: 'MLflow platform deployment' }, null, 2)}\n`;
}
