import { first } from '../helpers';
import type { Rule } from '../types';

/** MLP-KV-1: Key Vaults use RBAC, purge protection and a closed firewall. */
export const MLP_KV_1: Rule = {
  id: 'MLP-KV-1',
  title: 'Key Vaults use RBAC, purge protection and a closed firewall',
  why: 'The vault holds the database and admin passwords; purge protection stops a deleted vault from taking them along.',
  fix: 'rbac_authorization_enabled = true, purge_protection_enabled = true, public network access off or default action Deny.',
  appliesTo: ['azurerm_key_vault'],
  check: ({ block }) => {
    const problems: string[] = [];
    if (block.rbac_authorization_enabled !== true) problems.push('access policies instead of RBAC');
    if (block.purge_protection_enabled !== true) problems.push('no purge protection');
    if (block.public_network_access_enabled !== false && first(block.network_acls)?.default_action !== 'Deny') problems.push('open to public networks');
    return problems.length ? problems.join('; ') : undefined;
  },
};
