import { RUNTIME_OVERHEAD_GB } from '../sizing/memory.js';
import { PREFIX } from './names.js';
import type { ServingSpec } from './types.js';

/**
 * The facts the admission policy's memory and head rules need, written by
 * the generator as annotations on the workload (Deployment or
 * InferenceService): CEL cannot read data/models.json or data/gpus.json, so
 * the numbers travel with the object. The vLLM settings themselves are read
 * from the container's arguments, so an edited argument is checked too.
 */
export const factKeys = {
  model: `${PREFIX}/model`,
  recipe: `${PREFIX}/recipe`,
  gpu: `${PREFIX}/gpu`,
  gpuResource: `${PREFIX}/gpu-resource`,
  /** Memory vLLM sees on one device (GPU, MIG slice or partition; a time-sliced GPU's whole memory), bytes. */
  gpuMemoryBytes: `${PREFIX}/gpu-memory-bytes`,
  /** Parameters of the model (weights = params × bytes per weight). */
  params: `${PREFIX}/model-params`,
  layers: `${PREFIX}/model-layers`,
  attentionHeads: `${PREFIX}/model-attention-heads`,
  kvHeads: `${PREFIX}/model-kv-heads`,
  headDim: `${PREFIX}/model-head-dim`,
  /** Per-device runtime allowance (src/sizing/memory.ts RUNTIME_OVERHEAD_GB), bytes. */
  overheadBytes: `${PREFIX}/runtime-overhead-bytes`,
} as const;

/** The annotations; the model's architecture only when data/models.json knows it (the policy then skips those rules). */
export function factsAnnotations(s: ServingSpec): Record<string, string> {
  const out: Record<string, string> = {
    [factKeys.model]: s.deployment.model,
    [factKeys.gpu]: s.gpu.label,
    [factKeys.gpuResource]: s.gpu.resource,
    [factKeys.gpuMemoryBytes]: String(Math.round(s.gpu.slice.visibleMemoryGb * 1e9)),
    [factKeys.overheadBytes]: String(Math.round(RUNTIME_OVERHEAD_GB * 1e9)),
  };
  if (s.deployment.recipe !== undefined) out[factKeys.recipe] = s.deployment.recipe;
  const m = s.model;
  if (m) {
    out[factKeys.params] = String(Math.round(m.params_b * 1e9));
    out[factKeys.layers] = String(m.layers);
    out[factKeys.attentionHeads] = String(m.attention_heads);
    out[factKeys.kvHeads] = String(m.kv_heads);
    out[factKeys.headDim] = String(m.head_dim);
  }
  return out;
}
