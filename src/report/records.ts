import type { CellAnalysis } from '../analysis/cell-analysis.js';
import { ttftExcludesQueue } from '../analysis/server.js';
import type { Cell, ResolvedAutoscaler, ResolvedDeployment, ResolvedMatrix } from '../matrix/types.js';
import { sharingLabel } from '../sizing/sharing.js';
import { cellFigures, type FigureContext } from './figures.js';
import { errorSourcesText } from './summary-csv.js';
import type { BenchmarkRecord } from '../results/records.js';

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

export interface RecordContext extends FigureContext {
  runId: string;
  /** When the run started (ISO 8601). */
  createdAt: string;
  matrix: ResolvedMatrix;
}

/**
 * The record of one analysed cell (one that has run: it has a client
 * summary): identity, stack and load settings, then every cell figure of the
 * metric table in table order, then the verdict.
 */
export function benchmarkRecord(a: CellAnalysis, ctx: RecordContext): BenchmarkRecord {
  const { cell } = a;
  const d = cell.deployment;
  const c = a.client;
  const w = ctx.matrix.workload;
  const figures = cellFigures(a, ctx);
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
    max_num_seqs: d.vllm.maxNumSeqs,
    max_model_len: d.vllm.maxModelLen,
    max_num_batched_tokens: d.vllm.maxNumBatchedTokens ?? null,
    gpu_memory_utilization: d.vllm.gpuMemoryUtilization,
    prefix_caching: d.vllm.enablePrefixCaching,
    gpu_cost_usd_per_hour: ctx.gpuUsdPerHour ?? null,
    gpu_sharing: sharingLabel(d.gpu.sharing),
    autoscaler: cell.autoscaler.name,
    autoscaler_kind: cell.autoscaler.kind,
    autoscaler_target: autoscalerTarget(cell.autoscaler),
    // load
    profile: w.profile,
    // What was asked for: the schedule's lengths for a trace or an arrival process, else the workload's.
    prompt_tokens_target: a.schedule?.promptMean ?? w.prompt.mean,
    output_tokens_target: a.schedule?.outputMean ?? w.output.mean,
    arrival: cell.load.shape === 'arrival-rate' ? 'rate' : 'users',
    shape: cell.load.shape,
    level: cell.level,
    duration_s: cell.load.durationMs / 1000,
    warmup_s: cell.load.warmupMs / 1000,
    // figures (src/vocabulary/metrics.ts)
    ...figures,
    // verdict
    server_ttft_excludes_queue: ttftExcludesQueue(c?.ttftMs.p50, a.server) ?? null,
    slo_pass_ttft: c?.slo.pass.ttft ?? null,
    slo_pass_tpot: c?.slo.pass.tpot ?? null,
    slo_pass_e2e: c?.slo.pass.e2e ?? null,
    saturation: a.saturation ?? null,
    validity: a.validity?.verdict ?? null,
    validity_reasons: a.validity ? a.validity.reasons.join('; ') : null,
    error_sources: c && c.errors > 0 ? errorSourcesText(c.errorSources) : null,
  };
}
