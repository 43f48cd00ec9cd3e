import { describe, expect, it } from 'vitest';
import { projectCatalog } from '../../src/catalog/catalog.js';
import { kvBytesPerToken, simLatency, stepSeconds, weightBytes } from '../../src/sizing/roofline.js';

const llama8b = projectCatalog().models['meta-llama/Llama-3.1-8B-Instruct']!;
const h100 = projectCatalog().gpus.H100!;

describe('roofline (reference/recommender.md)', () => {
  it('KV bytes per token: Llama-3.1-8B in bf16 holds 2 × 32 × 8 × 128 × 2 B = 128 KiB', () => {
    expect(kvBytesPerToken(llama8b)).toBe(128 * 1024);
  });

  it('weights: 8.03 B params in bf16 ≈ 16 GB', () => {
    expect(weightBytes(llama8b)).toBeCloseTo(16.06e9, -7);
  });

  it('decode at batch 1 is bandwidth-bound: weights / HBM bandwidth', () => {
    const s = stepSeconds(llama8b, h100, 1, { tokens: 1, sequences: 1, context: 0, mfu: h100.mfu_decode });
    expect(s).toBeCloseTo(16.06e9 / 3350e9, 6);
  });

  it('prefill of 512 tokens is compute-bound: 2 × params × tokens / (peak × MFU)', () => {
    const s = stepSeconds(llama8b, h100, 1, { tokens: 512, sequences: 1, context: 512, mfu: h100.mfu_prefill });
    expect(s).toBeCloseTo((2 * 8.03e9 * 512) / (989e12 * 0.45), 6);
  });

  it('tensor parallelism divides both terms', () => {
    const one = stepSeconds(llama8b, h100, 1, { tokens: 1, sequences: 1, context: 100, mfu: 0.3 });
    const two = stepSeconds(llama8b, h100, 2, { tokens: 1, sequences: 1, context: 100, mfu: 0.3 });
    expect(two).toBeCloseTo(one / 2, 9);
  });

  it('simulator latencies for the chatbot shape on H100', () => {
    const lat = simLatency(llama8b, h100, 1, 32, 512, 256);
    expect(lat.prefillOverheadMs).toBeCloseTo(4.794, 3);
    expect(lat.prefillPerTokenMs).toBeCloseTo(((2 * 8.03e9) / (989e12 * 0.45)) * 1000, 5);
    // ITL: (16.06 GB + 128 KiB × 640 tokens) / 3350 GB/s
    expect(lat.interTokenMs).toBeCloseTo(((16.06e9 + 131072 * 640) / 3350e9) * 1000, 3);
    // 32 sequences read 32 × 640 tokens of KV cache per step as well as the weights.
    expect(lat.timeFactorUnderLoad).toBeCloseTo((16.06e9 + 32 * 131072 * 640) / (16.06e9 + 131072 * 640), 2);
    expect(lat.timeFactorUnderLoad).toBeGreaterThan(1);
  });
});
