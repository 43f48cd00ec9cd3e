import { profiles, type ProfileName } from '../load/profiles.js';
import { precisions, type Gpu, type ModelArch, type Precision } from '../catalog/gpus.js';
import { stepSeconds } from './roofline.js';

/** What a recipe promises, as data/recipes/*.yaml writes it under expected_performance. */
export interface ExpectedPerformance {
  /** Where the figures come from: the roofline, or a measured run (tune). */
  source: 'roofline-estimate' | 'measured';
  /** The workload profile the figures are for. */
  workload: ProfileName;
  /** Sequences in flight (max_num_seqs). */
  concurrency: number;
  /** Output tokens per second of one replica at that concurrency. */
  output_tokens_per_s: number;
  /** Inter-token latency at that concurrency, ms. */
  itl_ms: number;
  /** Prefill of one prompt on an idle replica, ms. */
  ttft_ms: number;
}

/** Three significant digits: estimates should not look more precise than they are. */
function sig3(v: number): number {
  if (v === 0) return 0;
  const f = 10 ** (2 - Math.floor(Math.log10(Math.abs(v))));
  return Math.round(v * f) / f;
}

/**
 * The roofline's figures for one replica (reference/recommender.md,
 * "Roofline"): decode at max_num_seqs sequences of mean context
 * prompt + output/2, and one prompt's prefill. fp8 weights are modelled as
 * half the bytes and half the FLOP time of bf16 (fp8 tensor cores).
 */
export function estimatePerformance(
  model: ModelArch,
  gpu: Gpu,
  tp: number,
  precision: Precision,
  maxNumSeqs: number,
  workload: ProfileName = 'chatbot',
): ExpectedPerformance {
  const scaled = { ...model, params_b: (model.params_b * precisions[precision]) / precisions.bf16 };
  const { prompt, output } = profiles[workload];
  const context = prompt.mean + output.mean / 2;
  const decode = stepSeconds(scaled, gpu, tp, { tokens: maxNumSeqs, sequences: maxNumSeqs, context, mfu: gpu.mfu_decode });
  const prefill = stepSeconds(scaled, gpu, tp, { tokens: prompt.mean, sequences: 1, context: prompt.mean, mfu: gpu.mfu_prefill });
  return {
    source: 'roofline-estimate',
    workload,
    concurrency: maxNumSeqs,
    output_tokens_per_s: sig3(maxNumSeqs / decode),
    itl_ms: sig3(decode * 1000),
    ttft_ms: sig3(prefill * 1000),
  };
}
