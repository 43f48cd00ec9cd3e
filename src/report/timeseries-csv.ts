import { stringify } from 'csv-stringify/sync';
import type { Cell } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import { sampleMetrics, type SampleMetric } from '../vocabulary/metrics.js';

const identity = ['cell_id', 'deployment', 'autoscaler', 'level', 'repeat', 't_ms', 'elapsed_s', 'phase', 'offered'] as const;
const trailing = ['autoscaler_metrics', 'gap'] as const;

/**
 * timeseries.csv columns: one row per sample of every cell; the cell and the
 * instant, then every sample figure of the metric table (src/vocabulary/metrics.ts)
 * in table order, then the autoscaler's view and a Prometheus gap.
 */
export const timeColumns = [...identity, ...sampleMetrics, ...trailing] as const;
export type TimeColumn = (typeof identity)[number] | SampleMetric | (typeof trailing)[number];
/** One sample as a row; null where nothing was measured. */
export type TimeRow = Record<TimeColumn, string | number | null>;

/** A sample figure of one sample, by its name in the table. */
export function sampleFigure(s: Sample, name: SampleMetric): number | null {
  switch (name) {
    case 'requests':
      return s.requests;
    case 'failures':
      return s.failures;
    case 'in_flight':
      return s.in_flight ?? null;
    case 'replicas_desired':
      return s.replicas.desired;
    case 'replicas_current':
      return s.replicas.current;
    case 'replicas_ready':
      return s.replicas.ready;
    case 'cpu_utilization_pct':
      return s.cpu_utilization_pct ?? null;
    default:
      return s.server?.[name] ?? null;
  }
}

/** A cell's samples as timeseries rows. */
export function timeRows(cell: Cell, samples: readonly Sample[]): TimeRow[] {
  return samples.map((s) => ({
    cell_id: cell.id,
    deployment: cell.deployment.name,
    autoscaler: cell.autoscaler.name,
    level: cell.level,
    repeat: cell.repeat,
    t_ms: s.t,
    elapsed_s: s.elapsed_s,
    phase: s.phase,
    offered: s.offered,
    ...(Object.fromEntries(sampleMetrics.map((name) => [name, sampleFigure(s, name)])) as Record<SampleMetric, number | null>),
    autoscaler_metrics: s.autoscaler ? JSON.stringify(s.autoscaler) : null,
    gap: s.gap ?? null,
  }));
}

export function timeseriesCsv(rows: readonly TimeRow[]): string {
  return stringify(rows as TimeRow[], { header: true, columns: [...timeColumns] });
}
