import * as fs from 'node:fs';
import { SCHEMA_FILE, renderJsonSchema } from '../stacks/config/json-schema';

fs.writeFileSync(SCHEMA_FILE, renderJsonSchema());
console.log(`wrote ${SCHEMA_FILE}`);
