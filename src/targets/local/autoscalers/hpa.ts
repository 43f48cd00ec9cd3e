/**
 * One reconcile of the HPA v2 controller, after kubernetes/kubernetes
 * pkg/controller/podautoscaler/horizontal.go (reconcileAutoscaler,
 * computeReplicasForMetrics, normalizeDesiredReplicas[WithBehaviors],
 * stabilizeRecommendation, convertDesiredReplicasWithRules, storeScaleEvent).
 * Pure and deterministic: the controller's memory is a plain HpaState passed in
 * and returned updated; `now` is the caller's clock in ms.
 */
import { defaults } from '../../../matrix/defaults.js';
import type { ResolvedAutoscaler, ResolvedBehavior, ResolvedDeployment } from '../../../matrix/types.js';
import { applyRateLimits, longestPeriodMs, stabilizeWithBehavior, withBehaviorDefaults, type ScaleEvent, type TimedRecommendation } from './behavior.js';
import { isProposalError, type Proposal } from './replica-calculator.js';

export const hpaDefaults = {
  /** --horizontal-pod-autoscaler-downscale-stabilization. */
  downscaleStabilizationWindowMs: defaults.controllers.downscaleStabilizationWindowMs,
  /** scaleUpLimitFactor and scaleUpLimitMinimum of the legacy path. */
  scaleUpLimitFactor: 2,
  scaleUpLimitMinimum: 4,
} as const;

export interface HpaSpec {
  /** spec.minReplicas. @default 1 */
  minReplicas?: number;
  /** spec.maxReplicas. */
  maxReplicas: number;
  /** spec.behavior; absent = the legacy path. */
  behavior?: ResolvedBehavior;
  /** The controller flag, used by the legacy path and as the default scale-down window. @default 300000 ms */
  downscaleStabilizationWindowMs?: number;
}

/** What the controller remembers between syncs for one HPA. */
export interface HpaState {
  /** recordInitialRecommendation ran (the first sync seeds the current count). */
  seeded: boolean;
  recommendations: TimedRecommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export function newHpaState(): HpaState {
  return { seeded: false, recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
}

/** One metric of spec.metrics with its proposal from replica-calculator.ts. */
export interface MetricObservation {
  name: string;
  proposal: Proposal;
}

export interface HpaSyncInput {
  /** ms. */
  now: number;
  /** scale.spec.replicas. */
  currentReplicas: number;
  metrics: readonly MetricObservation[];
}

export type LimitReason =
  /** currentReplicas 0 and minReplicas not 0: ScalingActive=False, ScalingDisabled. */
  | 'scalingDisabled'
  /** All metrics failed, or some failed and the rest would scale below spec.replicas. */
  | 'invalidMetrics'
  | 'maxReplicas'
  | 'minReplicas'
  | 'scaleUpLimit'
  | 'scaleDownLimit'
  | 'scaleUpStabilization'
  | 'scaleDownStabilization';

/** One sync, as the runner writes it to events.jsonl. */
export interface HpaDecision {
  /** ms. */
  time: number;
  metrics: { name: string; value: number | null; proposal: number | null; error?: string }[];
  /** Max over valid metric proposals; null when the controller did not consult metrics or none was usable. */
  proposal: number | null;
  /** After the stabilization window, before rate limits and bounds; null like proposal. */
  stabilized: number | null;
  /** What held `after` away from `proposal`, the last rule that did. */
  limitedBy?: LimitReason;
  /** The first metric error, when metrics failed. */
  error?: string;
  before: number;
  after: number;
}

export interface HpaStep {
  decision: HpaDecision;
  state: HpaState;
}

/**
 * computeReplicasForMetrics: the largest valid proposal. All invalid, or some
 * invalid and the largest below spec.replicas, is an error: no scaling.
 */
export function combineProposals(metrics: readonly MetricObservation[], specReplicas: number): { replicas: number } | { error: string } {
  let replicas = 0;
  let firstError: string | undefined;
  let invalid = 0;
  for (const m of metrics) {
    if (isProposalError(m.proposal)) {
      firstError ??= `${m.name}: ${m.proposal.error}`;
      invalid++;
    } else if (m.proposal.replicas > replicas) {
      replicas = m.proposal.replicas;
    }
  }
  if (metrics.length === 0) return { error: 'no metrics' };
  if (invalid >= metrics.length || (invalid > 0 && replicas < specReplicas)) return { error: firstError! };
  return { replicas };
}

/** Runs one sync of the HPA. The caller applies `decision.after` to the workload. */
export function hpaReconcile(spec: HpaSpec, state: HpaState, input: HpaSyncInput): HpaStep {
  const { now, currentReplicas: cur } = input;
  const min = spec.minReplicas ?? 1;
  const max = spec.maxReplicas;
  const window = spec.downscaleStabilizationWindowMs ?? hpaDefaults.downscaleStabilizationWindowMs;
  const next: HpaState = {
    seeded: true,
    // recordInitialRecommendation: the first sync remembers the current count.
    recommendations: state.seeded ? [...state.recommendations] : [{ time: now, replicas: cur }],
    scaleUpEvents: [...state.scaleUpEvents],
    scaleDownEvents: [...state.scaleDownEvents],
  };
  const decision: HpaDecision = {
    time: now,
    metrics: input.metrics.map(({ name, proposal: p }) =>
      isProposalError(p) ? { name, value: null, proposal: null, error: p.error } : { name, value: p.value, proposal: p.replicas },
    ),
    proposal: null,
    stabilized: null,
    before: cur,
    after: cur,
  };
  const done = (after: number, limitedBy?: LimitReason): HpaStep => {
    decision.after = after;
    if (limitedBy) decision.limitedBy = limitedBy;
    if (after !== cur && spec.behavior) storeScaleEvent(next, spec.behavior, window, cur, after, now);
    return { decision, state: next };
  };

  if (cur === 0 && min !== 0) return done(0, 'scalingDisabled');
  if (cur > max) return done(max, 'maxReplicas');
  if (cur < min) return done(min, 'minReplicas');

  const combined = combineProposals(input.metrics, cur);
  if ('error' in combined) {
    decision.error = combined.error;
    return done(cur, 'invalidMetrics');
  }
  const d = combined.replicas;
  decision.proposal = d;

  if (!spec.behavior) {
    // stabilizeRecommendation: the highest recommendation not before now - window.
    next.recommendations = next.recommendations.filter((r) => r.time >= now - window);
    const stabilized = Math.max(d, ...next.recommendations.map((r) => r.replicas));
    next.recommendations.push({ time: now, replicas: d });
    decision.stabilized = stabilized;
    const limited = legacyBounds(cur, stabilized, min, max);
    return done(limited.replicas, limited.limitedBy ?? (stabilized !== d ? 'scaleDownStabilization' : undefined));
  }

  const b = withBehaviorDefaults(spec.behavior, window);
  const stabilized = stabilizeWithBehavior(next.recommendations, d, cur, now, b);
  // A record older than both windows is never read again (upstream reuses its slot).
  const keepAfter = now - Math.max(b.scaleUp.stabilizationWindowMs, b.scaleDown.stabilizationWindowMs);
  next.recommendations = next.recommendations.filter((r) => r.time >= keepAfter);
  next.recommendations.push({ time: now, replicas: d });
  decision.stabilized = stabilized;
  const stabilizedBy: LimitReason | undefined = stabilized === d ? undefined : d >= cur ? 'scaleUpStabilization' : 'scaleDownStabilization';
  const limited = applyRateLimits(stabilized, cur, { min, max }, next.scaleUpEvents, next.scaleDownEvents, b, now);
  return done(limited.replicas, limited.limitedBy ?? stabilizedBy);
}

/**
 * convertDesiredReplicasWithRules (legacy path): at least min; at most max and
 * max(2 * current, 4) — calculateScaleUpLimit.
 */
function legacyBounds(cur: number, desired: number, min: number, max: number): { replicas: number; limitedBy?: LimitReason } {
  const upLimit = Math.max(hpaDefaults.scaleUpLimitFactor * cur, hpaDefaults.scaleUpLimitMinimum);
  const [allowed, reason]: [number, LimitReason] = max > upLimit ? [upLimit, 'scaleUpLimit'] : [max, 'maxReplicas'];
  if (desired < min) return { replicas: min, limitedBy: 'minReplicas' };
  if (desired > allowed) return { replicas: allowed, limitedBy: reason };
  return { replicas: desired };
}

/** storeScaleEvent: only with a behavior; events past the longest policy period are dropped. */
function storeScaleEvent(state: HpaState, behavior: ResolvedBehavior, windowMs: number, before: number, after: number, now: number): void {
  const b = withBehaviorDefaults(behavior, windowMs);
  if (after > before) {
    const keepAfter = now - longestPeriodMs(b.scaleUp);
    state.scaleUpEvents = [...state.scaleUpEvents.filter((e) => e.time >= keepAfter), { time: now, change: after - before }];
  } else {
    const keepAfter = now - longestPeriodMs(b.scaleDown);
    state.scaleDownEvents = [...state.scaleDownEvents.filter((e) => e.time >= keepAfter), { time: now, change: before - after }];
  }
}

type HpaAutoscaler = Extract<ResolvedAutoscaler, { kind: 'hpa-cpu' | 'hpa-custom' }>;

/** The HPA a matrix autoscaler stands for: bounds from the deployment's replicas. */
export function hpaSpecFor(a: HpaAutoscaler, deployment: Pick<ResolvedDeployment, 'replicas'>): HpaSpec {
  const spec: HpaSpec = { minReplicas: deployment.replicas.min, maxReplicas: deployment.replicas.max };
  if (a.behavior) spec.behavior = a.behavior;
  return spec;
}
