import { stringify } from 'csv-stringify/sync';
import type { Cell } from '../matrix/types.js';
import type { Sample } from '../metrics/sampler.js';

/** timeseries.csv columns, in their stable order; one row per sample of every cell. Server figures from Prometheus. */
export const timeColumns = [
  'cell_id', 'deployment', 'autoscaler', 'level', 'repeat', 't_ms', 'elapsed_s', 'phase', 'offered',
  'replicas_desired', 'replicas_current', 'replicas_ready', 'in_flight', 'cpu_utilization_pct', 'requests', 'errors',
  'ttft_p50_ms', 'ttft_p95_ms', 'ttft_p99_ms', 'tpot_p50_ms', 'tpot_p95_ms', 'tpot_p99_ms', 'e2e_p50_ms', 'e2e_p95_ms', 'e2e_p99_ms',
  'running', 'waiting', 'kv_cache_usage', 'output_tokens_per_s', 'requests_per_s', 'autoscaler_metrics', 'gap',
] as const;
export type TimeColumn = (typeof timeColumns)[number];
/** One sample as a row; null where nothing was measured. */
export type TimeRow = Record<TimeColumn, string | number | null>;

const SERVER: readonly TimeColumn[] = [
  'ttft_p50_ms', 'ttft_p95_ms', 'ttft_p99_ms', 'tpot_p50_ms', 'tpot_p95_ms', 'tpot_p99_ms', 'e2e_p50_ms', 'e2e_p95_ms', 'e2e_p99_ms',
  'running', 'waiting', 'kv_cache_usage', 'output_tokens_per_s', 'requests_per_s',
];

/** A cell's samples as timeseries rows. */
export function timeRows(cell: Cell, samples: readonly Sample[]): TimeRow[] {
  return samples.map((s) => {
    const row = {
      cell_id: cell.id,
      deployment: cell.deployment.name,
      autoscaler: cell.autoscaler.name,
      level: cell.level,
      repeat: cell.repeat,
      t_ms: s.t,
      elapsed_s: s.elapsed_s,
      phase: s.phase,
      offered: s.offered,
      replicas_desired: s.replicas.desired,
      replicas_current: s.replicas.current,
      replicas_ready: s.replicas.ready,
      in_flight: s.in_flight ?? null,
      cpu_utilization_pct: s.cpu_utilization ?? null,
      requests: s.requests,
      errors: s.errors,
      autoscaler_metrics: s.autoscaler ? JSON.stringify(s.autoscaler) : null,
      gap: s.gap ?? null,
    } as TimeRow;
    for (const k of SERVER) {
      const v = s.server?.[k];
      row[k] = typeof v === 'number' ? v : null;
    }
    return row;
  });
}

export function timeseriesCsv(rows: readonly TimeRow[]): string {
  return stringify(rows as TimeRow[], { header: true, columns: [...timeColumns] });
}
