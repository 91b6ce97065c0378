import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';

export interface EphemeralBlockProps {
  /** The ephemeral resource type, e.g. `random_password` or `azurerm_key_vault_secret`. */
  readonly type: string;
  /** Its arguments, in Terraform JSON spelling (snake_case); tokens resolve at synth. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The attribute whose expression is returned, e.g. `result` or `value`. */
  readonly attribute: string;
  /**
   * Appended to the name when `scope` writes more than one block of the same type.
   * @default none: the name is the scope's path alone
   */
  readonly id?: string;
}

/** Block keys (`<type>.<name>`) written per stack. */
const written = new WeakMap<TerraformStack, Set<string>>();

/**
 * The block name of `scope` (and `id`): its construct path below the stack, joined with `_`, anything
 * outside Terraform's identifier characters replaced by `_`. Unique and independent of the stack's name.
 */
export function ephemeralName(scope: IConstruct, id?: string): string {
  const scopes = scope.node.scopes;
  const parts = scopes.slice(scopes.indexOf(TerraformStack.of(scope)) + 1).map((c) => c.node.id);
  if (id !== undefined) parts.push(id);
  if (parts.length === 0) throw new Error('an ephemeral block needs a name: give an id when the scope is the stack itself');
  const name = parts.join('_').replace(/[^A-Za-z0-9_-]/g, '_');
  // A Terraform identifier must not start with a digit.
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * Writes an ephemeral resource block (`ephemeral.<type>.<name>`) into `scope`'s stack and returns the
 * expression of `attribute`. Ephemeral resources exist only during a Terraform run: their values are
 * never stored in the plan or the state, and are meant for write-only arguments (`*_wo`). The name is
 * derived from the construct path (see `ephemeralName`), so a construct used twice writes two blocks;
 * writing the same name twice in a stack is an error (the second block would replace the first).
 * cdktf 0.21 has no ephemeral classes: the block is written as JSON through an override.
 */
export function ephemeralBlock(scope: IConstruct, props: EphemeralBlockProps): string {
  const stack = TerraformStack.of(scope);
  const name = ephemeralName(scope, props.id);
  const key = `${props.type}.${name}`;
  let keys = written.get(stack);
  if (!keys) {
    keys = new Set();
    written.set(stack, keys);
  }
  if (keys.has(key)) {
    throw new Error(`ephemeral ${key} is already written (construct path ${scope.node.path}${props.id !== undefined ? `, id ${props.id}` : ''}): give each value its own id`);
  }
  keys.add(key);
  stack.addOverride(`ephemeral.${key}`, props.args);
  return `\${ephemeral.${key}.${props.attribute}}`;
}
