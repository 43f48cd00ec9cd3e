import { linearRegression } from 'simple-statistics';
import type { ResolvedSlo } from '../matrix/types.js';
import { round } from './stats.js';
import { objectives, type Objective } from '../vocabulary/metrics.js';

/**
 * Capacity at SLO from a latency-vs-load curve (reference/recommender.md,
 * "Tuning"): the highest load with every p95 met, no errors to speak of and
 * no queue growth, as the interval [last pass, first fail above it]. Pure.
 */

/**
 * One load level of the curve: everything measured while each replica
 * carried `load`, under the metric table's names (`curveFigures`), as the
 * profile file spells them too.
 */
export interface CurvePoint {
  /** Users (or requests/s for arrival-rate) per ready replica. */
  load: number;
  requests: number;
  failures: number;
  ttft_ms_p95?: number;
  tpot_ms_p95?: number;
  e2e_ms_p95?: number;
  /** Successful requests per second per replica. */
  successful_rps_per_replica?: number;
  /** Mean requests in flight per replica at the router (running + waiting, no scrape lag). */
  in_flight_per_replica_mean?: number;
  /** Means per replica over the samples at this load (Prometheus gauges: they lag a scrape behind). */
  running_per_replica_mean?: number;
  waiting_per_replica_mean?: number;
  /** Mean KV cache usage (a share, averaged over the replicas). */
  kv_cache_usage_mean?: number;
  /** The arrival rate reached fell short (< 90 % of offered) or the queue grew: not keeping up whatever the p95s say. */
  saturated?: boolean;
}

export type PointVerdict = { kind: 'pass' } | { kind: 'fail'; misses: string[] } | { kind: 'thin'; requests: number };

/** Fewest requests a load level needs before its p95 is believed. @default 20 */
export const MIN_REQUESTS = 20;

/** Whether one load level meets the SLO: each p95 within its objective, under 5 % errors, not saturated. */
export function judgePoint(p: CurvePoint, slo: ResolvedSlo, minRequests = MIN_REQUESTS): PointVerdict {
  if (p.requests < minRequests) return { kind: 'thin', requests: p.requests };
  const misses: string[] = [];
  for (const key of objectives) {
    const name = key.split('_')[0]!;
    const target = slo[key];
    if (target === undefined) continue;
    const v = p[key];
    if (v === undefined) misses.push(`${name} p95 not measured`);
    else if (v > target) misses.push(`${name} p95 ${round(v, 1)} ms > ${target} ms`);
  }
  if (p.failures / p.requests >= 0.05) misses.push(`errors ${round((100 * p.failures) / p.requests, 1)} %`);
  if (p.saturated) misses.push('not keeping up (arrivals short or queue growing)');
  return misses.length ? { kind: 'fail', misses } : { kind: 'pass' };
}

export type Capacity =
  | {
      kind: 'interval';
      /** The last load that passed (below the first failure). */
      lo: number;
      /** The first load that failed. */
      hi: number;
      /** Where the binding objective is crossed, interpolated linearly between lo and hi. */
      estimate: number;
      /** The curve point at lo: what a replica looks like at capacity. */
      at: CurvePoint;
      binding: string[];
      /** Failing loads below lo (the highest load that passed), if any. */
      failedBelow?: number[];
    }
  | { kind: 'below-lowest'; lowest: number; misses: string[] }
  | { kind: 'above-highest'; highest: number; at: CurvePoint; failedBelow?: number[] }
  | { kind: 'no-data'; reason: string };

/** The capacity verdict of a curve (any order; thin points are left out). */
export function capacityOf(curve: readonly CurvePoint[], slo: ResolvedSlo, minRequests = MIN_REQUESTS): Capacity {
  const judged = [...curve]
    .sort((a, b) => a.load - b.load)
    .map((p) => ({ p, v: judgePoint(p, slo, minRequests) }))
    .filter((j) => j.v.kind !== 'thin');
  if (judged.length === 0) {
    return { kind: 'no-data', reason: curve.length ? `every load level has fewer than ${minRequests} requests` : 'no load level was measured' };
  }
  const lastPass = judged.map((j) => j.v.kind).lastIndexOf('pass');
  if (lastPass < 0) {
    const v = judged[0]!.v;
    return { kind: 'below-lowest', lowest: judged[0]!.p.load, misses: v.kind === 'fail' ? v.misses : [] };
  }
  const pass = judged[lastPass]!.p;
  // Failures below the highest passing load: noise, or a transient (a step, a replica starting); listed, not believed.
  const below = judged
    .slice(0, lastPass)
    .filter((j) => j.v.kind === 'fail')
    .map((j) => j.p.load);
  const next = judged[lastPass + 1];
  if (!next) return { kind: 'above-highest', highest: pass.load, at: pass, ...(below.length ? { failedBelow: below } : {}) };
  const v = next.v;
  return {
    kind: 'interval',
    lo: pass.load,
    hi: next.p.load,
    estimate: crossing(pass, next.p, slo),
    at: pass,
    binding: v.kind === 'fail' ? v.misses : [],
    ...(below.length ? { failedBelow: below } : {}),
  };
}

/**
 * The load at which the first objective is crossed, by linear interpolation
 * of each p95 between the passing and the failing point; lo when nothing
 * crosses in between (a failure on errors or saturation alone).
 */
export function crossing(pass: CurvePoint, fail: CurvePoint, slo: ResolvedSlo): number {
  let best = fail.load;
  let crossed = false;
  for (const key of objectives) {
    const target = slo[key];
    const a = pass[key];
    const b = fail[key];
    if (target === undefined || a === undefined || b === undefined || b <= target || b <= a) continue;
    const x = pass.load + ((target - a) / (b - a)) * (fail.load - pass.load);
    best = Math.min(best, x);
    crossed = true;
  }
  return round(crossed ? Math.max(pass.load, best) : pass.load, 2);
}

/** Least-squares line of one p95 against load: latency ≈ intercept + slope × load (undefined with fewer than two points). */
export function fitLine(curve: readonly CurvePoint[], key: Objective): { slope: number; intercept: number } | undefined {
  const pts = curve.flatMap((p) => (p[key] === undefined ? [] : [[p.load, p[key]!]]));
  if (pts.length < 2 || pts.every(([x]) => x === pts[0]![0])) return undefined;
  const { m, b } = linearRegression(pts);
  return { slope: round(m, 4), intercept: round(b, 3) };
}

const noise = (loads: number[] | undefined): string => (loads?.length ? `; lower loads that failed, taken as transients: ${loads.join(', ')}` : '');

/** One line for a capacity verdict, in the curve's unit ("users per replica"). */
export function describeCapacity(c: Capacity, unit: string): string {
  switch (c.kind) {
    case 'interval':
      return `${c.lo}–${c.hi} ${unit} (last pass ${c.lo}, first fail ${c.hi}: ${c.binding.join(', ')}; crossing ≈ ${c.estimate})${noise(c.failedBelow)}`;
    case 'below-lowest':
      return `below the lowest level tested (${c.lowest} ${unit} already fails: ${c.misses.join(', ')})`;
    case 'above-highest':
      return `above the highest level tested (${c.highest} ${unit} still passes)${noise(c.failedBelow)}`;
    case 'no-data':
      return `unknown: ${c.reason}`;
  }
}
