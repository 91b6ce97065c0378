/** Environment names that mean production unless a config says otherwise. */
export const PRODUCTION_NAMES: readonly string[] = ['prod', 'production'];

/** An explicit production flag wins; otherwise the name decides. */
export function isProduction(item: { readonly name?: string; readonly environment?: string; readonly production?: boolean }): boolean {
  return item.production ?? PRODUCTION_NAMES.includes(item.environment ?? item.name ?? '');
}
