/**
 * Quantile of sorted values by linear interpolation between closest ranks
 * (Hyndman & Fan type 7, numpy's default): h = (n − 1)·q.
 * Returns undefined for an empty input.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The distribution summary every latency gets in results. */
export interface Distribution {
  count: number;
  mean?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export function distribution(values: Float64Array | number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    mean: round(sum / n),
    p50: round(quantileSorted(sorted, 0.5)!),
    p90: round(quantileSorted(sorted, 0.9)!),
    p95: round(quantileSorted(sorted, 0.95)!),
    p99: round(quantileSorted(sorted, 0.99)!),
    max: round(sorted[n - 1]!),
  };
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
