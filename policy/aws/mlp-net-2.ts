import { refersTo, first } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-NET-2: An internet-facing load balancer is behind a rate-limiting WAF. */
export const MLP_NET_2: Rule = {
  id: 'MLP-NET-2',
  title: 'An internet-facing load balancer is behind a rate-limiting WAF',
  why: 'MLflow basic auth has no lockout and every failed login costs a PBKDF2 hash: without a rate limit the internet can guess passwords and exhaust the server.',
  fix: 'Associate an aws_wafv2_web_acl (scope REGIONAL) with a rate_based_statement rule that blocks, to every internet-facing aws_lb (TrackingService does this when the load balancer is internet-facing).',
  appliesTo: ['aws_lb'],
  check: ({ address, block }, ctx) => {
    if (block.internal === true) return undefined;
    const acls = Object.values(ctx.json.resource?.aws_wafv2_web_acl_association ?? {})
      .filter((a) => refersTo(a.resource_arn, address))
      .map((a) => Object.entries(ctx.json.resource?.aws_wafv2_web_acl ?? {}).find(([name]) => refersTo(a.web_acl_arn, `aws_wafv2_web_acl.${name}`))?.[1]);
    const limited = acls.some((acl) =>
      ((acl?.rule ?? []) as Block[]).some((r) => first(first(r.statement)?.rate_based_statement) !== undefined && first(r.action)?.block !== undefined),
    );
    return limited ? undefined : 'internet-facing, with no WAF web ACL that blocks by rate';
  },
};
