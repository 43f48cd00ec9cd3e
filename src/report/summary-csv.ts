import { stringify } from 'csv-stringify/sync';
import type { Cell } from '../matrix/types.js';
import type { CellResult } from '../runner/cell.js';
import type { CellEntry } from '../results/run-dir.js';

/** summary.csv columns, in their stable order; units are in the names. */
export const summaryColumns = [
  'cell_id', 'deployment', 'model', 'gpu', 'autoscaler', 'autoscaler_kind', 'shape', 'level', 'repeat', 'status', 'reason',
  'requests', 'errors', 'error_rate', 'rps', 'output_tokens_per_s',
  'ttft_mean_ms', 'ttft_p50_ms', 'ttft_p90_ms', 'ttft_p95_ms', 'ttft_p99_ms',
  'tpot_mean_ms', 'tpot_p50_ms', 'tpot_p90_ms', 'tpot_p95_ms', 'tpot_p99_ms',
  'itl_p50_ms', 'itl_p95_ms', 'itl_p99_ms',
  'e2e_mean_ms', 'e2e_p50_ms', 'e2e_p90_ms', 'e2e_p95_ms', 'e2e_p99_ms',
  'slo_attainment', 'goodput_rps', 'replicas_max', 'replicas_mean', 'sample_gaps',
] as const;
export type SummaryRow = Record<(typeof summaryColumns)[number], string | number | undefined>;

/** One row per cell; a cell that has not ended has its status and nothing else. */
export function summaryRow(cell: Cell, entry: CellEntry, r: CellResult | undefined): SummaryRow {
  const c = r?.client;
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
    status: entry.status,
    reason: entry.reason,
    requests: c?.requests,
    errors: c?.errors,
    error_rate: c?.errorRate,
    rps: c?.rps,
    output_tokens_per_s: c?.outputTokensPerS,
    ttft_mean_ms: c?.ttftMs.mean,
    ttft_p50_ms: c?.ttftMs.p50,
    ttft_p90_ms: c?.ttftMs.p90,
    ttft_p95_ms: c?.ttftMs.p95,
    ttft_p99_ms: c?.ttftMs.p99,
    tpot_mean_ms: c?.tpotMs.mean,
    tpot_p50_ms: c?.tpotMs.p50,
    tpot_p90_ms: c?.tpotMs.p90,
    tpot_p95_ms: c?.tpotMs.p95,
    tpot_p99_ms: c?.tpotMs.p99,
    itl_p50_ms: c?.itlMs.p50,
    itl_p95_ms: c?.itlMs.p95,
    itl_p99_ms: c?.itlMs.p99,
    e2e_mean_ms: c?.e2eMs.mean,
    e2e_p50_ms: c?.e2eMs.p50,
    e2e_p90_ms: c?.e2eMs.p90,
    e2e_p95_ms: c?.e2eMs.p95,
    e2e_p99_ms: c?.e2eMs.p99,
    slo_attainment: c?.slo.attainment,
    goodput_rps: c?.slo.goodputRps,
    replicas_max: r?.replicas.max,
    replicas_mean: r?.replicas.mean,
    sample_gaps: r?.sampleGaps,
  };
}

export function summaryCsv(rows: readonly SummaryRow[]): string {
  return stringify(rows as SummaryRow[], { header: true, columns: [...summaryColumns] });
}
