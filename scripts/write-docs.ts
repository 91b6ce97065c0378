import * as fs from 'node:fs';
import { README, withRulesTable } from '../stacks/policy/docs';

fs.writeFileSync(README, withRulesTable(fs.readFileSync(README, 'utf8')));
console.log(`wrote the policy rule table into ${README}`);
