/**
 * KEDA for one ScaledObject with one Prometheus trigger: the trigger read with
 * fallback, the operator's polling step (activation, cooldown, idle and
 * scale to zero) and the HPA it generates, after kedacore/keda
 * pkg/fallback/fallback.go, pkg/scaling/executor/scale_scaledobjects.go,
 * controllers/keda/hpa.go and apis/keda/v1alpha1/scaledobject_types.go.
 * Pure: state in, decision and state out; times in ms on the caller's clock.
 */
import type { ResolvedAutoscaler, ResolvedBehavior, ResolvedDeployment } from '../../../matrix/types.js';
import { hpaReconcile, newHpaState, type HpaDecision, type HpaSpec, type HpaState } from './hpa.js';
import { isTriggerActive, metricQuantity, promTriggerValue, type PromQueryOutcome } from './prometheus-trigger.js';
import { externalAverageValueReplicas, type CalculatorOptions } from './replica-calculator.js';

export const kedaDefaults = {
  pollingIntervalMs: 30_000,
  cooldownPeriodMs: 300_000,
  initialCooldownPeriodMs: 0,
  minReplicaCount: 0,
  maxReplicaCount: 100,
  activationThreshold: 0,
  ignoreNullValues: true,
} as const;

/** The ScaledObject fields the emulator reads. Durations in ms. */
export interface KedaSpec {
  query: string;
  /** Trigger threshold: the generated HPA's External AverageValue target. */
  threshold: number;
  /** @default 0 */
  activationThreshold?: number;
  /** @default true */
  ignoreNullValues?: boolean;
  /** @default 0 */
  minReplicaCount?: number;
  /** @default 100 */
  maxReplicaCount?: number;
  idleReplicaCount?: number;
  /** @default 300000 ms */
  cooldownPeriodMs?: number;
  /** Grace after creation before a never-active target may go to zero. @default 0 ms */
  initialCooldownPeriodMs?: number;
  /** fallback with the default (static) behavior. */
  fallback?: { failureThreshold: number; replicas: number };
  /** advanced.horizontalPodAutoscalerConfig.behavior; absent = the HPA's legacy path. */
  behavior?: ResolvedBehavior;
}

export interface KedaState {
  /** metadata.creationTimestamp, ms. */
  createdAt: number;
  /** status.lastActiveTime, ms; absent until the trigger was first active. */
  lastActiveTime?: number;
  /** status.health[s0-prometheus].numberOfFailures; only tracked with a valid fallback. */
  failures: number;
  /** The generated HPA's controller memory. */
  hpa: HpaState;
}

export function newKedaState(createdAt: number): KedaState {
  return { createdAt, failures: 0, hpa: newHpaState() };
}

/** The external metric name KEDA gives the first trigger. */
export const KEDA_METRIC_NAME = 's0-prometheus';

/** A trigger read as both loops see it: the served value (after fallback) and activity. */
export type TriggerRead = { value: number; active: boolean; fallback: boolean } | { error: string };

/**
 * HasValidFallback (fallback.go): failureThreshold and replicas at least 0.
 * The CRD's schema rejects negatives on apply, so only a spec built in memory
 * can be invalid; upstream then passes the error through and tracks nothing.
 */
export function hasValidFallback(f: { failureThreshold: number; replicas: number }): boolean {
  return f.failureThreshold >= 0 && f.replicas >= 0;
}

/**
 * One query of the trigger, by either loop (operator poll or HPA sync: upstream
 * both go through GetMetricsWithFallback and share one failure counter).
 * Health is tracked only with a valid fallback (fallback.go
 * GetMetricsWithFallback): then a success resets the counter and an error
 * counts; once the count exceeds failureThreshold the metric is served as
 * fallback.replicas × threshold, so the HPA computes fallback.replicas, and the
 * trigger counts as active. Without a fallback, or with an invalid one, the
 * counter is left as it is and an error passes through.
 */
export function kedaReadTrigger(spec: KedaSpec, state: KedaState, outcome: PromQueryOutcome): { read: TriggerRead; state: KedaState } {
  const v = promTriggerValue(outcome, spec.query, spec.ignoreNullValues ?? kedaDefaults.ignoreNullValues);
  const tracked = spec.fallback !== undefined && hasValidFallback(spec.fallback);
  if ('value' in v) {
    const active = isTriggerActive(v.value, spec.activationThreshold ?? kedaDefaults.activationThreshold);
    return { read: { value: metricQuantity(v.value), active, fallback: false }, state: tracked ? { ...state, failures: 0 } : state };
  }
  if (!tracked) return { read: { error: v.error }, state };
  const fallback = spec.fallback!;
  const failures = state.failures + 1;
  if (failures <= fallback.failureThreshold) return { read: { error: v.error }, state: { ...state, failures } };
  // doFallback: int64(target * 1000 * replicas) milli-units.
  const value = Math.trunc(metricQuantity(spec.threshold) * 1000 * fallback.replicas) / 1000;
  return { read: { value, active: true, fallback: true }, state: { ...state, failures } };
}

export type KedaAction =
  /** Active at 0 (or below min with idle set): scaleFromZeroOrIdle to max(min, 1). */
  | 'activate'
  /** Active above 0: lastActiveTime = now; the HPA does the rest. */
  | 'keepActive'
  /** Inactive past the cooldown: scaleToZeroOrIdle to idle ?? min. */
  | 'deactivate'
  /** Inactive within the cooldown. */
  | 'coolingDown'
  /** Inactive, no idle count, below min: set to min. */
  | 'toMin'
  /** Error with a fallback: wait for the fallback rather than scale to zero. */
  | 'awaitFallback'
  /** Error without a fallback: nothing changes. */
  | 'triggerError'
  | 'none';

/** One operator poll, as the runner writes it to events.jsonl. */
export interface KedaPollDecision {
  /** ms. */
  time: number;
  /** The served trigger value; null on error. */
  value: number | null;
  error?: string;
  active: boolean;
  fallback: boolean;
  action: KedaAction;
  before: number;
  after: number;
}

export interface KedaPollInput {
  /** ms. */
  now: number;
  /** scale.spec.replicas of the target. */
  currentReplicas: number;
  read: TriggerRead;
}

/** RequestScale for a ScaledObject, run every pollingInterval. */
export function kedaPoll(spec: KedaSpec, state: KedaState, input: KedaPollInput): { decision: KedaPollDecision; state: KedaState } {
  const { now, currentReplicas: cur, read } = input;
  const min = spec.minReplicaCount ?? kedaDefaults.minReplicaCount;
  const idle = spec.idleReplicaCount;
  const isError = 'error' in read;
  const active = !isError && read.active;
  const next: KedaState = { ...state };
  const decide = (action: KedaAction, after = cur): { decision: KedaPollDecision; state: KedaState } => {
    const decision: KedaPollDecision = {
      time: now,
      value: isError ? null : read.value,
      active,
      fallback: !isError && read.fallback,
      action,
      before: cur,
      after,
    };
    if (isError) decision.error = read.error;
    return { decision, state: next };
  };

  if (active) {
    next.lastActiveTime = now;
    if ((idle !== undefined && cur < min) || cur === 0) return decide('activate', min > 0 ? min : 1);
    return decide('keepActive');
  }
  if (isError && spec.fallback && spec.fallback.replicas !== 0) return decide('awaitFallback');
  if (isError && !spec.fallback) return decide('triggerError');
  if ((idle !== undefined && cur > idle) || (cur > 0 && min === 0)) {
    // scaleToZeroOrIdle: strictly past lastActiveTime + cooldown, or, never active,
    // past creation + initialCooldownPeriod. Both times are metav1.Time read back from
    // the API server, which keeps whole seconds (RFC 3339): a ScaledObject created at
    // 12.6 s counts as created at 12 s, so with initialCooldownPeriod 0 its first poll
    // already scales to zero.
    const cooled =
      state.lastActiveTime === undefined
        ? wholeSecond(state.createdAt) + (spec.initialCooldownPeriodMs ?? kedaDefaults.initialCooldownPeriodMs) < now
        : wholeSecond(state.lastActiveTime) + (spec.cooldownPeriodMs ?? kedaDefaults.cooldownPeriodMs) < now;
    return cooled ? decide('deactivate', idle ?? min) : decide('coolingDown');
  }
  if (idle === undefined && cur < min) return decide('toMin', min);
  return decide('none');
}

/** A metav1.Time as the API server stores it: whole seconds. */
function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** newHPAForScaledObject: min = max(1, minReplicaCount) (GetHPAMinReplicas), max = maxReplicaCount. */
export function kedaHpaSpec(spec: KedaSpec, downscaleStabilizationWindowMs?: number): HpaSpec {
  const hpa: HpaSpec = {
    minReplicas: Math.max(1, spec.minReplicaCount ?? kedaDefaults.minReplicaCount),
    maxReplicas: spec.maxReplicaCount ?? kedaDefaults.maxReplicaCount,
  };
  if (spec.behavior) hpa.behavior = spec.behavior;
  if (downscaleStabilizationWindowMs !== undefined) hpa.downscaleStabilizationWindowMs = downscaleStabilizationWindowMs;
  return hpa;
}

export interface KedaHpaSyncInput {
  /** ms. */
  now: number;
  /** scale.spec.replicas. */
  currentReplicas: number;
  /** scale.status.replicas, which AverageValue divides by. @default currentReplicas */
  statusReplicas?: number;
  /** This sync's own trigger read (kedaReadTrigger). */
  read: TriggerRead;
}

/** One sync of the generated HPA: External metric s0-prometheus, AverageValue target = threshold. */
export function kedaHpaSync(
  spec: KedaSpec,
  state: KedaState,
  input: KedaHpaSyncInput,
  opts: CalculatorOptions & { downscaleStabilizationWindowMs?: number } = {},
): { decision: HpaDecision; state: KedaState } {
  const { read } = input;
  const proposal =
    'error' in read
      ? { error: `unable to get external metric ${KEDA_METRIC_NAME}: ${read.error}` }
      : externalAverageValueReplicas(
          { statusReplicas: input.statusReplicas ?? input.currentReplicas, target: metricQuantity(spec.threshold), values: [read.value] },
          opts,
        );
  const step = hpaReconcile(kedaHpaSpec(spec, opts.downscaleStabilizationWindowMs), state.hpa, {
    now: input.now,
    currentReplicas: input.currentReplicas,
    metrics: [{ name: KEDA_METRIC_NAME, proposal }],
  });
  return { decision: step.decision, state: { ...state, hpa: step.state } };
}

type KedaAutoscaler = Extract<ResolvedAutoscaler, { kind: 'keda' }>;

/** The ScaledObject a matrix autoscaler stands for: maxReplicaCount from the deployment. */
export function kedaSpecFor(a: KedaAutoscaler, deployment: Pick<ResolvedDeployment, 'replicas'>): KedaSpec {
  const spec: KedaSpec = {
    query: a.query,
    threshold: a.threshold,
    activationThreshold: a.activationThreshold,
    minReplicaCount: a.minReplicas,
    maxReplicaCount: deployment.replicas.max,
    cooldownPeriodMs: a.cooldownPeriodMs,
  };
  if (a.idleReplicas !== undefined) spec.idleReplicaCount = a.idleReplicas;
  if (a.fallback) spec.fallback = a.fallback;
  if (a.behavior) spec.behavior = a.behavior;
  return spec;
}
