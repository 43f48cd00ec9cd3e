import type { CellAnalysis } from '../analysis/cell-analysis.js';
import { ttftExcludesQueue, type ServerQuantile } from '../analysis/server.js';
import { errorSourcesText } from './summary-csv.js';
import type { Distribution } from '../analysis/stats.js';
import { round } from '../analysis/stats.js';
import type { Cell, ResolvedAutoscaler, ResolvedDeployment, ResolvedMatrix } from '../matrix/types.js';
import { sliceCostFields } from '../recommend/slice-cost.js';

/**
 * One row per cell in the benchmark-record format the recommender reads
 * (../shared/reference/recommender.md "Record"), flat, units in the names;
 * null where a figure was not measured. Keys come in a fixed order (identity,
 * stack, load, results, server, scaling, verdict) so records.jsonl diffs.
 */
export type BenchmarkRecord = Record<string, string | number | boolean | null>;

/** What matches a cell across runs: its content, not its repeat. */
export function cellKey(cell: Pick<Cell, 'deployment' | 'autoscaler' | 'load' | 'level'>): string {
  return `${cell.deployment.name}/${cell.autoscaler.name}/${cell.load.shape}/${cell.level}`;
}

/** The autoscaler's target as one line: `cpu 70%`, `vllm:num_requests_waiting 5`, `<query> > 5`; empty for fixed. */
export function autoscalerTarget(a: ResolvedAutoscaler): string {
  switch (a.kind) {
    case 'fixed':
      return '';
    case 'hpa-cpu':
      return `cpu ${a.targetUtilization}%`;
    case 'hpa-custom':
      return `${a.metric} ${a.target}`;
    case 'keda':
      return `${a.query} > ${a.threshold}`;
  }
}

/** The weights' precision: vLLM's --quantization or --dtype when given, else bf16 (the models' published dtype, vLLM's "auto"). */
export function precisionOf(d: ResolvedDeployment): string {
  const args = d.vllm.extraArgs;
  for (const flag of ['--quantization', '--dtype']) {
    const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i >= 0) return args[i]!.includes('=') ? args[i]!.split('=')[1]! : (args[i + 1] ?? 'bf16');
  }
  return 'bf16';
}

const n = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

function dist(prefix: string, d: Distribution | undefined): BenchmarkRecord {
  return {
    [`${prefix}_mean`]: n(d?.mean),
    [`${prefix}_p50`]: n(d?.p50),
    [`${prefix}_p90`]: n(d?.p90),
    [`${prefix}_p95`]: n(d?.p95),
    [`${prefix}_p99`]: n(d?.p99),
  };
}

function serverQ(prefix: string, q: ServerQuantile | undefined): BenchmarkRecord {
  return { [prefix]: n(q?.ms), [`${prefix}_bucket_lo`]: n(q?.bucketMs[0]), [`${prefix}_bucket_hi`]: q ? q.bucketMs[1] : null };
}

export interface RecordContext {
  runId: string;
  /** When the run started (ISO 8601). */
  createdAt: string;
  matrix: ResolvedMatrix;
  /** Price of one GPU of the cell's type, USD per hour, if the catalog has it. */
  gpuUsdPerHour?: number;
  /** GPUs' worth one replica of the cell's deployment pays for (src/recommend/slice-cost.ts), if the catalog has its GPU. */
  gpuSharePerReplica?: number;
}

/** The record of one analysed cell (one that has run: it has a client summary). */
export function benchmarkRecord(a: CellAnalysis, ctx: RecordContext): BenchmarkRecord {
  const { cell } = a;
  const d = cell.deployment;
  const c = a.client;
  const s = a.server;
  const sc = a.scaling;
  const w = ctx.matrix.workload;
  const seconds = cell.load.durationMs / 1000;
  const okRequests = c ? c.requests - c.errors : 0;
  const promptPerS = c?.promptTokensMean !== undefined ? (c.promptTokensMean * okRequests) / seconds : undefined;
  return {
    // identity
    run_id: ctx.runId,
    cell_id: cell.id,
    cell_key: cellKey(cell),
    deployment: d.name,
    repeat: cell.repeat,
    created_at: ctx.createdAt,
    source: 'harness',
    confidence: 'measured',
    status: a.status,
    // stack
    model: d.model,
    precision: precisionOf(d),
    engine: d.simulator.command ? d.simulator.command[0]!.split('/').pop()! : 'llm-d-inference-sim',
    engine_version: null,
    hardware: d.gpu.type,
    gpus_per_replica: d.gpu.count,
    tensor_parallel: d.gpu.count,
    replicas_min: d.replicas.min,
    replicas_max: d.replicas.max,
    replicas_mean: n(sc?.replicasMean),
    max_num_seqs: d.vllm.maxNumSeqs,
    max_model_len: d.vllm.maxModelLen,
    max_num_batched_tokens: d.vllm.maxNumBatchedTokens ?? null,
    gpu_memory_utilization: d.vllm.gpuMemoryUtilization,
    prefix_caching: d.vllm.enablePrefixCaching,
    gpu_cost_usd_per_hour: ctx.gpuUsdPerHour ?? null,
    autoscaler: cell.autoscaler.name,
    autoscaler_kind: cell.autoscaler.kind,
    autoscaler_target: autoscalerTarget(cell.autoscaler),
    // load
    profile: w.profile,
    // What was asked for: the schedule's lengths for a trace or an arrival process, else the workload's.
    prompt_tokens_target: a.schedule?.promptMean ?? w.prompt.mean,
    output_tokens_target: a.schedule?.outputMean ?? w.output.mean,
    prompt_tokens_mean: n(c?.promptTokensMean),
    prompt_tokens_stdev: n(c?.promptTokensStdev),
    output_tokens_mean: n(c?.outputTokensMean),
    output_tokens_stdev: n(c?.outputTokensStdev),
    arrival: cell.load.shape === 'arrival-rate' ? 'rate' : 'users',
    shape: cell.load.shape,
    level: cell.level,
    duration_s: seconds,
    warmup_s: cell.load.warmupMs / 1000,
    requests: c?.requests ?? 0,
    failures: c?.errors ?? 0,
    error_rate: n(c?.errorRate),
    // results
    achieved_rps: n(c?.rps),
    output_tokens_per_s: n(c?.outputTokensPerS),
    total_tokens_per_s: c && promptPerS !== undefined ? round(promptPerS + c.outputTokensPerS, 3) : null,
    ...dist('ttft_ms', c?.ttftMs),
    ...dist('tpot_ms', c?.tpotMs),
    ...dist('itl_ms', c?.itlMs),
    ...dist('e2e_ms', c?.e2eMs),
    queue_ms: n(s?.queue?.p50?.ms),
    slo_attainment: n(c?.slo.attainment),
    goodput_rps: n(c?.slo.goodputRps),
    // server (Prometheus histograms and gauges over the main phase)
    ...serverQ('server_ttft_ms_p95', s?.ttft.p95),
    ...serverQ('server_tpot_ms_p95', s?.tpot.p95),
    ...serverQ('server_e2e_ms_p95', s?.e2e.p95),
    server_queue_ms_p50: n(s?.queue?.p50?.ms),
    server_queue_ms_p95: n(s?.queue?.p95?.ms),
    server_ttft_excludes_queue: ttftExcludesQueue(c?.ttftMs.p50, s) ?? null,
    kv_cache_usage_mean: n(s?.kvCacheUsage?.mean),
    kv_cache_usage_p95: n(s?.kvCacheUsage?.p95),
    running_mean: n(s?.running?.mean),
    running_p95: n(s?.running?.p95),
    waiting_mean: n(s?.waiting?.mean),
    waiting_p95: n(s?.waiting?.p95),
    preemptions: null,
    // scaling
    replicas_ready_max: n(sc?.replicasMax),
    replica_seconds: n(sc?.replicaSeconds),
    gpu_hours: n(sc?.gpuHours),
    cost_usd: n(sc?.costUsd),
    scale_up_decision_s: n(sc?.scaleUpDecisionLagS),
    scale_up_lag_s: n(sc?.scaleUpLagS),
    recovery_s: n(sc?.recoveryS),
    scale_down_lag_s: n(sc?.scaleDownLagS),
    oscillations: n(sc?.oscillations),
    over_provisioning: n(a.overProvisioning),
    // verdict
    slo_pass_ttft: c?.slo.pass.ttft ?? null,
    slo_pass_tpot: c?.slo.pass.tpot ?? null,
    slo_pass_e2e: c?.slo.pass.e2e ?? null,
    saturation: a.saturation ?? null,
    validity: a.validity?.verdict ?? null,
    validity_reasons: a.validity ? a.validity.reasons.join('; ') : null,
    harness_errors: n(a.validity?.figures.harnessErrors),
    error_sources: c && c.errors > 0 ? errorSourcesText(c.errorSources) : null,
    cached_token_share: n(c?.cachedTokenShare),
    dropped_iterations: n(a.validity?.figures.droppedIterations),
    // GPU sharing (issue 21, src/recommend/slice-cost.ts): the slice, its price, cost per million tokens at the SLO.
    ...sliceCostFields(d, {
      ...(ctx.gpuUsdPerHour !== undefined ? { gpuUsdPerHour: ctx.gpuUsdPerHour } : {}),
      ...(ctx.gpuSharePerReplica !== undefined ? { gpuShare: ctx.gpuSharePerReplica } : {}),
      ...(sc?.mainReplicaSeconds !== undefined ? { mainReplicaSeconds: sc.mainReplicaSeconds } : {}),
      ...(c?.slo.goodputRps !== undefined ? { goodputRps: c.slo.goodputRps } : {}),
      ...(c?.promptTokensMean !== undefined ? { promptTokensMean: c.promptTokensMean } : {}),
      ...(c?.outputTokensMean !== undefined ? { outputTokensMean: c.outputTokensMean } : {}),
      seconds,
    }),
  };
}
