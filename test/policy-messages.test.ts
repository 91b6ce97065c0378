import * as fs from 'node:fs';
import { formatViolation } from '../policy/check';
import { CONFIG_FIELDS, configFieldOf } from '../policy/config-fields';
import { RULES_BY_ID } from '../policy';
import type { Rule } from '../policy/types';

const rule = (id: string) => RULES_BY_ID.get(id) as Rule;
const config = { name: 'aws-prod', source: 'deployments/aws-prod.yaml' };

describe('policy failures speak of the config the user edits', () => {
  it('name the config file and the field that fixes the violation first', () => {
    const v = { rule: rule('MLP-DB-5'), address: 'aws_db_instance.database_instance_D7FC2283', message: 'multi_az is false' };
    expect(formatViolation(config, v)).toBe(
      `deployments/aws-prod.yaml: database.multiAz: multi_az is false [MLP-DB-5 aws_db_instance.database_instance_D7FC2283 in stack aws-prod] (${v.rule.title}). Fix: set database.multiAz in deployments/aws-prod.yaml; ${v.rule.fix}`,
    );
  });

  it('pick the field by resource: flow logs and server logs have their own retention', () => {
    expect(configFieldOf({ rule: { id: 'MLP-LOG-1' }, address: 'aws_cloudwatch_log_group.network_flow-logs_1234' })).toBe('network.flowLogRetentionDays');
    expect(configFieldOf({ rule: { id: 'MLP-LOG-1' }, address: 'aws_cloudwatch_log_group.tracking_logs_63E82EA8' })).toBe('tracking.logRetentionDays');
    expect(configFieldOf({ rule: { id: 'MLP-DB-5' }, address: 'azurerm_postgresql_flexible_server.db' })).toBe('database.highAvailability');
    expect(configFieldOf({ rule: { id: 'MLP-NET-1' }, address: 'aws_vpc_security_group_ingress_rule.tracking_lb-ingress-443-0-0-0-0-0_A4598DAC' })).toBe('tracking.loadBalancer.allowedCidrs');
    // The database's ingress is the constructs' business: no config field claims it.
    expect(configFieldOf({ rule: { id: 'MLP-NET-1' }, address: 'aws_vpc_security_group_ingress_rule.database_allow-tracking-tasks_70B4692D' })).toBeUndefined();
  });

  it('say when no config field decides it, and how to accept it', () => {
    const v = { rule: rule('MLP-DB-1'), address: 'aws_db_instance.db', message: 'storage is not encrypted' };
    expect(formatViolation(config, v)).toMatch(
      /^deployments\/aws-prod\.yaml: storage is not encrypted \[MLP-DB-1 aws_db_instance\.db in stack aws-prod\] .* No config field controls this; the constructs do\. .*add to suppressions in deployments\/aws-prod\.yaml: \{ rule: MLP-DB-1, resource: aws_db_instance\.db, reason: \.\.\. \}$/,
    );
  });

  /** Resolves a dotted field path in the generated JSON schema (any cloud's variant). */
  const schema = JSON.parse(fs.readFileSync('config/schema.json', 'utf8')) as unknown;
  function hasPath(node: unknown, parts: readonly string[]): boolean {
    if (parts.length === 0) return true;
    if (node === null || typeof node !== 'object') return false;
    const n = node as Record<string, unknown>;
    const props = n.properties as Record<string, unknown> | undefined;
    if (props && parts[0] in props && hasPath(props[parts[0]], parts.slice(1))) return true;
    return ['anyOf', 'oneOf', 'allOf'].some((k) => Array.isArray(n[k]) && (n[k] as unknown[]).some((c) => hasPath(c, parts)));
  }

  it.each(Object.entries(CONFIG_FIELDS).flatMap(([id, hints]) => hints.map((h) => [id, h.field] as const)))('%s points at a real config field: %s', (id, field) => {
    expect(RULES_BY_ID.has(id)).toBe(true);
    expect(hasPath(schema, field.split('.'))).toBe(true);
    expect(hasPath(schema, [...field.split('.'), 'noSuchField'])).toBe(false);
  });
});
