/**
 * The HPA's spec.behavior path: defaults for a partly given behavior, the
 * two-sided stabilization window and the Pods/Percent rate limits, after
 * kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go
 * (stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithBehaviorRate,
 * calculateScaleUpLimitWithScalingRules, calculateScaleDownLimitWithBehaviors,
 * getReplicasChangePerPeriod) and pkg/apis/autoscaling/v2/defaults.go.
 * All times in ms.
 */
import type { ResolvedBehavior, ResolvedPolicy, ResolvedScalingRules } from '../../../matrix/types.js';

export interface FullScalingRules {
  stabilizationWindowMs: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ResolvedPolicy[];
}
export interface FullBehavior {
  scaleUp: FullScalingRules;
  scaleDown: FullScalingRules;
}

/** A replica recommendation the controller remembers, ms. */
export interface TimedRecommendation {
  time: number;
  replicas: number;
}
/** A scale the controller made: `change` replicas added (up list) or removed (down list). */
export interface ScaleEvent {
  time: number;
  change: number;
}

/**
 * Fills what a behavior leaves out, field by field, as API defaulting does when
 * spec.behavior is set (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules):
 * scale up: window 0, Pods 4 per 15 s and Percent 100 per 15 s, Max;
 * scale down: window = the controller's downscale stabilization (maybeInitScaleDownStabilizationWindow),
 * Percent 100 per 15 s, Max.
 */
export function withBehaviorDefaults(b: ResolvedBehavior, downscaleStabilizationWindowMs: number): FullBehavior {
  const fill = (r: ResolvedScalingRules | undefined, windowMs: number, policies: ResolvedPolicy[]): FullScalingRules => ({
    stabilizationWindowMs: r?.stabilizationWindowMs ?? windowMs,
    selectPolicy: r?.selectPolicy ?? 'Max',
    // Validation rejects an empty list; treat one like an absent list.
    policies: r?.policies?.length ? r.policies : policies,
  });
  return {
    scaleUp: fill(b.scaleUp, 0, [
      { type: 'Pods', value: 4, periodMs: 15_000 },
      { type: 'Percent', value: 100, periodMs: 15_000 },
    ]),
    scaleDown: fill(b.scaleDown, downscaleStabilizationWindowMs, [{ type: 'Percent', value: 100, periodMs: 15_000 }]),
  };
}

/**
 * stabilizeRecommendationWithBehaviors: the lowest recommendation within the
 * scale-up window and the highest within the scale-down window bound the
 * result, starting from the current count. A record counts when strictly
 * after now - window (time.After). `desired` takes part as a fresh record.
 */
export function stabilizeWithBehavior(history: readonly TimedRecommendation[], desired: number, current: number, now: number, b: FullBehavior): number {
  let up = desired;
  let down = desired;
  for (const rec of history) {
    if (rec.time > now - b.scaleUp.stabilizationWindowMs) up = Math.min(up, rec.replicas);
    if (rec.time > now - b.scaleDown.stabilizationWindowMs) down = Math.max(down, rec.replicas);
  }
  let s = current;
  if (s < up) s = up;
  if (s > down) s = down;
  return s;
}

/** getReplicasChangePerPeriod: replicas changed by events strictly after now - period. */
function changedWithin(events: readonly ScaleEvent[], periodMs: number, now: number): number {
  return events.filter((e) => e.time > now - periodMs).reduce((sum, e) => sum + e.change, 0);
}

function periodStart(current: number, p: ResolvedPolicy, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], now: number): number {
  return current - changedWithin(ups, p.periodMs, now) + changedWithin(downs, p.periodMs, now);
}

/**
 * calculateScaleUpLimitWithScalingRules: per policy, the replica count at the start
 * of its period plus Pods value, or times (1 + Percent/100) rounded up; Max picks
 * the largest, Min the smallest, Disabled returns current.
 */
export function scaleUpLimit(current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: FullScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = periodStart(current, p, ups, downs, now);
    return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/**
 * calculateScaleDownLimitWithBehaviors: per policy, the count at the start of its
 * period minus Pods value, or times (1 - Percent/100) truncated (int32()); Max
 * (the biggest change) picks the smallest count, Min the largest, Disabled returns current.
 */
export function scaleDownLimit(current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: FullScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = periodStart(current, p, ups, downs, now);
    return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
}

export type RateLimit = 'scaleUpLimit' | 'maxReplicas' | 'scaleDownLimit' | 'minReplicas';

/**
 * convertDesiredReplicasWithBehaviorRate: bounds a stabilized count by the rate
 * limits and by [min, max]. A limit on the wrong side of current is pulled back to
 * current ("shouldn't scale further until the events are cleaned up").
 */
export function applyRateLimits(
  stabilized: number,
  current: number,
  bounds: { min: number; max: number },
  ups: readonly ScaleEvent[],
  downs: readonly ScaleEvent[],
  b: FullBehavior,
  now: number,
): { replicas: number; limitedBy?: RateLimit } {
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, ups, downs, b.scaleUp, now), current);
    const [allowed, reason]: [number, RateLimit] = bounds.max > limit ? [limit, 'scaleUpLimit'] : [bounds.max, 'maxReplicas'];
    if (stabilized > allowed) return { replicas: allowed, limitedBy: reason };
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, ups, downs, b.scaleDown, now), current);
    const [allowed, reason]: [number, RateLimit] = bounds.min < limit ? [limit, 'scaleDownLimit'] : [bounds.min, 'minReplicas'];
    if (stabilized < allowed) return { replicas: allowed, limitedBy: reason };
  }
  return { replicas: stabilized };
}

/** The longest policy period: events older than it never count again (markScaleEventsOutdated). */
export function longestPeriodMs(rules: FullScalingRules): number {
  return Math.max(0, ...rules.policies.map((p) => p.periodMs));
}
