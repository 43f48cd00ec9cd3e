import { z } from 'zod';

/** One entry of data/gpus.json: bandwidth, peak, memory, price and the MFU the roofline assumes. */
export const gpuSchema = z.strictObject({
  hbm_gb_per_s: z.number().positive(),
  bf16_tflops: z.number().positive(),
  memory_gb: z.number().positive(),
  usd_per_hour: z.number().nonnegative(),
  mfu_prefill: z.number().gt(0).lte(1),
  mfu_decode: z.number().gt(0).lte(1),
});
export type Gpu = z.infer<typeof gpuSchema>;

/** One entry of data/models.json: the architecture facts the roofline and the memory checks need. */
export const modelSchema = z.strictObject({
  params_b: z.number().positive(),
  layers: z.number().int().positive(),
  attention_heads: z.number().int().positive(),
  kv_heads: z.number().int().positive(),
  head_dim: z.number().int().positive(),
  hidden: z.number().int().positive(),
});
export type ModelArch = z.infer<typeof modelSchema>;

/** Bytes per weight for each precision scalebench generates (bf16 checkpoints; fp8 = vLLM's online `--quantization fp8`). */
export const precisions = { bf16: 2, fp8: 1 } as const;
export type Precision = keyof typeof precisions;
export const precisionNames = Object.keys(precisions) as Precision[];
