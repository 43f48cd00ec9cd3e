import type { ResolvedAutoscaler } from '../matrix/types.js';
import { hpaBehavior, kedaNumber } from './autoscalers.js';
import { factsAnnotations } from './facts.js';
import { meta, podLabels, workloadName } from './names.js';
import { hfTokenEnv, placement, resources, volumeMounts, volumes, vllmContainer } from './pod.js';
import { huggingfaceArgs } from './vllm-args.js';
import type { K8sObject, ServingSpec } from './types.js';

/**
 * A KServe InferenceService (serving.kserve.io/v1beta1) in raw deployment
 * mode: KServe makes a Deployment `<name>-predictor` and, per
 * `serving.kserve.io/autoscalerClass`, its autoscaler (kserve pkg/constants):
 *   fixed      → `none`: minReplicas = maxReplicas = the start count;
 *   hpa-cpu    → `hpa`: KServe's HPA on CPU (its hpa class serves CPU and memory only);
 *   hpa-custom → `external`: KServe makes no autoscaler; our HPA + adapter rules scale `<name>-predictor`;
 *   keda       → `keda` (KServe ≥ 0.15): autoScaling.metrics External prometheus, from which KServe
 *                builds the ScaledObject (threshold = target.value; keda_reconciler.go). KServe sets
 *                only min/max replicas and the stabilization windows on it: polling interval,
 *                cooldown, idle replicas, fallback and scaling policies stay KEDA's defaults (see kserveNotes).
 */

const ANNOTATION = { mode: 'serving.kserve.io/deploymentMode', autoscaler: 'serving.kserve.io/autoscalerClass' } as const;

function autoscalerClass(a: ResolvedAutoscaler): string {
  switch (a.kind) {
    case 'fixed':
      return 'none';
    case 'hpa-cpu':
      return 'hpa';
    case 'hpa-custom':
      return 'external';
    case 'keda':
      return 'keda';
  }
}

/** minReplicas, maxReplicas and autoScaling of the predictor for each autoscaler. */
function scaling(s: ServingSpec): Record<string, unknown> {
  const a = s.autoscaler;
  const r = s.deployment.replicas;
  switch (a.kind) {
    case 'fixed':
      return { minReplicas: r.start, maxReplicas: r.start };
    case 'hpa-custom':
      // Our HPA does the scaling; KServe only creates the Deployment with this many replicas.
      return { minReplicas: r.start, maxReplicas: r.max };
    case 'hpa-cpu': {
      const metric = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetUtilization } } };
      return withBehavior({ minReplicas: r.min, maxReplicas: r.max, autoScaling: { metrics: [metric] } }, a);
    }
    case 'keda': {
      const metric = {
        type: 'External',
        external: {
          metric: { backend: 'prometheus', serverAddress: s.options.prometheusUrl, query: a.query },
          target: { type: 'Value', value: kedaNumber(a.threshold) },
        },
      };
      return withBehavior({ minReplicas: a.minReplicas, maxReplicas: r.max, autoScaling: { metrics: [metric] } }, a);
    }
  }
}

function withBehavior(spec: Record<string, unknown>, a: Extract<ResolvedAutoscaler, { kind: 'hpa-cpu' | 'keda' }>): Record<string, unknown> {
  const behavior = hpaBehavior(a.behavior);
  if (behavior) (spec.autoScaling as Record<string, unknown>).behavior = behavior;
  return spec;
}

/** The predictor's serving part: the vLLM container, or the huggingface runtime's model spec. */
function server(s: ServingSpec): Record<string, unknown> {
  if (s.options.serving === 'kserve') return { containers: [vllmContainer(s, 'kserve-container')] };
  return {
    model: {
      modelFormat: { name: 'huggingface' },
      args: huggingfaceArgs(s.deployment, workloadName(s)),
      env: hfTokenEnv(s),
      resources: resources(s),
      // The runtime's image, port (8080), paths and probes are the ServingRuntime's.
      volumeMounts: volumeMounts(),
    },
  };
}

/** The InferenceService for a deployment × autoscaler. */
export function inferenceService(s: ServingSpec): K8sObject {
  const annotations = { [ANNOTATION.mode]: s.options.kserveMode, [ANNOTATION.autoscaler]: autoscalerClass(s.autoscaler), ...factsAnnotations(s) };
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: meta(s, workloadName(s), 'server', annotations),
    spec: {
      predictor: {
        ...scaling(s),
        // Propagated to the predictor pods: the monitors and the kubernetes target select on them.
        labels: podLabels(s),
        ...server(s),
        ...placement(s),
        volumes: volumes(),
      },
    },
  };
}

/** What the KServe form cannot say of the autoscaler, for `generate` to print. */
export function kserveNotes(s: ServingSpec): string[] {
  const a = s.autoscaler;
  if (a.kind !== 'keda') return [];
  const lost = [
    a.pollingIntervalMs !== 30_000 && `polling_interval ${a.pollingIntervalMs / 1000}s`,
    a.cooldownPeriodMs !== 300_000 && `cooldown_period ${a.cooldownPeriodMs / 1000}s`,
    a.idleReplicas !== undefined && `idle_replicas ${a.idleReplicas}`,
    a.fallback && `fallback`,
    (a.behavior?.scaleUp?.policies || a.behavior?.scaleDown?.policies) && 'behavior policies',
  ].filter((x): x is string => typeof x === 'string');
  if (!lost.length) return [];
  return [
    `${s.deployment.name}/${a.name}: KServe's keda form sets no ${lost.join(', ')} on the ScaledObject it creates (KEDA's defaults apply); use --serving deployment to keep them`,
  ];
}
