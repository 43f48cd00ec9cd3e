import { aggregateRepeats, winners, type Group } from '../analysis/run-analysis.js';
import type { BenchmarkRecord } from './records.js';

/** How a value is shown: share (0…1 as %), or a number with its unit. */
export type MetricFormat = 'share' | 'ms' | 's' | 'usd' | 'rps' | 'count' | 'hours';

export interface ComparedMetric {
  /** A record field (records.jsonl); its name carries the unit. */
  field: string;
  label: string;
  better: 'lower' | 'higher';
  format: MetricFormat;
}

/** The metrics autoscalers (and runs) are compared on, in table order. */
export const comparedMetrics: readonly ComparedMetric[] = [
  { field: 'slo_attainment', label: 'SLO attainment', better: 'higher', format: 'share' },
  { field: 'goodput_rps', label: 'goodput', better: 'higher', format: 'rps' },
  { field: 'ttft_ms_p95', label: 'TTFT p95', better: 'lower', format: 'ms' },
  { field: 'tpot_ms_p95', label: 'TPOT p95', better: 'lower', format: 'ms' },
  { field: 'e2e_ms_p95', label: 'E2E p95', better: 'lower', format: 'ms' },
  { field: 'error_rate', label: 'errors', better: 'lower', format: 'share' },
  { field: 'replica_seconds', label: 'replica-s', better: 'lower', format: 's' },
  { field: 'gpu_hours', label: 'GPU-hours', better: 'lower', format: 'hours' },
  { field: 'cost_usd', label: 'cost', better: 'lower', format: 'usd' },
  { field: 'scale_up_lag_s', label: 'scale-up lag', better: 'lower', format: 's' },
  { field: 'recovery_s', label: 'recovery', better: 'lower', format: 's' },
  { field: 'scale_down_lag_s', label: 'scale-down lag', better: 'lower', format: 's' },
  { field: 'oscillations', label: 'oscillations', better: 'lower', format: 'count' },
  { field: 'over_provisioning', label: 'over-provisioning', better: 'lower', format: 'share' },
];

const trim = (x: number, digits: number): string => String(Number(x.toFixed(digits)));

/** A value for a table: shares as %, others rounded sensibly, with the unit; '–' when absent. */
export function formatValue(format: MetricFormat, v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  switch (format) {
    case 'share':
      return `${trim(v * 100, 1)} %`;
    case 'ms':
      return `${trim(v, Math.abs(v) >= 100 ? 0 : 1)} ms`;
    case 's':
      return `${trim(v, Math.abs(v) >= 100 ? 0 : 2)} s`;
    case 'usd':
      return `$${trim(v, Math.abs(v) >= 1 ? 2 : 4)}`;
    case 'rps':
      return `${trim(v, 2)}/s`;
    case 'hours':
      return `${trim(v, 4)} h`;
    case 'count':
      return trim(v, 2);
  }
}

/** One autoscaler at one deployment and level: its repeats aggregated. */
export interface ComparisonRow {
  autoscaler: string;
  group: Group<BenchmarkRecord>;
  /** Fields this row wins (ties share). */
  wins: Set<string>;
}

export interface ComparisonSection {
  deployment: string;
  level: number;
  rows: ComparisonRow[];
  /** Winner(s) per field, where two or more autoscalers measured it. */
  winners: Array<{ metric: ComparedMetric; autoscalers: string[]; value: number }>;
  /** Finished cells left out because their measurement is invalid (cell ids). */
  leftOut: string[];
}

/** Whether a record's measurement may enter a comparison: finished, and not judged invalid. */
export function comparable(r: BenchmarkRecord): boolean {
  return r.status === 'done' && r.validity !== 'invalid';
}

/** The autoscalers compared at each deployment and load level (finished, valid or warned cells only; repeats as mean and 95 % CI). */
export function compareAutoscalers(records: readonly BenchmarkRecord[]): ComparisonSection[] {
  const finished = records.filter((r) => r.status === 'done');
  const sections = new Map<string, BenchmarkRecord[]>();
  for (const r of finished) {
    const k = `${r.deployment}\u0000${r.level}`;
    sections.set(k, [...(sections.get(k) ?? []), r]);
  }
  const fields = comparedMetrics.map((m) => m.field);
  return [...sections.values()]
    .map((all) => {
      const rs = all.filter(comparable);
      const leftOut = all.filter((r) => !comparable(r)).map((r) => String(r.cell_id));
      const groups = aggregateRepeats(rs, (r) => String(r.autoscaler), fields);
      const rows: ComparisonRow[] = groups.map((group) => ({ autoscaler: group.key, group, wins: new Set<string>() }));
      const won = winners(groups, comparedMetrics);
      for (const w of won) for (const g of w.groups) rows.find((r) => r.group === g)!.wins.add(w.field);
      return {
        deployment: String(all[0]!.deployment),
        level: Number(all[0]!.level),
        leftOut,
        rows,
        winners: won.map((w) => ({ metric: comparedMetrics.find((m) => m.field === w.field)!, autoscalers: w.groups.map((g) => g.key), value: w.value })),
      };
    })
    .sort((a, b) => a.deployment.localeCompare(b.deployment) || a.level - b.level);
}

/** A mean, with ± its 95 % CI half-width when repeats differ. */
export function formatMean(m: ComparedMetric, stats: Group<BenchmarkRecord>['stats'][string]): string {
  if (!stats) return '–';
  const v = formatValue(m.format, stats.mean);
  return stats.halfWidth ? `${v} ± ${formatValue(m.format, stats.halfWidth)}` : v;
}
