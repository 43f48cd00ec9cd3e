/**
 * Fidelity of the local autoscaler emulation against a real controller: two
 * replica timelines of the same load, compared on a common clock (seconds
 * since each run's load started). Pure functions over samples.
 */

/** One point of a timeline: seconds since the load started, the desired replicas then. */
export interface TimelinePoint {
  s: number;
  desired: number;
}

/** The desired replicas of a cell's samples, from the load's start on, in time order. */
export function replicaTimeline(samples: ReadonlyArray<{ t: number; replicas: { desired: number } }>, loadStart: number): TimelinePoint[] {
  return samples
    .filter((x) => x.t >= loadStart)
    .map((x) => ({ s: (x.t - loadStart) / 1000, desired: x.replicas.desired }))
    .sort((p, q) => p.s - q.s);
}

/** The value of a step-wise timeline at s: the last point at or before s (undefined before the first). */
export function valueAt(t: readonly TimelinePoint[], s: number): number | undefined {
  let v: number | undefined;
  for (const p of t) {
    if (p.s > s) break;
    v = p.desired;
  }
  return v;
}

/** Seconds to the first point whose desired count is above the first point's. */
export function firstScaleUp(t: readonly TimelinePoint[]): number | undefined {
  const start = t[0]?.desired;
  return start === undefined ? undefined : t.find((p) => p.desired > start)?.s;
}

/** Seconds to the first point below the timeline's peak, after the peak was first reached (the first scale-down). */
export function firstScaleDown(t: readonly TimelinePoint[]): number | undefined {
  const peak = Math.max(...t.map((p) => p.desired));
  const at = t.findIndex((p) => p.desired === peak);
  return at < 0 ? undefined : t.slice(at).find((p) => p.desired < peak)?.s;
}

export interface Agreement {
  /** Points of `a` inside both timelines' span. */
  compared: number;
  /** Share of those where |a − b| > tolerance replicas. */
  shareDifferingByMoreThanOne: number;
  firstScaleUpS: { a?: number; b?: number };
  /** a − b, seconds. */
  firstScaleUpDifferenceS?: number;
  firstScaleDownS: { a?: number; b?: number };
  /** a − b, seconds. */
  firstScaleDownDifferenceS?: number;
  max: { a: number; b: number };
}

/**
 * Compares a against b: at each point of a (within b's span), b's step value
 * there. tolerance: the difference in replicas that still counts as agreeing.
 */
export function timelineAgreement(a: readonly TimelinePoint[], b: readonly TimelinePoint[], tolerance = 1): Agreement {
  const end = Math.min(a[a.length - 1]?.s ?? 0, b[b.length - 1]?.s ?? 0);
  let compared = 0;
  let differing = 0;
  for (const p of a) {
    if (p.s > end) break;
    const q = valueAt(b, p.s);
    if (q === undefined) continue;
    compared++;
    if (Math.abs(p.desired - q) > tolerance) differing++;
  }
  const fa = firstScaleUp(a);
  const fb = firstScaleUp(b);
  const da = firstScaleDown(a);
  const db = firstScaleDown(b);
  return {
    compared,
    shareDifferingByMoreThanOne: compared ? differing / compared : 0,
    firstScaleUpS: { ...(fa !== undefined ? { a: fa } : {}), ...(fb !== undefined ? { b: fb } : {}) },
    ...(fa !== undefined && fb !== undefined ? { firstScaleUpDifferenceS: Math.round((fa - fb) * 1000) / 1000 } : {}),
    firstScaleDownS: { ...(da !== undefined ? { a: da } : {}), ...(db !== undefined ? { b: db } : {}) },
    ...(da !== undefined && db !== undefined ? { firstScaleDownDifferenceS: Math.round((da - db) * 1000) / 1000 } : {}),
    max: { a: Math.max(0, ...a.map((p) => p.desired)), b: Math.max(0, ...b.map((p) => p.desired)) },
  };
}
