import { permissionsObject } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-DBX-3: No non-production principal on production objects. */
export const MLP_DBX_3: Rule = {
  id: 'MLP-DBX-3',
  title: 'No non-production principal on production objects',
  why: 'Production models and experiments must be out of reach of every non-production principal, including through inherited ACLs.',
  fix: 'Grant production folders, production models, the root model ACL, the experiments root and production Unity Catalog schemas and models to production groups only.',
  appliesTo: ['databricks_permissions', 'databricks_grants', 'databricks_registered_model'],
  check: ({ type, block }, ctx) => {
    const prod = ctx.databricks;
    if (!prod || prod.groups.length === 0) return undefined;
    if (type === 'databricks_permissions') {
      const target = permissionsObject(ctx.json, block);
      if (!target || !prod.objects.includes(target.object)) return undefined;
      const others = ((block.access_control ?? []) as Block[])
        .map((e) => String(e.group_name ?? e.service_principal_name ?? e.user_name))
        .filter((p) => !prod.groups.includes(p));
      return others.length ? `${others.join(', ')} on production object ${target.object}` : undefined;
    }
    if (type === 'databricks_grants') {
      if (!prod.schemas.includes(String(block.schema))) return undefined;
      const others = ((block.grant ?? []) as Block[]).map((g) => String(g.principal)).filter((p) => !prod.groups.includes(p));
      return others.length ? `${others.join(', ')} on production schema ${String(block.schema)}` : undefined;
    }
    const schema = `${String(block.catalog_name)}.${String(block.schema_name)}`;
    const catalog = /^\$\{databricks_catalog\.([^.]+)\.name\}$/.exec(String(block.catalog_name));
    const catalogName = catalog ? String(ctx.json.resource?.databricks_catalog?.[catalog[1]]?.name) : String(block.catalog_name);
    const qualified = `${catalogName}.${String(block.schema_name)}`;
    if (!prod.schemas.includes(qualified) && !prod.schemas.includes(schema)) return undefined;
    return prod.groups.includes(String(block.owner)) ? undefined : `production model owned by ${String(block.owner)}`;
  },
};
