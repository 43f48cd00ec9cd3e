import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { projectRoot } from '../util/tools.js';

const gpuSchema = z.strictObject({
  hbm_gb_per_s: z.number().positive(),
  bf16_tflops: z.number().positive(),
  memory_gb: z.number().positive(),
  usd_per_hour: z.number().nonnegative(),
  mfu_prefill: z.number().gt(0).lte(1),
  mfu_decode: z.number().gt(0).lte(1),
});
export type Gpu = z.infer<typeof gpuSchema>;

const modelSchema = z.strictObject({
  params_b: z.number().positive(),
  layers: z.number().int().positive(),
  attention_heads: z.number().int().positive(),
  kv_heads: z.number().int().positive(),
  head_dim: z.number().int().positive(),
  hidden: z.number().int().positive(),
});
export type ModelArch = z.infer<typeof modelSchema>;

const catalogFile = <T extends z.ZodType>(item: T) =>
  z.record(z.string(), z.unknown()).transform((raw, ctx) => {
    const out: Record<string, z.infer<T>> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (name.startsWith('$')) continue; // $comment
      const parsed = item.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', path: [name], message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      } else out[name] = parsed.data;
    }
    return out;
  });

/** Reads a catalog file of data/ (an object of named entries; `$` keys are comments), each entry checked by `item`. */
export function readCatalog<T extends z.ZodType>(file: string, item: T): Record<string, z.infer<T>> {
  const path = join(projectRoot, 'data', file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: cannot read the catalog: ${(err as Error).message}`);
  }
  const parsed = catalogFile(item).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

let gpus: Record<string, Gpu> | undefined;
let models: Record<string, ModelArch> | undefined;

/** The GPU catalog (data/gpus.json): bandwidth, peak, memory, price. */
export function gpuCatalog(): Record<string, Gpu> {
  gpus ??= readCatalog('gpus.json', gpuSchema);
  return gpus;
}

/** The model catalog (data/models.json): architecture facts for the roofline. */
export function modelCatalog(): Record<string, ModelArch> {
  models ??= readCatalog('models.json', modelSchema);
  return models;
}
