import type { Catalog } from '../catalog/catalog.js';
import { precisionNames, type Precision } from '../catalog/gpus.js';
import { recipeFill, type Recipe } from '../catalog/recipes.js';
import { defaults } from '../matrix/defaults.js';
import type { ResolvedDeployment } from '../matrix/types.js';
import { checkDeployment } from './checks.js';
import { estimatePerformance } from './estimate.js';
import { memoryPlan } from './memory.js';

/**
 * Auto-selection: the best recipe for a model on the GPUs available, through
 * a fallback chain, with the reasons for each step. Best = most output
 * tokens/s per GPU (expected_performance), then fewer GPUs, then id.
 */

/** What the caller has: a model, a GPU type, and at most this many GPUs per replica. */
export interface SelectInput {
  model: string;
  gpu: { type: string; count: number };
  /** Preferred weight precision. @default "bf16" */
  precision?: Precision;
}

export const selectionSteps = ['exact', 'other GPU count', 'other precision', 'minimal', 'generic default'] as const;
export type SelectionStep = (typeof selectionSteps)[number];

export type Selection = { ok: true; recipe: Recipe; step: SelectionStep; explanation: string[] } | { ok: false; explanation: string[] };

const perGpu = (r: Recipe): number => (r.expected_performance?.output_tokens_per_s ?? 0) / r.gpu_count;
const rank = (a: Recipe, b: Recipe): number => perGpu(b) - perGpu(a) || a.gpu_count - b.gpu_count || (a.id < b.id ? -1 : 1);

/** The recipe as a deployment, for the checks. */
function asDeployment(r: Recipe): ResolvedDeployment {
  const fill = recipeFill(r);
  return {
    name: r.id,
    model: r.model,
    gpu: fill.mig !== undefined ? { ...fill.gpu, sharing: { mode: 'mig', profile: fill.mig } } : fill.gpu,
    vllm: fill.vllm,
    replicas: { ...defaults.deployment.replicas },
    cpuRequestMillis: defaults.deployment.cpuRequestMillis,
    simulator: { ttftStdevMs: 0, itlStdevMs: 0, startupMs: 0, failureRate: 0 },
  };
}

/** Errors the checks find in a recipe on this hardware ("" when it passes). */
function rejection(catalog: Catalog, r: Recipe): string {
  const errors = checkDeployment(catalog, asDeployment(r)).filter((i) => i.severity === 'error');
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

/**
 * The smallest configuration that fits: fewest GPUs (tensor parallel dividing
 * the attention heads), max_model_len up to the default, as many sequences as
 * fit (at most vLLM's default max_num_seqs).
 */
function minimal(catalog: Catalog, input: SelectInput, precision: Precision): Recipe | undefined {
  const model = catalog.models[input.model];
  const gpu = catalog.gpus[input.gpu.type];
  if (!model || !gpu) return undefined;
  const util = defaults.deployment.gpuMemoryUtilization;
  for (let tp = 1; tp <= input.gpu.count; tp++) {
    if (model.attention_heads % tp !== 0) continue;
    const extraArgs = precision === 'fp8' ? ['--quantization=fp8'] : [];
    const maxModelLen = defaults.deployment.maxModelLen;
    const plan = memoryPlan(model, gpu.memory_gb, {
      maxNumSeqs: 1,
      maxModelLen,
      gpuMemoryUtilization: util,
      extraArgs: [...extraArgs, `--tensor-parallel-size=${tp}`],
      gpuCount: tp,
    });
    if (plan.maxSeqsThatFit < 1) continue;
    const seqs = Math.min(defaults.deployment.maxNumSeqs, plan.maxSeqsThatFit);
    return {
      id: `minimal-${tp}x${input.gpu.type.toLowerCase()}-${precision}`,
      model: input.model,
      hardware: input.gpu.type,
      gpu_count: tp,
      precision,
      engine: { name: 'vllm', version: 'any' },
      vllm_args: { max_model_len: maxModelLen, max_num_seqs: seqs, gpu_memory_utilization: util, enable_prefix_caching: true },
      expected_performance: estimatePerformance(model, gpu, tp, precision, seqs),
      notes: 'derived from data/models.json: no recipe matched',
    };
  }
  return undefined;
}

function generic(input: SelectInput, precision: Precision): Recipe {
  const d = defaults.deployment;
  return {
    id: 'generic-default',
    model: input.model,
    hardware: input.gpu.type,
    gpu_count: input.gpu.count,
    precision,
    engine: { name: 'vllm', version: 'any' },
    vllm_args: {
      max_model_len: d.maxModelLen,
      max_num_seqs: d.maxNumSeqs,
      gpu_memory_utilization: d.gpuMemoryUtilization,
      enable_prefix_caching: d.enablePrefixCaching,
    },
    notes: 'vLLM defaults; the model is not in data/models.json, so nothing was checked',
  };
}

function describe(r: Recipe): string {
  const perf = r.expected_performance ? `, ${perGpu(r)} output tokens/s per GPU (${r.expected_performance.source})` : '';
  return `${r.id} (${r.gpu_count} × ${r.hardware}${r.mig ? ` MIG ${r.mig}` : ''}, ${r.precision}${perf})`;
}

/** Picks a recipe for `input` among `recipes` (the catalog's, unless given), explaining each step of the chain it went through. */
export function selectRecipe(catalog: Catalog, input: SelectInput, recipes: readonly Recipe[] = catalog.recipes): Selection {
  const want = input.precision ?? 'bf16';
  const others = precisionNames.filter((p) => p !== want);
  const explanation: string[] = [];
  const forModel = recipes.filter((r) => r.model === input.model && r.hardware === input.gpu.type);
  const where = `${input.model} on ${input.gpu.type} (at most ${input.gpu.count} per replica)`;
  explanation.push(`${forModel.length} recipe${forModel.length === 1 ? '' : 's'} for ${where}`);
  const steps: Array<[SelectionStep, (r: Recipe) => boolean]> = [
    ['exact', (r) => r.precision === want && r.gpu_count === input.gpu.count],
    ['other GPU count', (r) => r.precision === want && r.gpu_count < input.gpu.count],
    ['other precision', (r) => r.precision !== want && r.gpu_count <= input.gpu.count],
  ];
  for (const [step, match] of steps) {
    const candidates = forModel.filter(match);
    const fitting = candidates.filter((r) => {
      const why = rejection(catalog, r);
      if (why) explanation.push(`${step}: ${r.id} rejected: ${why}`);
      return !why;
    });
    if (fitting.length === 0) {
      explanation.push(`${step}: no recipe${candidates.length ? ' that passes the checks' : ''}`);
      continue;
    }
    const [best, ...rest] = [...fitting].sort(rank);
    const over = rest.length ? `, ahead of ${rest.map((r) => r.id).join(', ')}` : '';
    explanation.push(`${step}: picked ${describe(best!)}${over}`);
    return { ok: true, recipe: best!, step, explanation };
  }
  for (const precision of [want, ...others]) {
    const r = minimal(catalog, input, precision);
    if (r) {
      explanation.push(`minimal: picked ${describe(r)}, the fewest GPUs that hold the weights and max_model_len ${r.vllm_args.max_model_len}`);
      return { ok: true, recipe: r, step: 'minimal', explanation };
    }
  }
  if (catalog.models[input.model] && catalog.gpus[input.gpu.type]) {
    explanation.push(
      `minimal: ${input.model} does not fit on ${input.gpu.count} × ${input.gpu.type} in ${[want, ...others].join(' or ')}: add GPUs or pick a larger GPU`,
    );
    return { ok: false, explanation };
  }
  const r = generic(input, want);
  explanation.push(
    `generic default: ${input.model} is not in data/models.json, so nothing can be sized or checked: vLLM's defaults on ${input.gpu.count} × ${input.gpu.type}`,
  );
  return { ok: true, recipe: r, step: 'generic default', explanation };
}
