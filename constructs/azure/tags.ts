import { TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';

/** An azurerm resource with a `tags` argument. */
interface Taggable {
  tags: Record<string, string>;
  readonly tagsInput?: Record<string, string>;
}

function isTaggable(node: IConstruct): node is TerraformResource & Taggable {
  return node instanceof TerraformResource && node.terraformResourceType.startsWith('azurerm_') && 'tagsInput' in node;
}

/**
 * Azure has no provider-level default tags: this merges the deployment's tags into every taggable
 * azurerm resource below `scope` (the deployment's automatic tags win over a resource's own).
 * Call it once every resource exists (a plain pass, not an Aspect: nothing to re-run at synth).
 */
export function applyAzureTags(scope: IConstruct, tags: Readonly<Record<string, string>>): void {
  for (const node of scope.node.findAll()) {
    if (isTaggable(node)) node.tags = { ...node.tagsInput, ...tags };
  }
}
