import { describeRules, type Case, first } from './helpers';

/**
 * The Azure-only rules (policy/azure/): for each rule, the compliant case (every fixture deployment passes it,
 * with something to check) next to its non-compliant cases (a fixture's JSON mutated until the rule fires).
 */
const CASES: readonly Case[] = [
  { rule: 'MLP-ST-1', stack: 'azure-dev', what: 'shared keys enabled', mutate: (j) => void (first(j, 'azurerm_storage_account').shared_access_key_enabled = true), message: /shared keys/ },
  {
    rule: 'MLP-ST-1',
    stack: 'azure-prod',
    what: 'open to public networks',
    mutate: (j) => {
      const account = first(j, 'azurerm_storage_account');
      account.public_network_access_enabled = true;
      account.network_rules = { default_action: 'Allow' };
    },
    message: /public networks/,
  },
  { rule: 'MLP-KV-1', stack: 'azure-dev', what: 'no purge protection', mutate: (j) => void (first(j, 'azurerm_key_vault').purge_protection_enabled = false), message: /purge protection/ },
  {
    rule: 'MLP-NET-4',
    stack: 'azure-prod',
    what: 'a database subnet open to the whole VNet',
    mutate: (j) => {
      for (const [k, r] of Object.entries(j.resource?.azurerm_network_security_rule ?? {})) if (r.access === 'Deny') delete j.resource?.azurerm_network_security_rule?.[k];
    },
    message: /no inbound rule denies the rest of the VNet/,
  },
];

describeRules('azure', CASES);
