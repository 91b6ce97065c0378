import { refersTo, first } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-LB-1: Load balancers serve HTTPS with TLS 1.2+, drop invalid headers and log access. */
export const MLP_LB_1: Rule = {
  id: 'MLP-LB-1',
  title: 'Load balancers serve HTTPS with TLS 1.2+, drop invalid headers and log access',
  why: 'Basic-auth credentials travel in every request: plain HTTP exposes them.',
  fix: 'An HTTPS listener with an ELBSecurityPolicy-TLS13-* or TLS-1-2 policy, HTTP only as a redirect; drop_invalid_header_fields and access_logs on. Plain HTTP is allowed only for a non-production, internal load balancer.',
  appliesTo: ['aws_lb_listener', 'aws_lb'],
  check: ({ type, block }, ctx) => {
    if (type === 'aws_lb') {
      if (block.drop_invalid_header_fields !== true) return 'invalid header fields are not dropped';
      if (first(block.access_logs)?.enabled !== true) return 'access logs are off';
      if (ctx.production && block.enable_deletion_protection !== true) return 'production load balancer without deletion protection';
      return undefined;
    }
    if (block.protocol === 'HTTPS') return /TLS13|TLS-1-2|FS-1-2/.test(String(block.ssl_policy)) ? undefined : `TLS policy ${String(block.ssl_policy)} allows TLS below 1.2`;
    const actions = (block.default_action ?? []) as Block[];
    if (actions.every((a) => a.type === 'redirect' && first(a.redirect)?.protocol === 'HTTPS')) return undefined;
    const lb = Object.entries(ctx.json.resource?.aws_lb ?? {}).find(([name]) => refersTo(block.load_balancer_arn, `aws_lb.${name}`))?.[1];
    return !ctx.production && lb?.internal === true ? undefined : 'plain HTTP forwarding on a production or internet-facing load balancer';
  },
};
