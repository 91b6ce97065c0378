import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeploymentConfig } from '../../stacks/config/schema';
import { checkStack } from '../../policy/check';
import { RULES_BY_ID, targetsOf } from '../../policy';
import type { Block, Rule, StackJson } from '../../policy/types';
import { configFrom, synth } from '../helpers';
import { FIXTURE_CONFIGS } from '../fixtures/configs';

/** The fixture deployments (test/fixtures/configs.ts), synthesized once per test file. */
export const fixtures: Record<string, { config: DeploymentConfig; json: StackJson }> = Object.fromEntries(
  Object.entries(FIXTURE_CONFIGS).map(([name, text]) => {
    const config = configFrom(text, `${name}.yaml`);
    return [config.name, { config, json: synth(config) }];
  }),
);

/** The first resource of a type in a JSON copy (for mutation). */
export function first(json: StackJson, type: string, match = ''): Block {
  const found = Object.entries(json.resource?.[type] ?? {}).find(([k]) => k.includes(match));
  if (!found) throw new Error(`no ${type} matching ${match}`);
  return found[1];
}

export const addStatement = (block: Block, statement: Block) => {
  const doc = JSON.parse(String(block.policy)) as { Statement: Block[] };
  doc.Statement.push(statement);
  block.policy = JSON.stringify(doc);
};

/** The service's task definition (not the gc task's, `tracking_gc-task-definition`). */
export const containerDefs = (json: StackJson) => first(json, 'aws_ecs_task_definition', 'tracking_task-definition');
export const mutateContainers = (json: StackJson, fn: (containers: { environment: { name: string; value: string }[] }[]) => void) => {
  const td = containerDefs(json);
  const containers = JSON.parse(String(td.container_definitions)) as { environment: { name: string; value: string }[] }[];
  fn(containers);
  td.container_definitions = JSON.stringify(containers);
};

/** A non-compliant case: a fixture's JSON mutated until `rule` fires with `message`. */
export interface Case {
  readonly rule: string;
  readonly stack: string;
  readonly what: string;
  readonly mutate: (json: StackJson) => void;
  readonly message: RegExp;
}

/** The folders of the policy pack that hold one rule per file. */
export const RULE_FOLDERS = ['aws', 'azure', 'databricks', 'shared'] as const;

/** The rules defined in `policy/<folder>/`: one file per rule, named after its id. */
export function rulesIn(folder: (typeof RULE_FOLDERS)[number]): Rule[] {
  const dir = path.join(__dirname, '..', '..', 'policy', folder);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => {
      const rule = RULES_BY_ID.get(f.replace(/\.ts$/, '').toUpperCase());
      if (!rule) throw new Error(`policy/${folder}/${f} is not a registered rule (policy/index.ts)`);
      return rule;
    });
}

/** For every rule of `folder`: its compliant case and its non-compliant `cases`, side by side. */
export function describeRules(folder: (typeof RULE_FOLDERS)[number], cases: readonly Case[]): void {
  const rules = rulesIn(folder);
  it(`has a non-compliant case for every rule in policy/${folder}/, and no other`, () => {
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(rules.map((r) => r.id)));
  });
  for (const rule of rules) {
    describe(rule.id, () => {
      it('compliant: passes on the fixture configs and has something to check there', () => {
        let targets = 0;
        for (const { config, json } of Object.values(fixtures)) {
          const report = checkStack(json, config, [rule]);
          expect(report.violations).toEqual([]);
          expect(report.warnings).toEqual([]);
          targets += targetsOf(rule, { stackName: config.name, production: config.production, json }).length;
        }
        expect(targets).toBeGreaterThan(0);
      });
      const own = cases.filter((c) => c.rule === rule.id);
      it.each(own.map((c) => [c.what, c] as const))('non-compliant: flags %s', (_what, c) => {
        const json = structuredClone(fixtures[c.stack].json);
        c.mutate(json);
        const report = checkStack(json, fixtures[c.stack].config, [rule]);
        // Warning-level rules (MLP-OPS-1) report in warnings; the case list covers both levels.
        expect([...report.violations, ...report.warnings].map((v) => v.message)).toContainEqual(expect.stringMatching(c.message));
      });
    });
  }
}
