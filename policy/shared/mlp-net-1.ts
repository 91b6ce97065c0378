import { coversInternet } from '../../constructs/shared/cidr';
import { asList, isOpen, isCidr, sourcesOf, wholeInternetOnRulePorts } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-NET-1: No ingress from anywhere, except HTTPS to a load balancer. */
export const MLP_NET_1: Rule = {
  id: 'MLP-NET-1',
  title: 'No ingress from anywhere, except HTTPS to a load balancer',
  why: 'Only the load balancer may face wide address ranges, and only on 443. Ranges are judged as addresses, not text: 0.0.0.0/1 plus 128.0.0.0/1 is the whole internet.',
  fix: 'Limit ingress to known CIDRs or security groups; admit every internet address (0.0.0.0/0, ::/0, or CIDRs that add up to it) only on 443 of the load balancer security group.',
  appliesTo: ['aws_vpc_security_group_ingress_rule', 'aws_security_group', 'azurerm_network_security_group', 'azurerm_network_security_rule'],
  check: ({ type, block }, ctx) => {
    if (type === 'aws_vpc_security_group_ingress_rule') {
      if (!isOpen(block.cidr_ipv6) && !wholeInternetOnRulePorts(ctx.json, block)) return undefined;
      const lbGroups = Object.values(ctx.json.resource?.aws_lb ?? {}).flatMap((lb) => (lb.security_groups ?? []) as string[]);
      const onLb = lbGroups.some((g) => String(g).replace(/\.id\}$/, '') === String(block.security_group_id).replace(/\.id\}$/, ''));
      if (onLb && block.from_port === 443 && block.to_port === 443) return undefined;
      const together = isOpen(block.cidr_ipv4) || isOpen(block.cidr_ipv6) ? '' : ' (with the group\'s other rules on these ports: every internet address)';
      return `ingress from ${String(block.cidr_ipv4 ?? block.cidr_ipv6)} on ports ${String(block.from_port)}-${String(block.to_port)}${together}`;
    }
    if (type === 'azurerm_network_security_rule') {
      const wide = sourcesOf(block).some(isOpen) || coversInternet(sourcesOf(block).filter(isCidr));
      return block.direction === 'Inbound' && block.access === 'Allow' && wide
        ? `inbound rule ${String(block.name)} allows every internet address`
        : undefined;
    }
    const rules = (type === 'aws_security_group' ? block.ingress : block.security_rule) as Block[] | undefined;
    if (type === 'azurerm_network_security_group') {
      const allows = (rules ?? []).filter((r) => r.direction === 'Inbound' && r.access === 'Allow');
      const open = allows.find((r) => sourcesOf(r).some(isOpen) || coversInternet(sourcesOf(r).filter(isCidr)));
      if (open) return `inbound rule ${String(open.name)} allows any source`;
      return coversInternet(allows.flatMap(sourcesOf).filter(isCidr)) ? 'inbound allow rules together admit every internet address' : undefined;
    }
    for (const r of rules ?? []) {
      const cidrs = asList(r.cidr_blocks as string[]);
      if (cidrs.some(isOpen) || asList(r.ipv6_cidr_blocks as string[]).some(isOpen) || coversInternet(cidrs.filter(isCidr))) {
        return 'an inline ingress rule allows any source';
      }
    }
    return undefined;
  },
};
