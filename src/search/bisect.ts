import { quantilesInPlace, round } from '../analysis/stats.js';
import type { ResolvedSlo } from '../matrix/types.js';
import { objectiveQuantity, objectives } from '../vocabulary/metrics.js';

/**
 * Capacity search by bisection (pure): which level to probe next from the
 * verdicts so far, and when a running level is clearly failing and can stop.
 */

export interface Probe {
  level: number;
  pass: boolean;
}

export interface SearchBounds {
  min: number;
  max: number;
  /** Stop when the interval is at most this fraction of its lower end wide. @default 0.05 */
  resolution: number;
  /** Users are whole; rates may be fractional (0.1 request/s). */
  integer: boolean;
}

export type SearchStep =
  | { kind: 'probe'; level: number }
  | { kind: 'interval'; lo: number; hi: number }
  | { kind: 'below-lowest'; lowest: number }
  | { kind: 'above-highest'; highest: number };

const snap = (v: number, integer: boolean): number => (integer ? Math.round(v) : Math.round(v * 10) / 10);
const step = (integer: boolean): number => (integer ? 1 : 0.1);

/**
 * Next step: the lowest level first; while everything passes, double (up to
 * max), since capacity is as likely near the low end as the high; once a
 * level fails, bisect [highest pass, lowest fail above it] until it is no
 * wider than the resolution (or one step). Assumes latency grows with load.
 */
export function nextStep(probes: readonly Probe[], b: SearchBounds): SearchStep {
  if (probes.length === 0) return { kind: 'probe', level: b.min };
  const passes = probes.filter((p) => p.pass).map((p) => p.level);
  if (passes.length === 0) {
    const lowest = Math.min(...probes.map((p) => p.level));
    if (lowest <= b.min) return { kind: 'below-lowest', lowest };
    return { kind: 'probe', level: b.min };
  }
  const lo = Math.max(...passes);
  const fails = probes.filter((p) => !p.pass && p.level > lo).map((p) => p.level);
  if (fails.length === 0) {
    if (lo >= b.max) return { kind: 'above-highest', highest: lo };
    return { kind: 'probe', level: Math.min(b.max, snap(Math.max(lo * 2, lo + step(b.integer)), b.integer)) };
  }
  const hi = Math.min(...fails);
  if (hi - lo <= Math.max(step(b.integer), b.resolution * lo) + 1e-9) return { kind: 'interval', lo, hi };
  const mid = snap((lo + hi) / 2, b.integer);
  if (mid <= lo || mid >= hi) return { kind: 'interval', lo, hi };
  return { kind: 'probe', level: mid };
}

/** What the early stop looks at: latencies of the main-phase requests so far (ms), and errors. */
export interface SoFar {
  ttft: number[];
  tpot: number[];
  e2e: number[];
  requests: number;
  errors: number;
}

/**
 * A level is clearly failing, and its load can stop, once it has at least
 * `minRequests` requests and a p95 over `margin` × its objective (or a fifth
 * of the requests failing): far enough past the SLO that the rest of the
 * cell would not bring it back. Returns the reason, or undefined.
 */
export function clearlyFailing(s: SoFar, slo: ResolvedSlo, minRequests = 30, margin = 1.5): string | undefined {
  if (s.requests < minRequests) return undefined;
  if (s.errors / s.requests >= 0.2) return `${s.errors} of ${s.requests} requests failed`;
  for (const o of objectives) {
    const name = objectiveQuantity[o];
    const values = s[name];
    const target = slo[o];
    if (target === undefined || values.length < minRequests) continue;
    const p95 = quantilesInPlace(values, [0.95])[0]!; // selection (reorders the array: its order does not matter)
    if (p95 > margin * target) return `${name} p95 ${round(p95, 1)} ms after ${s.requests} requests, over ${margin} × the objective ${target} ms`;
  }
  return undefined;
}
