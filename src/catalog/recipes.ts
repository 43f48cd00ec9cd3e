import { z } from 'zod';
import { profileNames } from '../load/profiles.js';
import type { ResolvedDeployment } from '../matrix/types.js';
import { precisionNames } from './gpus.js';

/**
 * Recipes: how to run model X on hardware Y, as data (data/recipes/<id>.yaml,
 * one per file, the file named by its id). A matrix deployment names one with
 * `recipe: <id>` (or `recipe: auto`, see select.ts); its vLLM settings fill in
 * what the deployment does not say.
 */

const int = (min: number) => z.number().int().min(min);

export const recipeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'expected lower-case letters, digits, "." or "-"'),
  model: z.string().min(1),
  /** A GPU type of data/gpus.json. */
  hardware: z.string().min(1),
  gpu_count: int(1),
  /** A MIG profile of data/accelerators.json, when a replica takes one slice. */
  mig: z.string().optional(),
  precision: z.enum(precisionNames as ['bf16', 'fp8']),
  engine: z.strictObject({ name: z.literal('vllm'), version: z.string().min(1), image: z.string().min(1).optional() }),
  vllm_args: z.strictObject({
    max_model_len: int(16),
    max_num_seqs: int(1),
    max_num_batched_tokens: int(1).optional(),
    gpu_memory_utilization: z.number().gt(0).lte(1),
    enable_prefix_caching: z.boolean(),
    kv_cache_dtype: z.enum(['auto', 'fp8']).optional(),
    extra_args: z.array(z.string()).optional(),
  }),
  /** Required in data/recipes/ (the recipes test checks); absent only on select.ts's generic default. */
  expected_performance: z
    .strictObject({
      source: z.enum(['roofline-estimate', 'measured']),
      workload: z.enum(profileNames),
      concurrency: int(1),
      output_tokens_per_s: z.number().positive(),
      itl_ms: z.number().positive(),
      ttft_ms: z.number().positive(),
    })
    .optional(),
  notes: z.string().optional(),
});
export type Recipe = z.infer<typeof recipeSchema>;

/** A recipe by id, or undefined. */
export function findRecipe(recipes: readonly Recipe[], id: string): Recipe | undefined {
  return recipes.find((r) => r.id === id);
}

/** The flags a recipe's precision and KV cache type add to vLLM's arguments. */
export function precisionArgs(r: Pick<Recipe, 'precision'> & { vllm_args: Pick<Recipe['vllm_args'], 'kv_cache_dtype'> }): string[] {
  return [...(r.precision === 'fp8' ? ['--quantization=fp8'] : []), ...(r.vllm_args.kv_cache_dtype === 'fp8' ? ['--kv-cache-dtype=fp8'] : [])];
}

/** What a recipe sets of a deployment: GPUs and vLLM settings. */
export interface RecipeFill {
  gpu: ResolvedDeployment['gpu'];
  vllm: ResolvedDeployment['vllm'];
  mig?: string;
}

/** A recipe as deployment settings; its precision becomes `--quantization`/`--kv-cache-dtype` arguments. */
export function recipeFill(r: Recipe): RecipeFill {
  const v = r.vllm_args;
  const vllm: ResolvedDeployment['vllm'] = {
    maxNumSeqs: v.max_num_seqs,
    maxModelLen: v.max_model_len,
    gpuMemoryUtilization: v.gpu_memory_utilization,
    enablePrefixCaching: v.enable_prefix_caching,
    extraArgs: [...precisionArgs(r), ...(v.extra_args ?? [])],
  };
  if (v.max_num_batched_tokens !== undefined) vllm.maxNumBatchedTokens = v.max_num_batched_tokens;
  const fill: RecipeFill = { gpu: { type: r.hardware, count: r.gpu_count }, vllm };
  if (r.mig !== undefined) fill.mig = r.mig;
  return fill;
}
