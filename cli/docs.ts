import * as fs from 'node:fs';
import { README, withCostTable, withRulesTable } from './docs/readme';

fs.writeFileSync(README, withCostTable(withRulesTable(fs.readFileSync(README, 'utf8'))));
console.log(`wrote the policy rule and cost tables into ${README}`);
