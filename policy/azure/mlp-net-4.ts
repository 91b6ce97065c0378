import { referencing, isOpen, sourcesOf } from '../helpers';
import type { Block, Rule } from '../types';

/** MLP-NET-4: The database subnet admits the tracking app only. */
export const MLP_NET_4: Rule = {
  id: 'MLP-NET-4',
  title: 'The database subnet admits the tracking app only',
  why: 'Azure\'s default AllowVnetInBound lets every VNet address reach the database, including the Databricks subnets where users run their own code.',
  fix: 'On the NSG of the PostgreSQL delegated subnet: allow 5432 from the app subnet (and 5432/6432 within the subnet for HA), then deny VirtualNetwork inbound (AzureNetwork does this).',
  appliesTo: ['azurerm_postgresql_flexible_server'],
  check: ({ block }, ctx) => {
    const subnet = /^\$\{azurerm_subnet\.([^.]+)\.id\}$/.exec(String(block.delegated_subnet_id))?.[1];
    if (!subnet) return undefined; // no delegated subnet: MLP-DB-2 reports it
    const association = referencing(ctx.json, 'azurerm_subnet_network_security_group_association', 'subnet_id', `azurerm_subnet.${subnet}`)[0];
    const nsg = /^\$\{azurerm_network_security_group\.([^.]+)\.id\}$/.exec(String(association?.network_security_group_id))?.[1];
    if (!nsg) return 'the database subnet has no network security group';
    const inline = (ctx.json.resource?.azurerm_network_security_group?.[nsg]?.security_rule ?? []) as Block[];
    const rules = [...inline, ...referencing(ctx.json, 'azurerm_network_security_rule', 'network_security_group_name', `azurerm_network_security_group.${nsg}`)]
      .filter((r) => r.direction === 'Inbound');
    const wide = (r: Block) => sourcesOf(r).some((s) => s === 'VirtualNetwork' || isOpen(s));
    const deny = rules.filter((r) => r.access === 'Deny' && wide(r)).map((r) => Number(r.priority)).sort((a, b) => a - b)[0];
    if (deny === undefined) return 'no inbound rule denies the rest of the VNet';
    const open = rules.find((r) => r.access === 'Allow' && Number(r.priority) < deny && wide(r));
    return open ? `inbound rule ${String(open.name)} admits the whole VNet before the deny` : undefined;
  },
};
