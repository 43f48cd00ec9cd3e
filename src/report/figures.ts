import type { CellAnalysis } from '../analysis/cell-analysis.js';
import type { ServerQuantile } from '../analysis/server.js';
import { round } from '../analysis/stats.js';
import { sliceCostFields } from '../recommend/slice-cost.js';
import type { CellMetric } from '../vocabulary/metrics.js';
import type { Distribution } from '../results/cell-result.js';

/** A cell's figures: one value (or null, not measured) for every cell metric of the table; the compiler checks none is left out. */
export type CellFigures = Record<CellMetric, number | null>;

const n = (v: number | null | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

const dist = <Q extends string>(q: Q, d: Distribution | undefined): Record<`${Q}_ms_${'mean' | 'p50' | 'p90' | 'p95' | 'p99'}`, number | null> =>
  ({ [`${q}_ms_mean`]: n(d?.mean), [`${q}_ms_p50`]: n(d?.p50), [`${q}_ms_p90`]: n(d?.p90), [`${q}_ms_p95`]: n(d?.p95), [`${q}_ms_p99`]: n(d?.p99) }) as Record<
    `${Q}_ms_${'mean' | 'p50' | 'p90' | 'p95' | 'p99'}`,
    number | null
  >;

type Quantiles = { p50?: ServerQuantile; p95?: ServerQuantile; p99?: ServerQuantile } | undefined;
const serverQ = <Q extends string>(q: Q, s: Quantiles): Record<`server_${Q}_ms_${'p50' | 'p95' | 'p99' | 'p95_bucket_lo' | 'p95_bucket_hi'}`, number | null> =>
  ({
    [`server_${q}_ms_p50`]: n(s?.p50?.ms),
    [`server_${q}_ms_p95`]: n(s?.p95?.ms),
    [`server_${q}_ms_p95_bucket_lo`]: n(s?.p95?.bucketMs[0]),
    // +Inf bucket: no upper bound (null)
    [`server_${q}_ms_p95_bucket_hi`]: n(s?.p95?.bucketMs[1]),
    [`server_${q}_ms_p99`]: n(s?.p99?.ms),
  }) as Record<`server_${Q}_ms_${'p50' | 'p95' | 'p99' | 'p95_bucket_lo' | 'p95_bucket_hi'}`, number | null>;

export interface FigureContext {
  /** Price of one GPU of the cell's type, USD per hour, if the catalog has it. */
  gpuUsdPerHour?: number;
  /** GPUs' worth one replica of the cell's deployment pays for (src/recommend/slice-cost.ts), if the catalog has its GPU. */
  gpuSharePerReplica?: number;
  /** Samples without Prometheus, when known apart from the server summary. */
  sampleGaps?: number;
}

/**
 * Every cell figure of one analysed cell (records.jsonl and summary.csv take
 * theirs from here), under its name in the metric table.
 */
export function cellFigures(a: CellAnalysis, ctx: FigureContext = {}): CellFigures {
  const { cell } = a;
  const c = a.client;
  const s = a.server;
  const sc = a.scaling;
  const v = a.validity?.figures;
  const cpu = a.harnessCpu;
  const seconds = cell.load.durationMs / 1000;
  const okRequests = c ? c.requests - c.errors : 0;
  const promptPerS = c?.promptTokensMean !== undefined ? (c.promptTokensMean * okRequests) / seconds : undefined;
  const cost = sliceCostFields(cell.deployment, {
    ...(ctx.gpuUsdPerHour !== undefined ? { gpuUsdPerHour: ctx.gpuUsdPerHour } : {}),
    ...(ctx.gpuSharePerReplica !== undefined ? { gpuShare: ctx.gpuSharePerReplica } : {}),
    ...(sc?.mainReplicaSeconds !== undefined ? { mainReplicaSeconds: sc.mainReplicaSeconds } : {}),
    ...(c?.slo.goodputRps !== undefined ? { goodputRps: c.slo.goodputRps } : {}),
    ...(c?.promptTokensMean !== undefined ? { promptTokensMean: c.promptTokensMean } : {}),
    ...(c?.outputTokensMean !== undefined ? { outputTokensMean: c.outputTokensMean } : {}),
    seconds,
  });
  return {
    // client
    requests: n(c?.requests),
    failures: n(c?.errors),
    error_rate: n(c?.errorRate),
    achieved_rps: n(c?.rps),
    output_tokens_per_s: n(c?.outputTokensPerS),
    total_tokens_per_s: c && promptPerS !== undefined ? round(promptPerS + c.outputTokensPerS, 3) : null,
    prompt_tokens_mean: n(c?.promptTokensMean),
    prompt_tokens_stdev: n(c?.promptTokensStdev),
    output_tokens_mean: n(c?.outputTokensMean),
    output_tokens_stdev: n(c?.outputTokensStdev),
    ...dist('ttft', c?.ttftMs),
    ...dist('tpot', c?.tpotMs),
    ...dist('itl', c?.itlMs),
    ...dist('e2e', c?.e2eMs),
    ttfc_ms_p50: n(c?.ttfcMs?.p50),
    ttfc_ms_p95: n(c?.ttfcMs?.p95),
    ttft_sched_ms_p50: n(c?.scheduled?.ttftMs.p50),
    ttft_sched_ms_p95: n(c?.scheduled?.ttftMs.p95),
    e2e_sched_ms_p95: n(c?.scheduled?.e2eMs.p95),
    late_ms_p95: n(c?.scheduled?.lateMs.p95),
    late_ms_p99: n(c?.scheduled?.lateMs.p99),
    slo_attainment: n(c?.slo.attainment),
    goodput_rps: n(c?.slo.goodputRps),
    in_flight_mean: n(v?.inFlightMean),
    in_flight_max: n(v?.inFlightMax),
    harness_errors: n(v?.harnessErrors),
    dropped_iterations: n(v?.droppedIterations),
    cached_token_share: n(c?.cachedTokenShare),
    // server (Prometheus histograms and gauges over the main phase)
    ...serverQ('ttft', s?.ttft),
    ...serverQ('tpot', s?.tpot),
    ...serverQ('e2e', s?.e2e),
    server_queue_ms_p50: n(s?.queue?.p50?.ms),
    server_queue_ms_p95: n(s?.queue?.p95?.ms),
    running_mean: n(s?.running?.mean),
    running_p95: n(s?.running?.p95),
    waiting_mean: n(s?.waiting?.mean),
    waiting_p95: n(s?.waiting?.p95),
    kv_cache_usage_mean: n(s?.kvCacheUsage?.mean),
    kv_cache_usage_p95: n(s?.kvCacheUsage?.p95),
    preemptions: null,
    sample_gaps: n(ctx.sampleGaps ?? s?.gaps),
    // replicas
    replicas_mean: n(sc?.replicasMean),
    replicas_ready_max: n(sc?.replicasMax),
    replica_seconds: n(sc?.replicaSeconds),
    gpu_hours: n(sc?.gpuHours),
    cost_usd: n(sc?.costUsd),
    gpu_share_per_replica: cost.gpu_share_per_replica,
    usd_per_replica_hour: cost.usd_per_replica_hour,
    usd_per_million_tokens_at_slo: cost.usd_per_million_tokens_at_slo,
    scale_up_decision_s: n(sc?.scaleUpDecisionLagS),
    scale_up_lag_s: n(sc?.scaleUpLagS),
    recovery_s: n(sc?.recoveryS),
    scale_down_lag_s: n(sc?.scaleDownLagS),
    oscillations: n(sc?.oscillations),
    over_provisioning: n(a.overProvisioning),
    // the harness
    k6_cpu_pct: n(cpu?.processes.k6?.meanPct),
    router_cpu_pct: n(cpu?.processes.router?.meanPct),
    runner_cpu_pct: n(cpu?.processes.runner?.meanPct),
    machine_busy_pct: n(cpu?.machineBusyPct.meanPct),
  };
}
