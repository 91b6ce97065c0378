import { governanceLayout } from '../constructs/databricks/governance';
import { isProductionEnvironment } from '../stacks/config/databricks';
import type { DeploymentConfig } from '../stacks/config/schema';
import { configFieldOf } from './config-fields';
import { RULES, targetsOf } from './index';
import type { DatabricksProduction, PolicyContext, Rule, StackJson, Violation } from './types';

/** A suppression from a deployment config: one rule, one resource, a written reason. */
export interface Suppression {
  readonly rule: string;
  readonly resource: string;
  readonly reason: string;
}

export interface PolicyReport {
  readonly stack: string;
  readonly violations: readonly Violation[];
  /** Violations of warning-level rules: reported, not failing. */
  readonly warnings: readonly Violation[];
  /** Violations that a suppression in the config accepted, with its reason. */
  readonly suppressed: readonly (Violation & { readonly reason: string })[];
  /** Suppressions that matched no violation: stale, and therefore errors. */
  readonly unusedSuppressions: readonly Suppression[];
  readonly rulesChecked: number;
}

/** What the Databricks section of a config declares production. */
export function databricksProduction(config: DeploymentConfig): DatabricksProduction | undefined {
  const d = config.databricks;
  if (!d) return undefined;
  const layout = governanceLayout({
    environments: d.environments.map((e) => ({ name: e.name, production: isProductionEnvironment(e) })),
    models: d.models,
    experimentsRoot: d.experimentsRoot,
    registry: d.registry,
    unityCatalog: d.unityCatalog && { catalog: d.unityCatalog.catalog },
  });
  const prod = layout.environments.filter((e) => e.production);
  if (prod.length === 0) return { groups: [], objects: [], schemas: [] };
  return {
    groups: prod.map((e) => e.groupName),
    objects: ['root', layout.experimentsRoot, ...prod.flatMap((e) => [e.experimentFolder, ...e.modelNames])],
    schemas: prod.map((e) => e.schema),
  };
}

/** Runs every rule over one synthesized stack, then applies the config's suppressions. */
export function checkStack(json: StackJson, config: DeploymentConfig, rules: readonly Rule[] = RULES): PolicyReport {
  const ctx: PolicyContext = { stackName: config.name, production: config.production, json, databricks: databricksProduction(config) };
  const found: Violation[] = [];
  for (const rule of rules) {
    for (const resource of targetsOf(rule, ctx)) {
      const message = rule.check(resource, ctx);
      if (message) found.push({ rule, address: resource.address, message });
    }
  }
  const suppressions = config.suppressions ?? [];
  const used = new Set<Suppression>();
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const suppressed: (Violation & { reason: string })[] = [];
  for (const v of found) {
    const s = suppressions.find((x) => x.rule === v.rule.id && x.resource === v.address);
    if (s) {
      used.add(s);
      suppressed.push({ ...v, reason: s.reason });
    } else if (v.rule.level === 'warning') {
      warnings.push(v);
    } else {
      violations.push(v);
    }
  }
  return { stack: config.name, violations, warnings, suppressed, unusedSuppressions: suppressions.filter((s) => !used.has(s)), rulesChecked: rules.length };
}

/**
 * A violation at the layer the user edits: the config file and the field that fixes it first, then
 * the rule, the Terraform address and the stack.
 * `config/aws-prod.yaml: database.multiAz: multi_az is false [MLP-DB-5 aws_db_instance.x in stack aws-prod] (...). Fix: ...`
 * When no config field decides it, the message says so and points at a suppression.
 */
export function formatViolation(config: Pick<DeploymentConfig, 'name' | 'source'>, v: Violation): string {
  const field = configFieldOf(v);
  const where = `[${v.rule.id} ${v.address} in stack ${config.name}]`;
  if (field) return `${config.source}: ${field}: ${v.message} ${where} (${v.rule.title}). Fix: set ${field} in ${config.source}; ${v.rule.fix}`;
  return (
    `${config.source}: ${v.message} ${where} (${v.rule.title}). No config field controls this; the constructs do. Fix: ${v.rule.fix} ` +
    `To accept it on purpose, add to suppressions in ${config.source}: { rule: ${v.rule.id}, resource: ${v.address}, reason: ... }`
  );
}

/** A suppression that matches nothing, named by its position in the config. */
export function formatUnusedSuppression(config: Pick<DeploymentConfig, 'source' | 'suppressions'>, s: Suppression): string {
  const index = (config.suppressions ?? []).indexOf(s as DeploymentConfig['suppressions'][number]);
  return `${config.source}: suppressions[${index}]: suppression of ${s.rule} for ${s.resource} matches no violation; remove it`;
}
