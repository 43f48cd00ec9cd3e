import type { BenchmarkRecord } from './records.js';

/** The metrics the comparison shows, and which way is better. */
export const comparedMetrics = [
  { field: 'ttft_ms_p95', label: 'p95 TTFT (ms)', better: 'lower' },
  { field: 'tpot_ms_p95', label: 'p95 TPOT (ms)', better: 'lower' },
  { field: 'slo_attainment', label: 'SLO attainment', better: 'higher' },
  { field: 'replica_seconds', label: 'replica·s', better: 'lower' },
  { field: 'cost_usd', label: 'cost (USD)', better: 'lower' },
  { field: 'scale_up_lag_s', label: 'scale-up lag (s)', better: 'lower' },
] as const;

function mean(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

const fmt = (v: number | undefined): string => (v === undefined ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

/** Markdown cells must not break the table: pipes and newlines escaped. */
export function mdText(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The comparison for a CI job summary: per load level, one row per autoscaler
 * (means over repeats), the best value of each metric in bold, and the winner
 * per metric listed under the table.
 */
export function summaryMarkdown(title: string, records: readonly BenchmarkRecord[]): string {
  const lines = [`# ${mdText(title)}`, ''];
  const levels = [...new Set(records.map((r) => Number(r.level)))].sort((a, b) => a - b);
  for (const level of levels) {
    const atLevel = records.filter((r) => Number(r.level) === level && r.status === 'done');
    const autoscalers = [...new Set(atLevel.map((r) => String(r.autoscaler)))];
    const means = new Map<string, Array<number | undefined>>();
    for (const a of autoscalers) {
      const rows = atLevel.filter((r) => r.autoscaler === a);
      means.set(a, comparedMetrics.map((m) => mean(rows.map((r) => r[m.field]).filter((v): v is number => typeof v === 'number'))));
    }
    const best = comparedMetrics.map((m, i) => {
      const values = autoscalers.map((a) => means.get(a)![i]).filter((v): v is number => v !== undefined);
      if (!values.length) return undefined;
      return m.better === 'lower' ? Math.min(...values) : Math.max(...values);
    });
    lines.push(`## Load level ${level}`, '', `| autoscaler | ${comparedMetrics.map((m) => m.label).join(' | ')} |`, `|---|${comparedMetrics.map(() => '---:').join('|')}|`);
    for (const a of autoscalers) {
      const cells = means.get(a)!.map((v, i) => (v !== undefined && v === best[i] && autoscalers.length > 1 ? `**${fmt(v)}**` : fmt(v)));
      lines.push(`| ${mdText(a)} | ${cells.join(' | ')} |`);
    }
    const winners = comparedMetrics
      .map((m, i) => {
        const w = autoscalers.filter((a) => best[i] !== undefined && means.get(a)![i] === best[i]);
        return w.length ? `${m.label}: ${w.map(mdText).join(', ')}` : undefined;
      })
      .filter(Boolean);
    lines.push('', `Best: ${winners.join('; ') || '–'}`, '');
  }
  if (levels.length === 0) lines.push('No finished cells.', '');
  return lines.join('\n');
}
