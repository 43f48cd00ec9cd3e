import type { ScalingSummary } from '../analysis/scaling.js';
import type { Distribution } from '../analysis/stats.js';
import { quantileSorted, round } from '../analysis/stats.js';
import type { Cell, ResolvedAutoscaler, ResolvedMatrix } from '../matrix/types.js';
import type { Sample } from '../metrics/sampler.js';
import type { CellResult } from '../runner/cell.js';

/**
 * One row per cell in the benchmark-record format the recommender reads
 * (reference/recommender.md "Record"), flattened with units in the names.
 */
export type BenchmarkRecord = Record<string, string | number | boolean | null>;

/** What matches a cell across runs: its content, not its repeat. */
export function cellKey(cell: Pick<Cell, 'deployment' | 'autoscaler' | 'load' | 'level'>): string {
  return `${cell.deployment.name}/${cell.autoscaler.name}/${cell.load.shape}/${cell.level}`;
}

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

function dist(prefix: string, d: Distribution): BenchmarkRecord {
  return {
    [`${prefix}_mean`]: d.mean ?? null,
    [`${prefix}_p50`]: d.p50 ?? null,
    [`${prefix}_p90`]: d.p90 ?? null,
    [`${prefix}_p95`]: d.p95 ?? null,
    [`${prefix}_p99`]: d.p99 ?? null,
  };
}

/** Mean and p95 of a server-side series over the load phase (nulls left out). */
function serverStat(samples: readonly Sample[], key: string): { mean: number | null; p95: number | null } {
  const v = samples.map((s) => s.server?.[key]).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return { mean: null, p95: null };
  return { mean: round(v.reduce((a, b) => a + b, 0) / v.length, 3), p95: round(quantileSorted(v, 0.95)!, 3) };
}

/** stable: no queue; backlogged: requests queued; overloaded: it could not keep up (errors or under 90 % of offered). */
export function saturation(result: CellResult, waitingP95: number | null, offeredRps?: number): 'stable' | 'backlogged' | 'overloaded' {
  const c = result.client;
  if (c.errorRate > 0.05 || (offeredRps !== undefined && c.rps < 0.9 * offeredRps)) return 'overloaded';
  return (waitingP95 ?? 0) > 0 ? 'backlogged' : 'stable';
}

export interface RecordInput {
  runId: string;
  createdAt: string;
  matrix: ResolvedMatrix;
  cell: Cell;
  result: CellResult;
  samples: readonly Sample[];
  scaling: ScalingSummary;
  gpuUsdPerHour: number;
}

export function benchmarkRecord(i: RecordInput): BenchmarkRecord {
  const { cell, result, matrix } = i;
  const d = cell.deployment;
  const c = result.client;
  const load = i.samples.filter((s) => s.phase === 'load');
  const kv = serverStat(load, 'kv_cache_usage');
  const running = serverStat(load, 'running');
  const waiting = serverStat(load, 'waiting');
  const arrival = cell.load.shape === 'arrival-rate' ? 'rate' : 'users';
  return {
    run_id: i.runId,
    cell_id: cell.id,
    cell_key: cellKey(cell),
    repeat: cell.repeat,
    created_at: i.createdAt,
    source: 'harness',
    confidence: 'measured',
    status: result.status,
    model: d.model,
    precision: 'bf16',
    engine: d.simulator.command ? d.simulator.command[0]! : 'llm-d-inference-sim',
    hardware: d.gpu.type,
    gpus_per_replica: d.gpu.count,
    tensor_parallel: d.gpu.count,
    replicas_min: d.replicas.min,
    replicas_max: d.replicas.max,
    replicas_mean: i.scaling.replicasMean,
    max_num_seqs: d.vllm.maxNumSeqs,
    max_model_len: d.vllm.maxModelLen,
    max_num_batched_tokens: d.vllm.maxNumBatchedTokens ?? null,
    gpu_memory_utilization: d.vllm.gpuMemoryUtilization,
    prefix_caching: d.vllm.enablePrefixCaching,
    gpu_cost_usd_per_hour: i.gpuUsdPerHour,
    autoscaler: cell.autoscaler.name,
    autoscaler_kind: cell.autoscaler.kind,
    autoscaler_target: autoscalerTarget(cell.autoscaler),
    profile: matrix.workload.profile,
    prompt_tokens_target: matrix.workload.prompt.mean,
    output_tokens_target: matrix.workload.output.mean,
    prompt_tokens_mean: c.promptTokensMean ?? null,
    output_tokens_mean: c.outputTokensMean ?? null,
    arrival,
    shape: cell.load.shape,
    level: cell.level,
    duration_s: cell.load.durationMs / 1000,
    warmup_s: cell.load.warmupMs / 1000,
    requests: c.requests,
    failures: c.errors,
    achieved_rps: c.rps,
    output_tokens_per_s: c.outputTokensPerS,
    ...dist('ttft_ms', c.ttftMs),
    ...dist('tpot_ms', c.tpotMs),
    ...dist('itl_ms', c.itlMs),
    ...dist('e2e_ms', c.e2eMs),
    slo_attainment: c.slo.attainment ?? null,
    goodput_rps: c.slo.goodputRps ?? null,
    kv_cache_usage_mean: kv.mean,
    kv_cache_usage_p95: kv.p95,
    running_mean: running.mean,
    running_p95: running.p95,
    waiting_mean: waiting.mean,
    waiting_p95: waiting.p95,
    replica_seconds: i.scaling.replicaSeconds,
    gpu_hours: i.scaling.gpuHours,
    cost_usd: i.scaling.costUsd,
    scale_up_lag_s: i.scaling.scaleUpLagS ?? null,
    scale_down_lag_s: i.scaling.scaleDownLagS ?? null,
    oscillations: i.scaling.oscillations,
    slo_pass_ttft: c.slo.pass.ttft ?? null,
    slo_pass_tpot: c.slo.pass.tpot ?? null,
    slo_pass_e2e: c.slo.pass.e2e ?? null,
    saturation: saturation(result, waiting.p95, arrival === 'rate' ? cell.level : undefined),
  };
}
