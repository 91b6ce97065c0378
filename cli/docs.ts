import * as fs from 'node:fs';
import { README, withConfigTables, withCostTable, withRulesTable } from './docs/readme';

fs.writeFileSync(README, withConfigTables(withCostTable(withRulesTable(fs.readFileSync(README, 'utf8')))));
console.log(`wrote the config reference, policy rule and cost tables into ${README}`);
