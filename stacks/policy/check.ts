import { governanceLayout } from '../../constructs/databricks/governance';
import { isProductionEnvironment } from '../config/databricks';
import type { DeploymentConfig } from '../config/schema';
import { RULES, targetsOf } from './rules';
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

/** `aws-prod: MLP-DB-2 aws_db_instance.x: publicly_accessible is true. Fix: ...` */
export function formatViolation(stack: string, v: Violation): string {
  return `${stack}: ${v.rule.id} ${v.address}: ${v.message} (${v.rule.title}). Fix: ${v.rule.fix}`;
}
