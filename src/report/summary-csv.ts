import { stringify } from 'csv-stringify/sync';
import type { CellAnalysis } from '../analysis/cell-analysis.js';
import { ttftExcludesQueue } from '../analysis/server.js';
import { cellMetrics, type CellMetric } from '../vocabulary/metrics.js';
import { cellFigures, type FigureContext } from './figures.js';

const identity = ['cell_id', 'deployment', 'model', 'gpu', 'autoscaler', 'autoscaler_kind', 'shape', 'level', 'repeat', 'status', 'reason'] as const;
const verdict = ['saturation', 'validity', 'validity_reasons', 'error_sources', 'server_ttft_excludes_queue'] as const;

/**
 * summary.csv columns: the cell's identity, every cell figure of the metric
 * table (src/vocabulary/metrics.ts) in table order, under the same names as
 * records.jsonl, then the verdict. Units are in the names, shares are 0…1.
 */
export const summaryColumns = [...identity, ...cellMetrics, ...verdict] as const;
export type SummaryColumn = (typeof identity)[number] | CellMetric | (typeof verdict)[number];
export type SummaryRow = Partial<Record<SummaryColumn, string | number | null>>;

/** One row per cell; a cell that has not run has its identity, status and what was measured before it stopped. */
export function summaryRow(a: CellAnalysis, ctx: FigureContext = {}): SummaryRow {
  const { cell } = a;
  const c = a.client;
  const v = a.validity;
  const excludes = ttftExcludesQueue(c?.ttftMs.p50, a.server);
  return {
    cell_id: cell.id,
    deployment: cell.deployment.name,
    model: cell.deployment.model,
    gpu: `${cell.deployment.gpu.count}x${cell.deployment.gpu.type}`,
    autoscaler: cell.autoscaler.name,
    autoscaler_kind: cell.autoscaler.kind,
    shape: cell.load.shape,
    level: cell.level,
    repeat: cell.repeat,
    status: a.status,
    reason: a.reason,
    ...cellFigures(a, ctx),
    saturation: a.saturation,
    validity: v?.verdict,
    validity_reasons: v?.reasons.join('; '),
    error_sources: c && c.errors > 0 ? errorSourcesText(c.errorSources) : undefined,
    server_ttft_excludes_queue: excludes === undefined ? undefined : String(excludes),
  };
}

/** Errors by source as one cell: `upstream 3; timeout 1`. */
export function errorSourcesText(sources: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(sources)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join('; ');
}

export function summaryCsv(rows: readonly SummaryRow[]): string {
  return stringify(rows as SummaryRow[], { header: true, columns: [...summaryColumns] });
}
