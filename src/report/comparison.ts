import { aggregateRepeats, winners, type Group } from '../analysis/run-analysis.js';
import type { BenchmarkRecord } from '../results/records.js';
import { judged, type CellMetric, type Unit } from '../vocabulary/metrics.js';

/** How a value is shown: by its unit in the metric table (shares 0…1 as %). */
export type MetricFormat = Unit;

export interface ComparedMetric {
  /** A figure of the metric table (a records.jsonl field). */
  field: CellMetric;
  label: string;
  better: 'lower' | 'higher';
  format: MetricFormat;
}

const compared = (field: CellMetric): ComparedMetric => {
  const m = judged(field);
  return { field, label: m.label, better: m.better, format: m.unit };
};

/** The metrics autoscalers (and runs) are compared on, in this order; label, unit and direction from the metric table. */
export const comparedMetrics: readonly ComparedMetric[] = (
  [
    'slo_attainment',
    'goodput_rps',
    'ttft_ms_p95',
    'tpot_ms_p95',
    'e2e_ms_p95',
    'error_rate',
    'replica_seconds',
    'gpu_hours',
    'cost_usd',
    'scale_up_lag_s',
    'recovery_s',
    'scale_down_lag_s',
    'oscillations',
    'over_provisioning',
  ] as const
).map(compared);

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
    case 'tokens':
      return trim(v, 2);
    case 'pct':
      return `${trim(v, 1)} %`;
    case 'tokens_per_s':
      return `${trim(v, 1)} tokens/s`;
    case 'usd_per_hour':
      return `$${trim(v, 4)}/h`;
    case 'usd_per_million_tokens':
      return `$${trim(v, 4)}/M tokens`;
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
