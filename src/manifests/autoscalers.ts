import { customMetricName } from '../metrics/adapter.js';
import type { ResolvedAutoscaler, ResolvedBehavior, ResolvedScalingRules } from '../matrix/types.js';
import { meta, pairName, quantity, scaledDeploymentName, seconds } from './names.js';
import type { K8sObject, ServingSpec } from './types.js';

/**
 * The autoscaler objects: an autoscaling/v2 HPA on CPU or on a Pods custom
 * metric (served by prometheus-adapter, adapter-rules.ts), or a KEDA
 * ScaledObject with a Prometheus trigger. They scale the serving Deployment
 * (KServe's `<isvc>-predictor` in raw mode). Durations are the resolved
 * matrix's (time_scale applied), rounded to the API's whole seconds.
 */

type Hpa = Extract<ResolvedAutoscaler, { kind: 'hpa-cpu' | 'hpa-custom' | 'keda' }>;

function rules(r: ResolvedScalingRules): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.stabilizationWindowMs !== undefined) out.stabilizationWindowSeconds = seconds(r.stabilizationWindowMs);
  if (r.selectPolicy !== undefined) out.selectPolicy = r.selectPolicy;
  if (r.policies) out.policies = r.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: seconds(p.periodMs, 1) }));
  return out;
}

/** spec.behavior of an HPA; undefined keeps the controller's legacy path (reference/autoscaling.md). */
export function hpaBehavior(b: ResolvedBehavior | undefined): Record<string, unknown> | undefined {
  if (!b) return undefined;
  const out: Record<string, unknown> = {};
  if (b.scaleUp) out.scaleUp = rules(b.scaleUp);
  if (b.scaleDown) out.scaleDown = rules(b.scaleDown);
  return out;
}

function scaleTargetRef(s: ServingSpec): Record<string, string> {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: scaledDeploymentName(s) };
}

/** The metric an HPA reads: CPU utilisation of the request, or the per-pod average of an adapter-served series. */
export function hpaMetric(a: Extract<ResolvedAutoscaler, { kind: 'hpa-cpu' | 'hpa-custom' }>): Record<string, unknown> {
  if (a.kind === 'hpa-cpu') {
    return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetUtilization } } };
  }
  // reference/autoscaling.md: pods.metric.name is the adapter's rename (vllm:x → vllm_x), target AverageValue.
  return { type: 'Pods', pods: { metric: { name: customMetricName(a.metric) }, target: { type: 'AverageValue', averageValue: quantity(a.target) } } };
}

/** An autoscaling/v2 HorizontalPodAutoscaler between replicas.min and replicas.max. */
export function hpaObject(s: ServingSpec, a: Extract<ResolvedAutoscaler, { kind: 'hpa-cpu' | 'hpa-custom' }>): K8sObject {
  const spec: Record<string, unknown> = {
    scaleTargetRef: scaleTargetRef(s),
    minReplicas: s.deployment.replicas.min,
    maxReplicas: s.deployment.replicas.max,
    metrics: [hpaMetric(a)],
  };
  const behavior = hpaBehavior(a.behavior);
  if (behavior) spec.behavior = behavior;
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(s, pairName(s), 'autoscaler'), spec };
}

/** Threshold text for KEDA's metadata (a map of strings): "5", "0.5". */
export function kedaNumber(v: number): string {
  return String(v);
}

/**
 * A KEDA ScaledObject (keda.sh/v1alpha1) with one Prometheus trigger. The
 * query is the matrix's, aggregated (checked before: KEDA needs one element);
 * metricType is left to KEDA's default, AverageValue, so the HPA it creates
 * asks for ceil(value / threshold) replicas.
 */
export function scaledObject(s: ServingSpec, a: Extract<Hpa, { kind: 'keda' }>): K8sObject {
  const spec: Record<string, unknown> = {
    scaleTargetRef: scaleTargetRef(s),
    pollingInterval: seconds(a.pollingIntervalMs, 1),
    cooldownPeriod: seconds(a.cooldownPeriodMs),
    minReplicaCount: a.minReplicas,
    maxReplicaCount: s.deployment.replicas.max,
  };
  if (a.idleReplicas !== undefined) spec.idleReplicaCount = a.idleReplicas;
  if (a.fallback) spec.fallback = { failureThreshold: a.fallback.failureThreshold, replicas: a.fallback.replicas };
  const behavior = hpaBehavior(a.behavior);
  if (behavior) spec.advanced = { horizontalPodAutoscalerConfig: { behavior } };
  spec.triggers = [
    {
      type: 'prometheus',
      name: 'vllm',
      metadata: {
        serverAddress: s.options.prometheusUrl,
        query: a.query,
        threshold: kedaNumber(a.threshold),
        activationThreshold: kedaNumber(a.activationThreshold),
      },
    },
  ];
  return { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: meta(s, pairName(s), 'autoscaler'), spec };
}
