import { compareAutoscalers, comparedMetrics, formatMean, formatValue } from './comparison.js';
import { escapeHtml } from './html.js';
import type { BenchmarkRecord } from './records.js';

/**
 * Text for a Markdown table cell: pipes and newlines escaped, and markup
 * characters as entities (a job summary renders HTML; a name must stay text).
 */
export function mdText(text: string): string {
  return escapeHtml(text)
    .replace(/([\\`*_[\]|])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** Run facts shown above the tables. */
export interface MarkdownMeta {
  title: string;
  lines: string[];
}

/**
 * The comparison for a CI job summary: per deployment and load level, one row
 * per autoscaler (mean ± 95 % CI over repeats), each metric's best value in
 * bold, and the winner per metric listed under the table.
 */
export function summaryMarkdown(meta: MarkdownMeta, records: readonly BenchmarkRecord[]): string {
  const lines = [`# ${mdText(meta.title)}`, '', ...meta.lines.map((l) => `- ${mdText(l)}`), ''];
  const sections = compareAutoscalers(records);
  const metrics = comparedMetrics.filter((m) => records.some((r) => typeof r[m.field] === 'number'));
  for (const s of sections) {
    lines.push(`## ${mdText(s.deployment)} at load level ${s.level}`, '');
    lines.push(`| autoscaler | repeats | ${metrics.map((m) => `${m.label} (${m.better})`).join(' | ')} |`);
    lines.push(`|---|---:|${metrics.map(() => '---:').join('|')}|`);
    for (const row of s.rows) {
      const cells = metrics.map((m) => {
        const text = formatMean(m, row.group.stats[m.field]);
        return row.wins.has(m.field) ? `**${text}**` : text;
      });
      lines.push(`| ${mdText(row.autoscaler)} | ${row.group.rows.length} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    if (s.winners.length) {
      lines.push('Winner per metric:', '');
      for (const w of s.winners) lines.push(`- ${w.metric.label}: ${w.autoscalers.map(mdText).join(', ')} (${formatValue(w.metric.format, w.value)})`);
      lines.push('');
    }
  }
  if (sections.length === 0) lines.push('No finished cells.', '');
  return lines.join('\n');
}
