import { quickselect } from 'simple-statistics';
import { round } from '../util/round.js';
import type { Distribution } from '../results/cell-result.js';

/** Numbers the analysis holds in bulk: typed arrays for large cells, arrays for small ones. */
export type Values = Float64Array | Float32Array | number[];

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

/** The median (type 7: the mean of the middle two for an even count); undefined when empty. The input is not changed. */
export function median(values: readonly number[]): number | undefined {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Type-7 quantiles (as quantileSorted) of unsorted values, by selection
 * (Floyd-Rivest, simple-statistics' quickselect): O(n) per quantile instead of
 * a sort. Reorders `values` in place; undefined entries for an empty input.
 */
export function quantilesInPlace(values: Values, qs: readonly number[]): Array<number | undefined> {
  const n = values.length;
  if (n === 0) return qs.map(() => undefined);
  const arr = values as unknown as number[];
  const ranks = new Set<number>();
  for (const q of qs) {
    const h = (n - 1) * q;
    ranks.add(Math.floor(h));
    if (h > Math.floor(h)) ranks.add(Math.floor(h) + 1);
  }
  // Selecting ascending ranks, each within what lies right of the previous one.
  let left = 0;
  for (const k of [...ranks].sort((a, b) => a - b)) {
    if (k === left && k > 0) {
      // The rank right after one just selected: the smallest of what lies right of it (one scan, no selection).
      let m = k;
      for (let i = k + 1; i < n; i++) if (arr[i]! < arr[m]!) m = i;
      const v = arr[k]!;
      arr[k] = arr[m]!;
      arr[m] = v;
    } else quickselect(arr, k, left, n - 1);
    left = k + 1;
  }
  return qs.map((q) => {
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    return h > lo ? arr[lo]! + (h - lo) * (arr[lo + 1]! - arr[lo]!) : arr[lo]!;
  });
}

/** The distribution of values (a copy is taken; the input is left as it is). */
export function distribution(values: Values): Distribution {
  return distributionInPlace(Float64Array.from(values));
}

/**
 * The distribution of values, reordering them in place (no copy): what the
 * analysis uses on the large columns of a cell's raw points.
 */
export function distributionInPlace(values: Values): Distribution {
  const n = values.length;
  if (n === 0) return { count: 0 };
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    sum += v;
    if (v > max) max = v;
  }
  const [p50, p90, p95, p99] = quantilesInPlace(values, [0.5, 0.9, 0.95, 0.99]) as number[];
  return { count: n, mean: round(sum / n), p50: round(p50!), p90: round(p90!), p95: round(p95!), p99: round(p99!), max: round(max) };
}

export { round } from '../util/round.js';
