import * as fs from 'node:fs';
import { SCHEMA_FILE, renderJsonSchema } from '../stacks/config/json-schema';

it('config/schema.json is up to date with the zod schema (run `npm run schema`)', () => {
  expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderJsonSchema());
});
