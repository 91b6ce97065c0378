import { Aspects, type IAspect, TerraformResource } from 'cdktf';
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
 * Azure has no provider-level default tags: this aspect merges the deployment's tags into every
 * taggable azurerm resource of a scope (the deployment's automatic tags win over a resource's own).
 */
export class AzureTags implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  public static applyTo(scope: IConstruct, tags: Readonly<Record<string, string>>): void {
    Aspects.of(scope).add(new AzureTags(tags));
  }

  public visit(node: IConstruct): void {
    if (isTaggable(node)) node.tags = { ...node.tagsInput, ...this.tags };
  }
}
