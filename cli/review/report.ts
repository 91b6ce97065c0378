import type { AttributeChange, StackDiff } from './diff';

export type ReportFormat = 'text' | 'markdown';

export interface ReportContext {
  /** The git ref the working tree is compared with, as the user wrote it. */
  readonly base: string;
  /** The commit it resolved to. */
  readonly commit: string;
  /** Where the configs were read from. */
  readonly configLocation: string;
  readonly allowDataLoss: boolean;
}

const MAX_VALUE = 160;

/** A value as a reviewer reads it; secrets and write-only values are never shown. */
export function showValue(value: unknown, sensitive: boolean): string {
  if (value === undefined) return '(not set)';
  if (sensitive) return '(sensitive value)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const change = (c: AttributeChange) =>
  `${c.path}: ${showValue(c.before, c.sensitive)} → ${showValue(c.after, c.sensitive)}${c.replaces ? '  [forces replacement]' : ''}`;

const STATUS: Record<StackDiff['status'], string> = {
  added: 'stack added',
  removed: 'stack removed',
  changed: 'changed',
  unchanged: 'no changes',
};

export const totalDataLoss = (diffs: readonly StackDiff[]) => diffs.reduce((n, d) => n + d.dataLoss.length, 0);

function summary(diffs: readonly StackDiff[], ctx: ReportContext): string {
  const losses = totalDataLoss(diffs);
  const changed = diffs.filter((d) => d.status !== 'unchanged').length;
  const verdict =
    losses === 0 ? 'No data loss.' : ctx.allowDataLoss ? `DATA LOSS: ${losses} finding(s), allowed with --allow-data-loss.` : `DATA LOSS: ${losses} finding(s).`;
  return `${diffs.length} stack(s), ${changed} with changes. ${verdict}`;
}

/** The plain-text report for a terminal. */
export function textReport(diffs: readonly StackDiff[], ctx: ReportContext): string {
  const lines = [`Review of ${ctx.configLocation}: base ${ctx.base} (${ctx.commit.slice(0, 12)}) → working tree`, ''];
  for (const d of diffs) {
    lines.push(`${d.stack}: ${STATUS[d.status]}`);
    for (const l of d.dataLoss) lines.push(`  DATA LOSS ${l.address}: ${l.reason}`);
    if (d.status === 'added') lines.push(...d.added.map((a) => `  + ${a}`));
    if (d.status === 'removed') lines.push(...d.removed.map((a) => `  - ${a}`));
    if (d.status === 'changed') {
      for (const a of d.added) lines.push(`  + ${a}`);
      for (const a of d.removed) lines.push(`  - ${a}`);
      for (const c of d.changed) {
        lines.push(`  ~ ${c.address}${c.movedFrom ? ` (moved from ${c.movedFrom})` : ''}`);
        for (const a of c.attributes) lines.push(`      ${change(a)}`);
      }
      for (const s of d.settings) lines.push(`  ~ ${change(s)}`);
    }
    lines.push('');
  }
  lines.push(summary(diffs, ctx));
  return lines.join('\n');
}

const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);
const cell = (s: string) => code(s).replace(/\|/g, '\\|');

/** The same report as Markdown, for a pull-request comment. */
export function markdownReport(diffs: readonly StackDiff[], ctx: ReportContext): string {
  const losses = totalDataLoss(diffs);
  const lines = [
    '## MLflow platform: change review',
    '',
    `Configs: ${code(ctx.configLocation)}, base ${code(ctx.base)} (${code(ctx.commit.slice(0, 12))}) → this pull request.`,
    '',
    losses > 0 ? `> **DATA LOSS**: ${summary(diffs, ctx)}` : `> ${summary(diffs, ctx)}`,
    '',
    ...diffs.flatMap((d) => d.dataLoss.map((l) => `- **DATA LOSS** in ${code(d.stack)}: ${code(l.address)}: ${l.reason}`)),
    ...(losses > 0 ? [''] : []),
  ];
  const unchanged = diffs.filter((d) => d.status === 'unchanged').map((d) => code(d.stack));
  if (unchanged.length > 0) lines.push(`No changes: ${unchanged.join(', ')}.`, '');
  for (const d of diffs.filter((x) => x.status !== 'unchanged')) {
    lines.push(`### ${code(d.stack)}: ${STATUS[d.status]}`, '');
    for (const l of d.dataLoss) lines.push(`- **DATA LOSS** ${code(l.address)}: ${l.reason}`);
    if (d.dataLoss.length > 0) lines.push('');
    if (d.status === 'added' || d.status === 'removed') {
      const addresses = d.status === 'added' ? d.added : d.removed;
      lines.push(`<details><summary>${addresses.length} resource(s) ${d.status}</summary>`, '', ...addresses.map((a) => `- ${code(a)}`), '', '</details>', '');
    }
    if (d.status !== 'changed') continue;
    if (d.added.length > 0) lines.push('**Added**', '', ...d.added.map((a) => `- ${code(a)}`), '');
    if (d.removed.length > 0) lines.push('**Removed**', '', ...d.removed.map((a) => `- ${code(a)}`), '');
    if (d.changed.length + d.settings.length > 0) {
      lines.push('**Changed**', '', '| Resource | Attribute | Before | After |', '| --- | --- | --- | --- |');
      for (const c of d.changed) {
        if (c.attributes.length === 0) lines.push(`| ${cell(c.address)} | (moved from ${cell(c.movedFrom ?? '')}) | | |`);
        for (const a of c.attributes) {
          const flag = a.replaces ? ' **forces replacement**' : '';
          lines.push(`| ${cell(c.address)} | ${cell(a.path)}${flag} | ${cell(showValue(a.before, a.sensitive))} | ${cell(showValue(a.after, a.sensitive))} |`);
        }
      }
      for (const s of d.settings) lines.push(`| (stack settings) | ${cell(s.path)} | ${cell(showValue(s.before, s.sensitive))} | ${cell(showValue(s.after, s.sensitive))} |`);
      lines.push('');
    }
  }
  lines.push('<sub>Computed offline from the synthesized configuration, not from a Terraform plan: a replacement that follows from a reference (a new VPC under a database) shows in `cdktf diff`.</sub>');
  return fitComment(lines.join('\n'));
}

/** GitHub rejects comments over 65,536 characters: a long report is cut at a line, and says so. */
export const MAX_COMMENT = 60000;

function fitComment(text: string): string {
  if (text.length <= MAX_COMMENT) return text;
  const cut = text.lastIndexOf('\n', MAX_COMMENT);
  return `${text.slice(0, cut)}\n\n… report truncated at ${MAX_COMMENT} characters: run \`npm run review\` locally for the rest (every data-loss finding is listed at the top).`;
}
