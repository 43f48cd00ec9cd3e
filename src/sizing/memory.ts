import { precisions, type ModelArch, type Precision } from '../catalog/gpus.js';

/**
 * GPU memory of one vLLM replica: weights, KV cache and runtime overhead per
 * device, against what gpu_memory_utilization lets vLLM take. Pure; the same
 * arithmetic is emitted as CEL by src/manifests/admission-policy.ts.
 */

/**
 * Per-device allowance for the CUDA context, peak activations of vLLM's
 * profiling run and CUDA graphs, in GB. vLLM measures these at start-up
 * (vllm/v1/worker/gpu_worker.py determine_available_memory); 2 GB is a round
 * upper figure for the models of data/models.json at ≤ 8192 batched tokens.
 */
export const RUNTIME_OVERHEAD_GB = 2;

/**
 * The value of a vLLM flag in an argument list: `--flag=v`, `--flag v`, and
 * the underscore spelling (vLLM's argparse accepts both); the last one wins.
 * Undefined when absent.
 */
export function flagValue(args: readonly string[], flag: string, short?: string): string | undefined {
  const names = new Set([flag, flag.replaceAll('-', '_').replace(/^__/, '--')]);
  if (short) names.add(short);
  let value: string | undefined;
  // The last occurrence wins, as with argparse.
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && names.has(a.slice(0, eq))) value = a.slice(eq + 1);
    else if (names.has(a)) value = args[i + 1];
  }
  return value;
}

/** Whether a flag appears at all (with or without a value). */
export function hasFlag(args: readonly string[], flag: string, short?: string): boolean {
  const under = flag.replaceAll('-', '_').replace(/^__/, '--');
  return args.some((a) => [flag, under, short].some((n) => n !== undefined && (a === n || a.startsWith(`${n}=`))));
}

/** How a replica's GPUs are split: tensor × pipeline × data parallel. */
export interface ParallelLayout {
  tp: number;
  pp: number;
  dp: number;
}

const positiveInt = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);

/**
 * The parallel layout vLLM will use: sizes given in the extra arguments win;
 * tensor parallel otherwise takes every GPU left over by pipeline and data parallel.
 */
export function parallelLayout(gpuCount: number, extraArgs: readonly string[]): ParallelLayout {
  const pp = positiveInt(flagValue(extraArgs, '--pipeline-parallel-size', '-pp')) ?? 1;
  const dp = positiveInt(flagValue(extraArgs, '--data-parallel-size', '-dp')) ?? 1;
  const tp = positiveInt(flagValue(extraArgs, '--tensor-parallel-size', '-tp')) ?? Math.max(1, Math.floor(gpuCount / (pp * dp)));
  return { tp, pp, dp };
}

/** Weight precision from `--quantization`: fp8 halves the weights; anything else is taken as bf16. */
export function weightPrecision(extraArgs: readonly string[]): Precision {
  return flagValue(extraArgs, '--quantization', '-q') === 'fp8' ? 'fp8' : 'bf16';
}

/** KV cache bytes per value: `--kv-cache-dtype fp8*` stores one byte, the default ("auto") the model's two. */
export function kvBytesPerValue(extraArgs: readonly string[]): number {
  return (flagValue(extraArgs, '--kv-cache-dtype') ?? 'auto').startsWith('fp8') ? 1 : 2;
}

/** What the memory check needs of a deployment. */
export interface MemoryInput {
  maxNumSeqs: number;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  extraArgs: readonly string[];
  gpuCount: number;
}

/** The memory of one device of a replica, in GB (1e9 bytes) unless named otherwise. */
export interface MemoryPlan {
  layout: ParallelLayout;
  precision: Precision;
  /** Weights held by one device: all weights / (tp × pp). */
  weightsGb: number;
  /** KV cache bytes per token on one device (its share of layers and KV heads). */
  kvBytesPerToken: number;
  /** KV cache for max_num_seqs × max_model_len tokens on one device. */
  kvGb: number;
  overheadGb: number;
  neededGb: number;
  /** Device memory × gpu_memory_utilization. */
  usableGb: number;
  /** How many sequences of max_model_len tokens fit beside the weights (0 when not even one). */
  maxSeqsThatFit: number;
}

/**
 * The memory plan of one device. KV heads are split over tensor parallel
 * (replicated when there are fewer heads than ranks) and layers over pipeline
 * parallel: KV bytes per token = 2 × ⌈layers/pp⌉ × ⌈kv_heads/tp⌉ × head_dim × bytes.
 */
export function memoryPlan(model: ModelArch, deviceMemoryGb: number, d: MemoryInput): MemoryPlan {
  const layout = parallelLayout(d.gpuCount, d.extraArgs);
  const precision = weightPrecision(d.extraArgs);
  const weightsGb = (model.params_b * precisions[precision]) / (layout.tp * layout.pp);
  const kvBytesPerToken = 2 * Math.ceil(model.layers / layout.pp) * Math.ceil(model.kv_heads / layout.tp) * model.head_dim * kvBytesPerValue(d.extraArgs);
  const kvGb = (kvBytesPerToken * d.maxNumSeqs * d.maxModelLen) / 1e9;
  const usableGb = deviceMemoryGb * d.gpuMemoryUtilization;
  const free = usableGb - weightsGb - RUNTIME_OVERHEAD_GB;
  const perSeqGb = (kvBytesPerToken * d.maxModelLen) / 1e9;
  return {
    layout,
    precision,
    weightsGb,
    kvBytesPerToken,
    kvGb,
    overheadGb: RUNTIME_OVERHEAD_GB,
    neededGb: weightsGb + kvGb + RUNTIME_OVERHEAD_GB,
    usableGb,
    maxSeqsThatFit: free <= 0 ? 0 : Math.floor(free / perSeqGb),
  };
}

/** GB with one decimal for messages: 141.2 GB. */
export function gb(v: number): string {
  return `${(Math.round(v * 10) / 10).toFixed(1)} GB`;
}
