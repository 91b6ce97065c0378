import { first } from '../helpers';
import type { Rule } from '../types';

/** MLP-ST-1: Storage accounts are private, TLS-only and keyless. */
export const MLP_ST_1: Rule = {
  id: 'MLP-ST-1',
  title: 'Storage accounts are private, TLS-only and keyless',
  why: 'Shared keys bypass identity; public blobs or public network access expose artifacts.',
  fix: 'https_traffic_only_enabled, min_tls_version TLS1_2, allow_nested_items_to_be_public = false, shared_access_key_enabled = false, infrastructure encryption, and public access off or limited to deployer ranges (default action Deny).',
  appliesTo: ['azurerm_storage_account'],
  check: ({ block }) => {
    const problems: string[] = [];
    if (block.https_traffic_only_enabled === false) problems.push('HTTP allowed');
    if (block.min_tls_version !== 'TLS1_2') problems.push('TLS below 1.2 allowed');
    if (block.allow_nested_items_to_be_public !== false) problems.push('public blobs allowed');
    if (block.shared_access_key_enabled !== false) problems.push('shared keys enabled');
    if (block.infrastructure_encryption_enabled !== true) problems.push('no infrastructure encryption');
    if (block.public_network_access_enabled !== false && first(block.network_rules)?.default_action !== 'Deny') problems.push('open to public networks');
    return problems.length ? problems.join('; ') : undefined;
  },
};
