import type { Block, Rule } from '../types';

const first = (v: unknown): Block | undefined => (Array.isArray(v) ? (v[0] as Block | undefined) : (v as Block | undefined));

/** Whether a capacity provider strategy leaves no on-demand Fargate capacity. */
function spotOnly(strategy: unknown): boolean {
  const items = (Array.isArray(strategy) ? strategy : []) as Block[];
  if (!items.some((s) => s.capacity_provider === 'FARGATE_SPOT')) return false;
  return !items.some((s) => s.capacity_provider !== 'FARGATE_SPOT' && (Number(s.base ?? 0) > 0 || Number(s.weight ?? 0) > 0));
}

/**
 * High availability of the production tracking service (the database has MLP-DB-5). Lean defaults
 * must never cost production its second zone: this rule is what keeps them honest.
 */
export const MLP_HA_1: Rule = {
  id: 'MLP-HA-1',
  title: 'Production tracking service runs at least two on-demand replicas across zones',
  why: 'One task or replica, one zone, or only Spot capacity (reclaimable all at once) takes the tracking server down with a zone outage, a deployment or a Spot interruption.',
  fix: 'Production: autoscaling min_capacity >= 2 and at least two subnets (ECS) on on-demand Fargate (no FARGATE_SPOT-only strategy); min_replicas >= 2 in a zone-redundant Container Apps environment (Azure).',
  appliesTo: ['aws_ecs_service', 'aws_appautoscaling_target', 'azurerm_container_app', 'azurerm_container_app_environment'],
  check: ({ type, block }, ctx) => {
    if (!ctx.production) return undefined;
    if (type === 'aws_ecs_service') {
      if (spotOnly(block.capacity_provider_strategy)) return 'runs on Fargate Spot only';
      const subnets = first(block.network_configuration)?.subnets;
      return Array.isArray(subnets) && subnets.length < 2 ? `runs in ${subnets.length} subnet(s); production needs two zones` : undefined;
    }
    if (type === 'aws_appautoscaling_target') {
      return Number(block.min_capacity ?? 0) >= 2 ? undefined : `min_capacity is ${String(block.min_capacity)}; production runs at least 2 tasks`;
    }
    if (type === 'azurerm_container_app') {
      const min = Number(first(block.template)?.min_replicas ?? 0);
      return min >= 2 ? undefined : `min_replicas is ${min}; production runs at least 2 replicas`;
    }
    return block.zone_redundancy_enabled === true ? undefined : 'the environment is not zone-redundant';
  },
};
