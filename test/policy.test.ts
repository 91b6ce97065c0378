import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPlatform } from '../stacks/app';
import { checkStack } from '../policy/check';
import { README, withRulesTable } from '../cli/docs/readme';
import { RULES } from '../policy';
import { POLICY_RULE_IDS } from '../stacks/config/rule-ids';
import { configFrom, rejectionsOf, tempDirWith } from './helpers';
import { AWS_DEV, DBX_GOVERNANCE, edit, withName } from './fixtures/configs';
import { RULE_FOLDERS, first, fixtures, rulesIn } from './policy/helpers';

// Each rule's compliant and non-compliant cases live in test/policy/<cloud>.test.ts, next to policy/<cloud>/<rule>.ts.

describe('policy pack', () => {
  it('registers every rule file exactly once, and nothing else', () => {
    const inFolders = RULE_FOLDERS.flatMap((folder) => rulesIn(folder).map((r) => r.id));
    expect([...inFolders].sort()).toEqual(RULES.map((r) => r.id).sort());
    expect(new Set(inFolders).size).toBe(inFolders.length);
  });

  it('registers exactly the rule ids the config schema accepts in suppressions, in the same order', () => {
    expect(RULES.map((r) => r.id)).toEqual([...POLICY_RULE_IDS]);
  });

  it('README lists every rule, generated from the definitions (run `npm run docs`)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme).toBe(withRulesTable(readme));
    for (const rule of RULES) expect(readme).toContain(`| \`${rule.id}\` |`);
  });
});

describe('suppressions', () => {
  const base = AWS_DEV;

  it('accept one violation on one resource with a reason, and are reported', () => {
    const address = Object.keys(fixtures['aws-dev'].json.resource?.aws_db_instance ?? {})[0];
    const config = configFrom(`${base}suppressions:\n  - rule: MLP-DB-4\n    resource: aws_db_instance.${address}\n    reason: three days are enough for this throwaway sandbox\n`);
    const json = structuredClone(fixtures['aws-dev'].json);
    first(json, 'aws_db_instance').backup_retention_period = 3;
    const report = checkStack(json, config);
    expect(report.violations).toEqual([]);
    expect(report.suppressed.map((s) => `${s.rule.id} ${s.address}: ${s.reason}`)).toEqual([
      `MLP-DB-4 aws_db_instance.${address}: three days are enough for this throwaway sandbox`,
    ]);
  });

  it('are errors when they match nothing', () => {
    const config = configFrom(`${base}suppressions:\n  - rule: MLP-DB-4\n    resource: aws_db_instance.gone\n    reason: left over from an old migration window\n`);
    expect(checkStack(fixtures['aws-dev'].json, config).unusedSuppressions).toHaveLength(1);
  });

  it('need a known rule, an address and a real reason', () => {
    expect(rejectionsOf(`${base}suppressions:\n  - { rule: MLP-XX-9, resource: aws_s3_bucket.b, reason: because we said so, in writing }\n`, 'c.yaml')[0]).toMatch(
      /^c\.yaml: suppressions\[0\]\.rule: expected a policy rule id: MLP-DB-1, /,
    );
    expect(rejectionsOf(`${base}suppressions:\n  - { rule: MLP-DB-4, resource: aws_s3_bucket.b, reason: why not }\n`, 'c.yaml')).toEqual([
      'c.yaml: suppressions[0].reason: expected a written reason of at least 20 characters, got "why not"',
    ]);
  });
});

describe('policy failures at synth', () => {
  // Short log retention is a config choice the schema allows and the policy pack rejects.
  const shortLogs = edit(withName(AWS_DEV, 'short-logs'), 'tracking:\n', 'tracking:\n  logRetentionDays: 14\n');
  const logGroup = 'aws_cloudwatch_log_group.tracking_logs_63E82EA8';
  const run = (files: Record<string, string>) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-policy-'));
    const lines: string[] = [];
    const code = runPlatform({ configLocation: tempDirWith(files), outdir, out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return { code, output: lines.join('\n'), written: fs.readdirSync(outdir) };
  };

  it('exit non-zero with the rule id, the address and the fix, and write nothing for any stack', () => {
    const result = run({ 'a.yaml': shortLogs, 'b.yaml': DBX_GOVERNANCE });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      new RegExp(
        `Policy check failed; nothing was synthesized:\\n  \\S+/a\\.yaml: tracking\\.logRetentionDays: retention is 14 days; expected at least 30 \\[MLP-LOG-1 ${logGroup} in stack short-logs\\] \\(Logs are encrypted and kept for a bounded, sufficient time\\)\\. Fix: set tracking\\.logRetentionDays in \\S+/a\\.yaml; `,
      ),
    );
    expect(result.written).toEqual([]);
  });

  it('synthesize with a suppression, and list it', () => {
    const reason = 'short-lived sandbox, logs are exported to the SIEM daily';
    const result = run({ 'a.yaml': `${shortLogs}suppressions:\n  - rule: MLP-LOG-1\n    resource: ${logGroup}\n    reason: ${reason}\n` });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/^Policy check passed: 1 stack\(s\), \d+ rules, 1 suppression\(s\)\.\n/);
    expect(result.output).toContain(`short-logs: MLP-LOG-1 ${logGroup} suppressed: ${reason}`);
    expect(result.written.sort()).toEqual(['manifest.json', 'stacks']);
  });

  it('fail on a stale suppression', () => {
    const stale = `${AWS_DEV}suppressions:\n  - rule: MLP-DB-5\n    resource: aws_db_instance.nothing_here\n    reason: we expected a single-AZ exception here\n`;
    const result = run({ 'a.yaml': stale });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/\S+\/a\.yaml: suppressions\[0\]: suppression of MLP-DB-5 for aws_db_instance\.nothing_here matches no violation; remove it/);
    expect(result.written).toEqual([]);
  });
});
