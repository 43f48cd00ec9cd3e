import type { Gpu, ModelArch } from '../catalog/gpus.js';

/** bf16: two bytes per weight and per KV value. */
const BYTES_PER_VALUE = 2;

/** KV bytes per token = 2 (K and V) × layers × kv_heads × head_dim × bytes_per_value. */
export function kvBytesPerToken(model: ModelArch): number {
  return 2 * model.layers * model.kv_heads * model.head_dim * BYTES_PER_VALUE;
}

export function weightBytes(model: ModelArch): number {
  return model.params_b * 1e9 * BYTES_PER_VALUE;
}

/** One engine step's inputs. */
export interface StepShape {
  /** Tokens processed in the step (prompt tokens in prefill; one per sequence in decode). */
  tokens: number;
  /** Sequences whose KV cache is read in the step. */
  sequences: number;
  /** Mean context length of those sequences, tokens. */
  context: number;
  mfu: number;
}

/**
 * One engine step, in seconds:
 * max(FLOPs / (TP × peak × MFU), (weights / TP + Σ kv_bytes × ctx / TP) / HBM bandwidth),
 * with FLOPs ≈ 2 × params × tokens (reference/recommender.md, "Roofline").
 */
export function stepSeconds(model: ModelArch, gpu: Gpu, tp: number, step: StepShape): number {
  const flops = 2 * model.params_b * 1e9 * step.tokens;
  const compute = flops / (tp * gpu.bf16_tflops * 1e12 * step.mfu);
  const bytes = weightBytes(model) / tp + (step.sequences * kvBytesPerToken(model) * step.context) / tp;
  const memory = bytes / (gpu.hbm_gb_per_s * 1e9);
  return Math.max(compute, memory);
}

/** Latency parameters for a simulated replica, in milliseconds. */
export interface SimLatency {
  /** Fixed part of prefill: one pass over the weights. */
  prefillOverheadMs: number;
  /** Compute-bound prefill cost per prompt token. */
  prefillPerTokenMs: number;
  /** Decode step with one sequence in flight (bandwidth-bound). */
  interTokenMs: number;
  /** Step time at max_num_seqs sequences over step time at one (≥ 1). */
  timeFactorUnderLoad: number;
}

/**
 * Derives simulator latencies from the roofline for a deployment serving a
 * workload with the given mean prompt and output lengths.
 */
export function simLatency(model: ModelArch, gpu: Gpu, tp: number, maxNumSeqs: number, promptTokens: number, outputTokens: number): SimLatency {
  const weightsPass = weightBytes(model) / tp / (gpu.hbm_gb_per_s * 1e9);
  const perToken = (2 * model.params_b * 1e9) / (tp * gpu.bf16_tflops * 1e12 * gpu.mfu_prefill);
  const context = promptTokens + outputTokens / 2;
  const one = stepSeconds(model, gpu, tp, { tokens: 1, sequences: 1, context, mfu: gpu.mfu_decode });
  const full = stepSeconds(model, gpu, tp, { tokens: maxNumSeqs, sequences: maxNumSeqs, context, mfu: gpu.mfu_decode });
  return {
    prefillOverheadMs: round(weightsPass * 1e3),
    prefillPerTokenMs: round(perToken * 1e3, 5),
    interTokenMs: round(one * 1e3),
    timeFactorUnderLoad: round(Math.max(1, full / one)),
  };
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
