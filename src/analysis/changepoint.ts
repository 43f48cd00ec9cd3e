import { median } from './stats.js';
import { mulberry32 } from '../util/random.js';

/**
 * One change point in a series of nightly values, by the E-divisive method
 * (Matteson & James 2014, "A nonparametric approach for multiple change point
 * analysis of multivariate data"; the method orion and otava use): the split
 * maximising the energy distance between the two sides, tested by permutation.
 */
export interface ChangePoint {
  /** The first index of the new regime. */
  index: number;
  /** The scaled energy statistic Q at the split. */
  statistic: number;
  /** Permutation p-value: share of shuffled series whose best split is at least as strong. */
  p: number;
  before: { n: number; mean: number };
  after: { n: number; mean: number };
}

export interface ChangePointOptions {
  /**
   * Smallest segment on either side, in runs: one bad night is not a regime, and
   * no change point falls in the first or last `minSize − 1` runs. Two guards
   * keep a change at an edge from showing up a few runs inside: when the
   * strongest split of all (segments of 2) lies in the edge, there is none yet;
   * and the `minSize` runs on each side of the split must sit with their own
   * side (their median nearer their own segment's mean). @default 5
   */
  minSize?: number;
  /** @default 199 */
  permutations?: number;
  /** @default 0.05 */
  alpha?: number;
  /** Seed of the permutation shuffles, so a verdict is reproducible. @default 1 */
  seed?: number;
}

/** Best split of the series: Q(τ) = m·n/(m+n) · Ê(X, Y) with α = 1. */
function bestSplit(x: readonly number[], minSize: number): { index: number; q: number } {
  const n = x.length;
  // O(n²) per split, O(n³) per series: fine for the tens of nights a history holds.
  let best = { index: -1, q: -Infinity };
  for (let t = minSize; t <= n - minSize; t++) {
    const m = t;
    const k = n - t;
    let between = 0;
    for (let i = 0; i < t; i++) for (let j = t; j < n; j++) between += Math.abs(x[i]! - x[j]!);
    let within1 = 0;
    for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) within1 += Math.abs(x[i]! - x[j]!);
    let within2 = 0;
    for (let i = t; i < n; i++) for (let j = i + 1; j < n; j++) within2 += Math.abs(x[i]! - x[j]!);
    const e = (2 * between) / (m * k) - within1 / ((m * (m - 1)) / 2) - within2 / ((k * (k - 1)) / 2);
    const q = ((m * k) / (m + k)) * e;
    if (q > best.q) best = { index: t, q };
  }
  return best;
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * The most likely change point, or undefined when the series is too short or
 * no split is significant at alpha.
 */
export function findChangePoint(series: readonly number[], opts: ChangePointOptions = {}): ChangePoint | undefined {
  const minSize = opts.minSize ?? 5;
  const permutations = opts.permutations ?? 199;
  const alpha = opts.alpha ?? 0.05;
  if (series.length < 2 * minSize) return undefined;
  const observed = bestSplit(series, minSize);
  const anywhere = bestSplit(series, 2);
  if (anywhere.index < minSize || anywhere.index > series.length - minSize) return undefined;
  const random = mulberry32(opts.seed ?? 1);
  const shuffled = [...series];
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    if (bestSplit(shuffled, minSize).q >= observed.q) atLeast++;
  }
  const pValue = (atLeast + 1) / (permutations + 1);
  if (pValue >= alpha) return undefined;
  const before = series.slice(0, observed.index);
  const after = series.slice(observed.index);
  const mb = mean(before);
  const ma = mean(after);
  const nearOwn = (window: number[], own: number, other: number): boolean => Math.abs(median(window)! - own) < Math.abs(median(window)! - other);
  if (!nearOwn(before.slice(-minSize), mb, ma) || !nearOwn(after.slice(0, minSize), ma, mb)) return undefined;
  return {
    index: observed.index,
    statistic: observed.q,
    p: pValue,
    before: { n: before.length, mean: mb },
    after: { n: after.length, mean: ma },
  };
}
