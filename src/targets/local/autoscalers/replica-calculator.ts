/**
 * Per-metric replica proposals of the HPA v2 controller, after kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go. Pure: observations in,
 * a proposal out; "no metrics" is a returned error, never a throw.
 *
 * Values travel as integer milli-units, as upstream's int64 MilliValue()s do, so
 * integer divisions truncate where upstream's do.
 */
import { groupPods, readyPodCount, type PodInfo, type PodSamples, type ReadinessOptions } from './pods.js';

export interface CalculatorOptions extends ReadinessOptions {
  /** --horizontal-pod-autoscaler-tolerance, both directions. @default 0.1 */
  tolerance?: number;
}

export const calculatorDefaults = { tolerance: 0.1 } as const;

export interface ReplicaProposal {
  replicas: number;
  /** current / target, before missing or unready pods are filled in. */
  ratio: number;
  /** The ratio recomputed with missing and unready pods filled in, when that path ran. */
  adjustedRatio?: number;
  /**
   * The metric's current value as the HPA status shows it: utilization in % (CPU),
   * the per-pod average (Pods), the total (External Value) or total / status.replicas
   * (External AverageValue), in the metric's unit.
   */
  value: number;
}
export type Proposal = ReplicaProposal | { error: string };

export function isProposalError(p: Proposal): p is { error: string } {
  return 'error' in p;
}

/** Tolerances.isWithin: (1 - tolerance) <= ratio <= (1 + tolerance). */
export function isWithinTolerance(ratio: number, tolerance: number = calculatorDefaults.tolerance): boolean {
  return 1 - tolerance <= ratio && ratio <= 1 + tolerance;
}

/** Quantity.MilliValue() rounds up; the inner round drops float noise (0.1 * 1000). */
export function toMilli(value: number): number {
  return Math.ceil(Math.round(value * 1e6) / 1000);
}

const NO_PODS = 'no pods returned by selector while calculating replica count';
const NO_METRICS = 'did not receive metrics for targeted pods (pods might be unready)';

/**
 * The shared body of GetResourceReplicas and calcPlainMetricReplicas: the fast
 * path, then missing pods filled per direction, unready pods set to 0 on scale
 * up, the recompute, and the two direction-reversal guards.
 */
function plainReplicas(
  currentReplicas: number,
  metrics: Map<string, number>,
  groups: { counted: string[]; unready: string[]; missing: string[] },
  ratioOf: (m: Map<string, number>) => number,
  missingOnScaleDown: (pod: string) => number,
  tolerance: number,
): { replicas: number; ratio: number; adjustedRatio?: number } {
  const ratio = ratioOf(metrics);
  const scaleUpWithUnready = groups.unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.length === 0) {
    if (isWithinTolerance(ratio, tolerance)) return { replicas: currentReplicas, ratio };
    return { replicas: Math.ceil(ratio * groups.counted.length), ratio };
  }
  // At ratio exactly 1 missing pods stay out of the recompute (upstream's `else if`).
  for (const pod of groups.missing) {
    if (ratio < 1) metrics.set(pod, missingOnScaleDown(pod));
    else if (ratio > 1) metrics.set(pod, 0);
  }
  if (scaleUpWithUnready) for (const pod of groups.unready) metrics.set(pod, 0);
  const adjustedRatio = ratioOf(metrics);
  const reversed = (ratio < 1 && adjustedRatio > 1) || (ratio > 1 && adjustedRatio < 1);
  if (isWithinTolerance(adjustedRatio, tolerance) || reversed) return { replicas: currentReplicas, ratio, adjustedRatio };
  const replicas = Math.ceil(adjustedRatio * metrics.size);
  // The larger pod count may still point the other way: keep current.
  if ((adjustedRatio < 1 && replicas > currentReplicas) || (adjustedRatio > 1 && replicas < currentReplicas)) {
    return { replicas: currentReplicas, ratio, adjustedRatio };
  }
  return { replicas, ratio, adjustedRatio };
}

function countedSamples(samples: PodSamples, counted: readonly string[], scale: (v: number) => number): Map<string, number> {
  return new Map(counted.map((name) => [name, scale(samples[name]!.value)]));
}

export interface ResourceUtilizationInput {
  /** scale.spec.replicas. */
  currentReplicas: number;
  /** target.averageUtilization, % of the request. */
  targetUtilization: number;
  pods: readonly PodInfo[];
  /** CPU usage per pod, millicores. */
  usage: PodSamples;
  /** CPU request per pod in millicores, one number for all pods or one per pod. */
  requestMillis: number | Readonly<Record<string, number>>;
  now: number;
}

/** Resource metric, Utilization target: GetResourceReplicas for CPU. */
export function resourceUtilizationReplicas(input: ResourceUtilizationInput, opts: CalculatorOptions = {}): Proposal {
  const { pods, usage, targetUtilization } = input;
  if (pods.length === 0) return { error: NO_PODS };
  const groups = groupPods(pods, usage, input.now, true, opts);
  if (groups.counted.length === 0) return { error: NO_METRICS };
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const r = typeof input.requestMillis === 'number' ? input.requestMillis : input.requestMillis[pod.name];
    if (r === undefined) return { error: `missing request for cpu in Pod ${pod.name}` };
    requests.set(pod.name, Math.ceil(r));
  }
  // metrics.GetResourceUtilizationRatio: int(100 * sum(usage) / sum(request)) / target.
  const utilization = (m: Map<string, number>): number => {
    let used = 0;
    let requested = 0;
    for (const [pod, v] of m) {
      used += v;
      requested += requests.get(pod)!;
    }
    return requested === 0 ? NaN : Math.trunc((used * 100) / requested);
  };
  const metrics = countedSamples(usage, groups.counted, (v) => Math.ceil(v));
  const current = utilization(metrics);
  if (Number.isNaN(current)) return { error: 'no metrics returned matched known pods' };
  // A missing pod is taken to use max(100, target)% of its request on a scale down (int64 arithmetic).
  const fallbackPct = Math.max(100, targetUtilization);
  const r = plainReplicas(
    input.currentReplicas,
    metrics,
    groups,
    (m) => utilization(m) / targetUtilization,
    (pod) => Math.trunc((requests.get(pod)! * fallbackPct) / 100),
    opts.tolerance ?? calculatorDefaults.tolerance,
  );
  return { ...r, value: current };
}

export interface PodsAverageValueInput {
  /** scale.spec.replicas. */
  currentReplicas: number;
  /** target.averageValue per pod, in the metric's unit (e.g. 5 waiting requests). */
  target: number;
  pods: readonly PodInfo[];
  samples: PodSamples;
  now: number;
}

/** Pods metric, AverageValue target: GetMetricReplicas → calcPlainMetricReplicas. */
export function podsAverageValueReplicas(input: PodsAverageValueInput, opts: CalculatorOptions = {}): Proposal {
  if (input.pods.length === 0) return { error: NO_PODS };
  const groups = groupPods(input.pods, input.samples, input.now, false, opts);
  if (groups.counted.length === 0) return { error: NO_METRICS };
  const target = toMilli(input.target);
  // metrics.GetMetricUsageRatio: the average is an int64 division.
  const average = (m: Map<string, number>): number => Math.trunc([...m.values()].reduce((a, b) => a + b, 0) / m.size);
  const metrics = countedSamples(input.samples, groups.counted, toMilli);
  const current = average(metrics);
  const r = plainReplicas(
    input.currentReplicas,
    metrics,
    groups,
    (m) => average(m) / target,
    () => target, // on a scale down a missing pod is taken to be exactly at target
    opts.tolerance ?? calculatorDefaults.tolerance,
  );
  return { ...r, value: current / 1000 };
}

export interface ExternalValueInput {
  /** scale.spec.replicas. */
  currentReplicas: number;
  /** target.value, in the metric's unit. */
  target: number;
  /** Every series the external metrics API returned; they are summed. */
  values: readonly number[];
  /** For the ready-pod count the ratio multiplies. */
  pods: readonly PodInfo[];
}

/** External metric, Value target: GetExternalMetricReplicas → getUsageRatioReplicaCount. */
export function externalValueReplicas(input: ExternalValueInput, opts: CalculatorOptions = {}): Proposal {
  if (input.values.length === 0) return { error: 'no metrics returned from external metrics API' };
  const usage = input.values.reduce((a, v) => a + toMilli(v), 0);
  const ratio = usage / toMilli(input.target);
  const value = usage / 1000;
  // At zero replicas neither tolerance nor pods apply: ceil(ratio) scales from or to zero.
  if (input.currentReplicas === 0) return { replicas: Math.ceil(ratio), ratio, value };
  if (isWithinTolerance(ratio, opts.tolerance)) return { replicas: input.currentReplicas, ratio, value };
  if (input.pods.length === 0) return { error: `unable to calculate ready pods: ${NO_PODS}` };
  return { replicas: Math.ceil(ratio * readyPodCount(input.pods)), ratio, value };
}

export interface ExternalAverageValueInput {
  /** scale.status.replicas (not spec). */
  statusReplicas: number;
  /** target.averageValue, in the metric's unit (KEDA: the trigger's threshold). */
  target: number;
  /** Every series the external metrics API returned; they are summed. */
  values: readonly number[];
}

/** External metric, AverageValue target (what KEDA generates): GetExternalPerPodMetricReplicas. */
export function externalAverageValueReplicas(input: ExternalAverageValueInput, opts: CalculatorOptions = {}): Proposal {
  if (input.values.length === 0) return { error: 'no metrics returned from external metrics API' };
  const usage = input.values.reduce((a, v) => a + toMilli(v), 0);
  const target = toMilli(input.target);
  const ratio = usage / (target * input.statusReplicas);
  // With status.replicas 0 the ratio is Infinity or NaN, never within: ceil(total/target).
  const replicas = isWithinTolerance(ratio, opts.tolerance) ? input.statusReplicas : Math.ceil(usage / target);
  const perPod = input.statusReplicas > 0 ? Math.ceil(usage / input.statusReplicas) : usage;
  return { replicas, ratio, value: perPod / 1000 };
}
