import { stringify } from 'csv-stringify/sync';
import type { CellAnalysis } from '../analysis/cell-analysis.js';
import { ttftExcludesQueue, type ServerQuantile } from '../analysis/server.js';

/**
 * summary.csv columns, in their stable order (new columns are only ever
 * appended); units are in the names, shares are 0…1.
 */
export const summaryColumns = [
  'cell_id', 'deployment', 'model', 'gpu', 'autoscaler', 'autoscaler_kind', 'shape', 'level', 'repeat', 'status', 'reason',
  'requests', 'errors', 'error_rate', 'rps', 'output_tokens_per_s',
  'ttft_mean_ms', 'ttft_p50_ms', 'ttft_p90_ms', 'ttft_p95_ms', 'ttft_p99_ms',
  'tpot_mean_ms', 'tpot_p50_ms', 'tpot_p90_ms', 'tpot_p95_ms', 'tpot_p99_ms',
  'itl_p50_ms', 'itl_p95_ms', 'itl_p99_ms',
  'e2e_mean_ms', 'e2e_p50_ms', 'e2e_p90_ms', 'e2e_p95_ms', 'e2e_p99_ms',
  'slo_attainment', 'goodput_rps', 'replicas_max', 'replicas_mean', 'sample_gaps',
  // added with the full report
  'server_ttft_p50_ms', 'server_ttft_p95_ms', 'server_ttft_p95_bucket_lo_ms', 'server_ttft_p95_bucket_hi_ms', 'server_ttft_p99_ms',
  'server_tpot_p50_ms', 'server_tpot_p95_ms', 'server_tpot_p95_bucket_lo_ms', 'server_tpot_p95_bucket_hi_ms', 'server_tpot_p99_ms',
  'server_e2e_p50_ms', 'server_e2e_p95_ms', 'server_e2e_p95_bucket_lo_ms', 'server_e2e_p95_bucket_hi_ms', 'server_e2e_p99_ms',
  'running_mean', 'waiting_mean', 'waiting_p95', 'kv_cache_usage_mean',
  'replica_seconds', 'gpu_hours', 'cost_usd',
  'scale_up_decision_s', 'scale_up_lag_s', 'recovery_s', 'scale_down_lag_s', 'oscillations', 'over_provisioning', 'saturation',
  // added with the validity verdict
  'validity', 'validity_reasons', 'error_sources', 'harness_errors', 'dropped_iterations', 'late_p95_ms', 'late_p99_ms',
  'ttft_sched_p50_ms', 'ttft_sched_p95_ms', 'e2e_sched_p95_ms', 'ttfc_p50_ms', 'ttfc_p95_ms', 'in_flight_mean', 'in_flight_max',
  'server_queue_p50_ms', 'server_queue_p95_ms', 'server_ttft_excludes_queue', 'k6_cpu_pct', 'router_cpu_pct', 'runner_cpu_pct', 'machine_busy_pct',
] as const;
export type SummaryColumn = (typeof summaryColumns)[number];
export type SummaryRow = Partial<Record<SummaryColumn, string | number>>;

/** A quantile's value, and its bucket's bounds (an empty upper bound is the +Inf bucket). */
function serverCols(prefix: string, q: { p50?: ServerQuantile; p95?: ServerQuantile; p99?: ServerQuantile } | undefined): Record<string, number | undefined> {
  return {
    [`${prefix}_p50_ms`]: q?.p50?.ms,
    [`${prefix}_p95_ms`]: q?.p95?.ms,
    [`${prefix}_p95_bucket_lo_ms`]: q?.p95?.bucketMs[0],
    [`${prefix}_p95_bucket_hi_ms`]: q?.p95?.bucketMs[1] ?? undefined,
    [`${prefix}_p99_ms`]: q?.p99?.ms,
  };
}

/** One row per cell; a cell that has not run has its status and nothing else. */
export function summaryRow(a: CellAnalysis, sampleGaps?: number): SummaryRow {
  const { cell } = a;
  const c = a.client;
  const s = a.server;
  const sc = a.scaling;
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
    replicas_max: sc?.replicasMax,
    replicas_mean: sc?.replicasMean,
    sample_gaps: sampleGaps ?? s?.gaps,
    ...(serverCols('server_ttft', s?.ttft) as Partial<SummaryRow>),
    ...(serverCols('server_tpot', s?.tpot) as Partial<SummaryRow>),
    ...(serverCols('server_e2e', s?.e2e) as Partial<SummaryRow>),
    running_mean: s?.running?.mean,
    waiting_mean: s?.waiting?.mean,
    waiting_p95: s?.waiting?.p95,
    kv_cache_usage_mean: s?.kvCacheUsage?.mean,
    replica_seconds: sc?.replicaSeconds,
    gpu_hours: sc?.gpuHours,
    cost_usd: sc?.costUsd,
    scale_up_decision_s: sc?.scaleUpDecisionLagS,
    scale_up_lag_s: sc?.scaleUpLagS,
    recovery_s: sc?.recoveryS,
    scale_down_lag_s: sc?.scaleDownLagS,
    oscillations: sc?.oscillations,
    over_provisioning: a.overProvisioning,
    saturation: a.saturation,
    ...validityColumns(a),
  };
}

/** The validity verdict and the figures behind it, as summary.csv columns. */
function validityColumns(a: CellAnalysis): SummaryRow {
  const c = a.client;
  const v = a.validity;
  const cpu = a.harnessCpu;
  const excludes = ttftExcludesQueue(c?.ttftMs.p50, a.server);
  return {
    validity: v?.verdict,
    validity_reasons: v?.reasons.join('; '),
    error_sources: c && c.errors > 0 ? errorSourcesText(c.errorSources) : undefined,
    harness_errors: v?.figures.harnessErrors,
    dropped_iterations: v?.figures.droppedIterations,
    late_p95_ms: c?.scheduled?.lateMs.p95,
    late_p99_ms: c?.scheduled?.lateMs.p99,
    ttft_sched_p50_ms: c?.scheduled?.ttftMs.p50,
    ttft_sched_p95_ms: c?.scheduled?.ttftMs.p95,
    e2e_sched_p95_ms: c?.scheduled?.e2eMs.p95,
    ttfc_p50_ms: c?.ttfcMs?.p50,
    ttfc_p95_ms: c?.ttfcMs?.p95,
    in_flight_mean: v?.figures.inFlightMean,
    in_flight_max: v?.figures.inFlightMax,
    server_queue_p50_ms: a.server?.queue?.p50?.ms,
    server_queue_p95_ms: a.server?.queue?.p95?.ms,
    server_ttft_excludes_queue: excludes === undefined ? undefined : String(excludes),
    k6_cpu_pct: cpu?.processes.k6?.meanPct,
    router_cpu_pct: cpu?.processes.router?.meanPct,
    runner_cpu_pct: cpu?.processes.runner?.meanPct,
    machine_busy_pct: cpu?.machineBusyPct.meanPct,
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
