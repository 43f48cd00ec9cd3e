import type { GpuSharing, ResolvedDeployment } from '../matrix/types.js';
import { gpuRequest, type GpuRequest } from './accelerators.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ModelArch } from '../catalog/gpus.js';
import { flagValue, gb, hasFlag, memoryPlan, type MemoryPlan } from './memory.js';

/**
 * The checks made before anything is deployed (the seed's admission
 * controller): memory fit, tensor parallel, vLLM argument consistency and
 * replica bounds. Autoscaler checks are in autoscaler-checks.ts. Each issue
 * names the field (as the matrix spells it) and the numbers.
 */

export type Severity = 'error' | 'warning';

export interface CheckIssue {
  severity: Severity;
  /** The matrix field at fault: `gpu.count`, `vllm.max_num_seqs`, `replicas.min`, `threshold`. */
  field: string;
  message: string;
}

export const error = (field: string, message: string): CheckIssue => ({ severity: 'error', field, message });

/** Flags the generator sets from the deployment's own fields: giving them in extra_args as well is ambiguous. */
const managedFlags = {
  '--max-num-seqs': 'vllm.max_num_seqs',
  '--max-model-len': 'vllm.max_model_len',
  '--max-num-batched-tokens': 'vllm.max_num_batched_tokens',
  '--gpu-memory-utilization': 'vllm.gpu_memory_utilization',
  '--enable-prefix-caching': 'vllm.enable_prefix_caching',
  '--no-enable-prefix-caching': 'vllm.enable_prefix_caching',
  '--model': 'model',
  '--served-model-name': 'model',
  '--port': 'the generator (it sets the port)',
} as const;

/** The sizes that would divide `heads`, up to `limit`, for a hint: "1, 2, 4, 7". */
function divisors(heads: number, limit: number): string {
  return Array.from({ length: limit }, (_, i) => i + 1)
    .filter((n) => heads % n === 0)
    .join(', ');
}

/** Fewest devices (dividing the attention heads) on which one sequence of max_model_len fits, or undefined beyond 64. */
export function minDevices(model: ModelArch, req: GpuRequest, d: ResolvedDeployment): number | undefined {
  for (let n = 1; n <= 64; n++) {
    if (model.attention_heads % n !== 0) continue;
    // The same precision as the deployment, every device in tensor parallel.
    const precision = ['--quantization', '--kv-cache-dtype'].flatMap((f) => {
      const value = flagValue(d.vllm.extraArgs, f);
      return value === undefined ? [] : [`${f}=${value}`];
    });
    const extraArgs = [...precision, `--tensor-parallel-size=${n}`];
    const plan = memoryPlan(model, req.memoryGb, { ...d.vllm, maxNumSeqs: 1, extraArgs, gpuCount: n });
    if (plan.maxSeqsThatFit >= 1) return n;
  }
  return undefined;
}

function memoryIssues(model: ModelArch, req: GpuRequest, d: ResolvedDeployment, plan: MemoryPlan): CheckIssue[] {
  const v = d.vllm;
  const budget = `${gb(plan.usableGb)} one ${req.label} gives vLLM (${req.memoryGb} GB × gpu_memory_utilization ${v.gpuMemoryUtilization})`;
  const perGpu = plan.layout.tp * plan.layout.pp > 1 ? ` per GPU (tensor parallel ${plan.layout.tp}, pipeline parallel ${plan.layout.pp})` : '';
  if (plan.weightsGb + plan.overheadGb > plan.usableGb) {
    const n = minDevices(model, req, d);
    const hint = req.mig
      ? 'use a larger MIG profile or whole GPUs'
      : req.sharing
        ? 'share the GPU fewer ways, or use whole GPUs'
        : n === undefined
          ? 'use a larger GPU'
          : `it needs at least ${n} ${req.label} GPUs`;
    const fp8 = plan.precision === 'fp8' ? '' : ', or fp8 weights (--quantization=fp8)';
    const message = `the weights of ${d.model} (${model.params_b} B parameters in ${plan.precision}) need ${gb(plan.weightsGb)}${perGpu}, plus ${gb(plan.overheadGb)} runtime overhead, more than the ${budget}; ${hint}${fp8}`;
    return [error('gpu.count', message)];
  }
  if (plan.neededGb <= plan.usableGb) return [];
  const tokens = v.maxNumSeqs * v.maxModelLen;
  const head = `KV cache for max_num_seqs × max_model_len = ${v.maxNumSeqs} × ${v.maxModelLen} = ${tokens} tokens needs ${gb(plan.kvGb)}${perGpu} (${plan.kvBytesPerToken} B per token)`;
  const total = `with ${gb(plan.weightsGb)} of weights and ${gb(plan.overheadGb)} overhead that is ${gb(plan.neededGb)}, more than the ${budget}`;
  if (plan.maxSeqsThatFit === 0) {
    const maxLen = Math.floor(((plan.usableGb - plan.weightsGb - plan.overheadGb) * 1e9) / plan.kvBytesPerToken);
    return [
      error(
        'vllm.max_model_len',
        `${head}; ${total}: not even one sequence of ${v.maxModelLen} tokens fits (vLLM refuses to start); lower max_model_len to at most ${maxLen}, or add GPUs`,
      ),
    ];
  }
  return [
    error(
      'vllm.max_num_seqs',
      `${head}; ${total}; at most ${plan.maxSeqsThatFit} sequences of ${v.maxModelLen} tokens fit: lower max_num_seqs to ${plan.maxSeqsThatFit} or max_model_len, or add GPUs`,
    ),
  ];
}

function parallelIssues(model: ModelArch | undefined, req: GpuRequest, d: ResolvedDeployment, plan: MemoryPlan): CheckIssue[] {
  const { tp, pp, dp } = plan.layout;
  const issues: CheckIssue[] = [];
  const count = d.gpu.count;
  if (req.mig && count !== 1) {
    // MIG instances are isolated: NCCL cannot span them, so a replica takes exactly one slice.
    issues.push(error('gpu.count', `expected 1 with MIG profile ${req.mig} (a replica cannot span MIG slices: no tensor parallel across them), got ${count}`));
  }
  if (req.sharing?.mode === 'time-slice' && count !== 1) {
    // NVIDIA device plugin: a pod asking for several time-sliced replicas may get slices of one GPU, with no more compute.
    issues.push(
      error('gpu.count', `expected 1 with time-slicing (several time-sliced replicas may be slices of the same GPU: no more compute or memory), got ${count}`),
    );
  }
  if (count % tp !== 0) {
    issues.push(error('vllm.extra_args', `tensor parallel ${tp} does not divide gpu.count ${count}; use one of ${divisors(count, count)}`));
  } else if (tp * pp * dp !== count) {
    issues.push(
      error(
        'gpu.count',
        `tensor × pipeline × data parallel = ${tp} × ${pp} × ${dp} = ${tp * pp * dp} GPUs, but gpu.count is ${count}: the rest would sit idle`,
      ),
    );
  }
  // vLLM ModelConfig.verify_with_parallel_config: attention heads must divide by the tensor parallel size.
  if (model && model.attention_heads % tp !== 0) {
    const field = flagValue(d.vllm.extraArgs, '--tensor-parallel-size', '-tp') === undefined ? 'gpu.count' : 'vllm.extra_args';
    issues.push(
      error(
        field,
        `tensor parallel ${tp} does not divide the ${model.attention_heads} attention heads of ${d.model} (vLLM refuses to start); use one of ${divisors(model.attention_heads, Math.max(8, tp))}`,
      ),
    );
  }
  // vLLM: the pipeline splits the layers; more stages than layers is refused.
  if (model && pp > model.layers) issues.push(error('vllm.extra_args', `pipeline parallel ${pp} is more than the ${model.layers} layers of ${d.model}`));
  return issues;
}

function vllmIssues(d: ResolvedDeployment): CheckIssue[] {
  const v = d.vllm;
  const issues: CheckIssue[] = [];
  if (!(v.gpuMemoryUtilization > 0 && v.gpuMemoryUtilization <= 1)) {
    issues.push(error('vllm.gpu_memory_utilization', `expected more than 0 and at most 1, got ${v.gpuMemoryUtilization}`));
  }
  if (!(v.maxNumSeqs >= 1)) issues.push(error('vllm.max_num_seqs', `expected at least 1, got ${v.maxNumSeqs}`));
  if (!(v.maxModelLen >= 16)) issues.push(error('vllm.max_model_len', `expected at least 16, got ${v.maxModelLen}`));
  // vllm/config/scheduler.py SchedulerConfig._verify_args.
  if (v.maxNumBatchedTokens !== undefined && v.maxNumBatchedTokens < v.maxNumSeqs) {
    issues.push(
      error(
        'vllm.max_num_batched_tokens',
        `expected at least max_num_seqs (${v.maxNumSeqs}; vLLM schedules at least one token per sequence), got ${v.maxNumBatchedTokens}`,
      ),
    );
  }
  if (v.maxNumBatchedTokens !== undefined && v.maxNumBatchedTokens < v.maxModelLen && hasFlag(v.extraArgs, '--no-enable-chunked-prefill')) {
    issues.push(
      error(
        'vllm.max_num_batched_tokens',
        `expected at least max_model_len (${v.maxModelLen}) with chunked prefill disabled (a prompt is prefilled in one step), got ${v.maxNumBatchedTokens}`,
      ),
    );
  }
  for (const [flag, field] of Object.entries(managedFlags)) {
    if (hasFlag(v.extraArgs, flag)) issues.push(error('vllm.extra_args', `${flag} is set from ${field}: remove it from extra_args`));
  }
  return issues;
}

/** Replica bounds (the HPA's own validation: 1 ≤ minReplicas ≤ maxReplicas, apart from KEDA's scale to zero). */
export function replicaIssues(d: ResolvedDeployment): CheckIssue[] {
  const r = d.replicas;
  const issues: CheckIssue[] = [];
  if (r.max < 1) issues.push(error('replicas.max', `expected at least 1, got ${r.max}`));
  if (r.min < 0) issues.push(error('replicas.min', `expected at least 0, got ${r.min}`));
  if (r.min > r.max) issues.push(error('replicas.min', `expected at most replicas.max (${r.max}), got ${r.min}`));
  else if (r.start < r.min || r.start > r.max)
    issues.push(error('replicas.start', `expected from replicas.min to replicas.max (${r.min} to ${r.max}), got ${r.start}`));
  return issues;
}

/**
 * Every pre-deploy check of one deployment, on the memory of its slice when
 * it shares a GPU (gpu.sharing). A string `sharing` is a recipe's MIG profile
 * (errors name `recipe`). A model missing from data/models.json skips the
 * memory and head checks with a warning; an unknown GPU type is an error.
 */
export function checkDeployment(catalog: Catalog, d: ResolvedDeployment, sharing: GpuSharing | string | undefined = d.gpu.sharing): CheckIssue[] {
  let req: GpuRequest;
  const given = typeof sharing === 'string' ? { mode: 'mig' as const, profile: sharing } : sharing;
  try {
    req = gpuRequest(catalog, d.gpu.type, d.gpu.count, given);
  } catch (err) {
    const field = typeof sharing === 'string' ? 'recipe' : sharing ? 'gpu.sharing' : 'gpu.type';
    return [error(field, (err as Error).message), ...vllmIssues(d), ...replicaIssues(d)];
  }
  const model = catalog.models[d.model];
  const plan = memoryPlan(model ?? { params_b: 0, layers: 1, attention_heads: 1, kv_heads: 1, head_dim: 1, hidden: 1 }, req.memoryGb, {
    ...d.vllm,
    gpuCount: d.gpu.count,
  });
  const issues = [...vllmIssues(d), ...parallelIssues(model, req, d, plan), ...replicaIssues(d)];
  if (!model) {
    issues.push({
      severity: 'warning',
      field: 'model',
      message: `"${d.model}" is not in data/models.json: memory and attention-head checks skipped (add its architecture there)`,
    });
  } else if (!issues.some((i) => i.field === 'gpu.count' || i.field === 'vllm.extra_args')) {
    issues.push(...memoryIssues(model, req, d, plan));
  }
  return issues;
}
