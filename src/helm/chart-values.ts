import type { ResolvedAutoscaler, ResolvedDeployment } from '../matrix/types.js';
import { pairFiles, servingSpec } from '../manifests/bundle.js';
import { inferenceService } from '../manifests/kserve.js';
import { factsAnnotations } from '../manifests/facts.js';
import { servingPort } from '../manifests/names.js';
import { placement, vllmContainer } from '../manifests/pod.js';
import { servingForms, type K8sObject, type ManifestOptions, type ServingForm } from '../manifests/types.js';
import { huggingfaceArgs, vllmArgs } from '../manifests/vllm-args.js';
import { checkDeployment } from '../sizing/checks.js';
import { flagValue } from '../sizing/memory.js';
import type { Catalog } from '../catalog/catalog.js';
import { recipeFill, type Recipe } from '../catalog/recipes.js';
import { deploymentObject } from '../manifests/workload.js';

/**
 * The chart's values (pure): what users of recipe-aware charts set
 * (auto_select, model_id, overrides, autoscaling, monitoring.enabled,
 * admission_controller.enabled) and the tables the templates read: every
 * recipe as a row (the pieces of the workload it decides: the vLLM container,
 * the facts annotations, placement, and the parts of vLLM's arguments the
 * overrides rebuild), ranked as select.ts ranks them, and the workload of each
 * serving form × autoscaler for the parts no recipe changes.
 */

/** A recipe as a row of the values table. */
export interface RecipeRow {
  model: string;
  hardware: string;
  gpu_count: number;
  precision: string;
  /** The pre-deploy checks pass on the recipe as it is (select.ts rejects it otherwise). */
  fits: boolean;
  /** The extended resource a device is requested as. */
  resource: string;
  /** vLLM's arguments before --tensor-parallel-size, per serving form. */
  args_head: Record<ServingForm, string[]>;
  /** --enable-prefix-caching or --no-enable-prefix-caching. */
  prefix_flag: string;
  /** --kv-cache-dtype=fp8 when the recipe's KV cache is fp8. */
  kv_args: string[];
  /** The recipe's own extra arguments. */
  extra_args: string[];
  /** Tensor parallel given in extra_args (then the override of gpu_count does not add it). */
  tp_in_extra: boolean;
  /** The container (Deployment, kserve) or model block (kserve-hf), per serving form. */
  container: Record<ServingForm, unknown>;
  annotations: Record<string, string>;
  placement: Record<string, unknown>;
}

/** perGpu desc, GPU count asc, id: select.ts's rank. */
function rank(a: Recipe, b: Recipe): number {
  const per = (r: Recipe): number => (r.expected_performance?.output_tokens_per_s ?? 0) / r.gpu_count;
  return per(b) - per(a) || a.gpu_count - b.gpu_count || (a.id < b.id ? -1 : 1);
}

/** The deployment the chart's deployment becomes with recipe `r` (as `recipe: <id>` resolves). */
export function withRecipe(base: ResolvedDeployment, r: Recipe): ResolvedDeployment {
  const fill = recipeFill(r);
  const gpu = fill.mig !== undefined ? { ...fill.gpu, sharing: { mode: 'mig' as const, profile: fill.mig } } : fill.gpu;
  return { ...base, model: r.model, recipe: r.id, gpu, vllm: fill.vllm };
}

function row(catalog: Catalog, base: ResolvedDeployment, r: Recipe, autoscaler: ResolvedAutoscaler, options: ManifestOptions): RecipeRow {
  const d = withRecipe(base, r);
  const forms = Object.fromEntries(servingForms.map((serving) => [serving, servingSpec(catalog, d, autoscaler, { ...options, serving })])) as Record<
    ServingForm,
    ReturnType<typeof servingSpec>
  >;
  const s = forms.deployment;
  const head = (serving: ServingForm): string[] => {
    const spec = forms[serving];
    const all = serving === 'kserve-hf' ? huggingfaceArgs(d, d.name) : vllmArgs(d, servingPort(spec));
    const cut = all.findIndex((a) => a.startsWith('--gpu-memory-utilization='));
    return all.slice(0, cut + 1);
  };
  const hf = inferenceService(forms['kserve-hf']) as unknown as { spec: { predictor: { model: unknown } } };
  return {
    model: r.model,
    hardware: r.hardware,
    gpu_count: r.gpu_count,
    precision: r.precision,
    fits: !checkDeployment(catalog, d).some((i) => i.severity === 'error'),
    resource: s.gpu.resource,
    args_head: { deployment: head('deployment'), kserve: head('kserve'), 'kserve-hf': head('kserve-hf') },
    prefix_flag: d.vllm.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching',
    kv_args: r.vllm_args.kv_cache_dtype === 'fp8' ? ['--kv-cache-dtype=fp8'] : [],
    extra_args: r.vllm_args.extra_args ?? [],
    tp_in_extra: flagValue(d.vllm.extraArgs, '--tensor-parallel-size', '-tp') !== undefined,
    container: { deployment: vllmContainer(s, 'vllm'), kserve: vllmContainer(forms.kserve, 'kserve-container'), 'kserve-hf': hf.spec.predictor.model },
    annotations: factsAnnotations(s),
    placement: placement(s),
  };
}

/** The workload object of each serving form × autoscaler (its recipe parts are replaced by the template). */
function workloads(
  catalog: Catalog,
  d: ResolvedDeployment,
  autoscalers: readonly ResolvedAutoscaler[],
  options: ManifestOptions,
): Record<ServingForm, Record<string, K8sObject>> {
  const out = {} as Record<ServingForm, Record<string, K8sObject>>;
  for (const serving of servingForms) {
    out[serving] = {};
    for (const a of autoscalers) {
      const s = servingSpec(catalog, d, a, { ...options, serving });
      out[serving][a.name] = serving === 'deployment' ? deploymentObject(s) : inferenceService(s);
    }
  }
  return out;
}

/** The other objects of each serving form × autoscaler, by file name (service, autoscaler, monitors, rule, dashboard). */
export function pairObjects(catalog: Catalog, d: ResolvedDeployment, a: ResolvedAutoscaler, options: ManifestOptions): Array<[string, K8sObject]> {
  return pairFiles(servingSpec(catalog, d, a, options)).filter(([file]) => file !== 'deployment.yaml' && file !== 'inferenceservice.yaml');
}

/** Node label → value → GPU type: how the templates tell a node's GPU (data/accelerators.json node_selector). */
export function nodeGpuLabels(catalog: Pick<Catalog, 'accelerators'>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [type, a] of Object.entries(catalog.accelerators)) {
    for (const [key, value] of Object.entries(a.node_selector)) (out[key] ??= {})[value] = type;
  }
  return out;
}

export interface ChartInput {
  /** The chart's deployment: its name, replicas, CPU request; its model and GPU are the defaults of model_id and gpu. */
  deployment: ResolvedDeployment;
  autoscalers: readonly ResolvedAutoscaler[];
  options: ManifestOptions;
  catalog: Catalog;
}

/** values.yaml as data. */
export function chartValues(i: ChartInput): Record<string, unknown> {
  const d = i.deployment;
  const ranked = [...i.catalog.recipes].sort(rank);
  const first = i.autoscalers[0]!;
  return {
    auto_select: true,
    model_id: d.model,
    recipe: d.recipe ?? '',
    gpu: { type: d.gpu.type, count: d.gpu.count },
    precision: flagValue(d.vllm.extraArgs, '--quantization', '-q') === 'fp8' ? 'fp8' : 'bf16',
    overrides: { gpu_count: null, precision: null, backend: 'vllm', vllm_args: [], env_vars: {} },
    serving: i.options.serving,
    autoscaling: { name: first.name, kind: first.kind },
    monitoring: { enabled: true },
    admission_controller: { enabled: true },
    autoscalers: Object.fromEntries(i.autoscalers.map((a) => [a.name, a.kind])),
    node_gpu_labels: nodeGpuLabels(i.catalog),
    recipe_order: ranked.map((r) => r.id),
    recipes: Object.fromEntries(ranked.map((r) => [r.id, row(i.catalog, d, r, first, i.options)])),
    workloads: workloads(i.catalog, d, i.autoscalers, i.options),
  };
}
