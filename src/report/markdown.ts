import { levelVerdicts, verdictSentences, type LevelVerdict } from '../analysis/verdicts.js';
import { compareAutoscalers, comparedMetrics, formatMean, formatValue } from './comparison.js';
import { escapeHtml } from './html.js';
import { anatomyCells, anatomyHeader, levelTitle, type LevelSection } from './levels.js';
import type { BenchmarkRecord } from '../results/records.js';

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
 * The comparison for a CI job summary: first the verdict of every level
 * (with the anatomy of its scale-ups when `levels` has it), then per
 * deployment and load level one row per autoscaler (mean ± 95 % CI over
 * repeats), each metric's best value in bold, and the winner per metric.
 */
export function summaryMarkdown(meta: MarkdownMeta, records: readonly BenchmarkRecord[], levels: readonly LevelSection[] = []): string {
  const lines = [`# ${mdText(meta.title)}`, '', ...meta.lines.map((l) => `- ${mdText(l)}`), ''];
  lines.push(...verdictLines(levelVerdicts(records), levels));
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
    if (s.leftOut.length) lines.push(`Left out of this comparison, measurement invalid: ${s.leftOut.map(mdText).join(', ')} (see Validity).`, '');
    if (s.winners.length) {
      lines.push('Winner per metric:', '');
      for (const w of s.winners) lines.push(`- ${w.metric.label}: ${w.autoscalers.map(mdText).join(', ')} (${formatValue(w.metric.format, w.value)})`);
      lines.push('');
    }
  }
  if (sections.length === 0) lines.push('No finished cells.', '');
  lines.push(...validityLines(records), ...lengthLines(records));
  return lines.join('\n');
}

/** The Verdict section: per level its sentences, then the anatomy table of its cells. */
export function verdictLines(verdicts: readonly LevelVerdict[], levels: readonly LevelSection[]): string[] {
  if (verdicts.length === 0) return [];
  const lines = ['## Verdict', ''];
  for (const v of verdicts) {
    lines.push(`### ${mdText(levelTitle(v))}`, '', ...verdictSentences(v).map((t) => `- ${mdText(t)}`), '');
    const section = levels.find((l) => l.deployment === v.deployment && l.shape === v.shape && l.level === v.level);
    if (section?.anatomy.some((r) => r.up)) lines.push(...anatomyTable(section), '');
  }
  return lines;
}

/** A level's anatomy as a Markdown table: stage lengths after the load step, violations by stage, the scale-down. */
export function anatomyTable(section: LevelSection): string[] {
  const repeats = section.anatomy.some((r) => r.repeat > 1);
  return [
    'Anatomy of the scale-up (seconds after the load stepped up) and the scale-down:',
    '',
    `| ${anatomyHeader.map(mdText).join(' | ')} |`,
    `|---|${anatomyHeader
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
    ...section.anatomy.map((r) => `| ${anatomyCells(r, repeats).map(mdText).join(' | ')} |`),
  ];
}

/** The Validity section: every cell that is not plainly valid with its reasons, and the server-TTFT note. */
export function validityLines(records: readonly BenchmarkRecord[]): string[] {
  const judged = records.filter((r) => typeof r.validity === 'string');
  if (judged.length === 0) return [];
  const flagged = judged.filter((r) => r.validity !== 'valid');
  const counts = (['valid', 'warn', 'invalid'] as const).map((v) => `${judged.filter((r) => r.validity === v).length} ${v}`).join(', ');
  const lines = ['## Validity', '', `${counts} of ${judged.length} cells judged. Invalid cells are left out of the comparisons and the gate.`, ''];
  for (const r of flagged)
    lines.push(
      `- ${mdText(String(r.cell_id))} (${mdText(String(r.deployment))}, ${mdText(String(r.autoscaler))}, level ${r.level}): **${r.validity}**: ${mdText(String(r.validity_reasons ?? ''))}`,
    );
  if (flagged.length) lines.push('');
  const excluding = records.filter((r) => r.server_ttft_excludes_queue === true).map((r) => String(r.cell_id));
  if (excluding.length) {
    lines.push(
      `The server's TTFT histogram leaves out the time requests queued (clients waited longer for their first token than it records, and its queue time accounts for the difference) in ${excluding.length} cell(s): ${excluding.map(mdText).join(', ')}. SLOs are judged on the client-side figures.`,
      '',
    );
  }
  return lines;
}

/** Lengths asked for against those the server reported, per cell (means, tokens), where they differ by more than 5 %. */
export function lengthLines(records: readonly BenchmarkRecord[]): string[] {
  const off = (asked: unknown, got: unknown): boolean =>
    typeof asked === 'number' && typeof got === 'number' && asked > 0 && Math.abs(got - asked) / asked > 0.05;
  const rows = records.filter((r) => off(r.prompt_tokens_target, r.prompt_tokens_mean) || off(r.output_tokens_target, r.output_tokens_mean));
  const lines = [
    '## Lengths',
    '',
    'Mean tokens per request: asked for (the workload, or the trace or arrival schedule) and reported by the server (usage).',
    '',
  ];
  lines.push('| cell | prompt asked | prompt served | output asked | output served |', '|---|---:|---:|---:|---:|');
  for (const r of records.filter((x) => x.status === 'done')) {
    lines.push(
      `| ${mdText(String(r.cell_id))} | ${r.prompt_tokens_target ?? '–'} | ${r.prompt_tokens_mean ?? '–'} | ${r.output_tokens_target ?? '–'} | ${r.output_tokens_mean ?? '–'} |`,
    );
  }
  lines.push(
    '',
    rows.length
      ? `Differing by more than 5 %: ${rows.map((r) => mdText(String(r.cell_id))).join(', ')} (a chat template adds prompt tokens; max_model_len truncates).`
      : 'Every cell within 5 % of what it asked for.',
    '',
  );
  return lines;
}
