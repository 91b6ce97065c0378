import type { PolicyRuleId } from '../stacks/config/rule-ids';

/** A block of synthesized Terraform JSON. */
export type Block = Record<string, unknown>;

/** The synthesized Terraform JSON of one stack. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output?: Record<string, Block>;
  readonly [key: string]: unknown;
}

/** One resource of the stack, as a rule sees it. */
export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  /** `type.name`: the Terraform address. */
  readonly address: string;
  readonly block: Block;
}

/** What Databricks governance declares production, to judge grants. */
export interface DatabricksProduction {
  /** Groups of production environments. */
  readonly groups: readonly string[];
  /** Workspace objects whose ACL reaches production: production folders and models, the root model ACL, the experiments root. */
  readonly objects: readonly string[];
  /** Unity Catalog schemas (`catalog.schema`) of production environments. */
  readonly schemas: readonly string[];
}

export interface PolicyContext {
  readonly stackName: string;
  readonly production: boolean;
  readonly json: StackJson;
  readonly databricks?: DatabricksProduction;
}

/** A policy rule: what it checks, why, and how to fix a violation. */
export interface Rule {
  /** Stable id, e.g. `MLP-DB-1`: suppressions and docs refer to it. */
  readonly id: PolicyRuleId;
  readonly title: string;
  /** Why the rule exists. */
  readonly why: string;
  /** What to do about a violation. */
  readonly fix: string;
  /** A warning is reported at every synth but does not fail it. @default error */
  readonly level?: 'error' | 'warning';
  /** Resource types the rule looks at. */
  readonly appliesTo: readonly string[];
  /** A problem description when `resource` violates the rule, else undefined. */
  check(resource: ResourceRef, ctx: PolicyContext): string | undefined;
}

export interface Violation {
  readonly rule: Rule;
  readonly address: string;
  readonly message: string;
}
