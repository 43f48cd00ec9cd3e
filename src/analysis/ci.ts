import { mean, sampleStandardDeviation } from 'simple-statistics';

/**
 * Two-sided 95 % critical values of Student's t, t(0.975, df), for df = 1…30
 * (standard tables, three decimals).
 */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
] as const;
const Z975 = 1.959964;

/**
 * t(0.975, df): the table up to 30 degrees of freedom, beyond it the
 * Cornish-Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5), which is
 * within 0.001 of the exact value there.
 */
export function tCritical975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (df <= T975.length) return T975[df - 1]!;
  const z = Z975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** A mean over repeats with its 95 % confidence interval. */
export interface MeanCi {
  n: number;
  mean: number;
  /** Half-width of the 95 % interval (t-distribution, n − 1 df), in the values' unit; absent for n < 2. */
  halfWidth?: number;
  lo?: number;
  hi?: number;
}

/**
 * Mean and 95 % confidence interval of repeated measurements:
 * mean ± t(0.975, n − 1) · s / √n with s the sample standard deviation.
 * Undefined values (a repeat that measured nothing) are left out; undefined
 * when none remain.
 */
export function meanCi95(values: ReadonlyArray<number | undefined>): MeanCi | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (xs.length === 0) return undefined;
  const m = mean(xs);
  if (xs.length < 2) return { n: 1, mean: m };
  const half = (tCritical975(xs.length - 1) * sampleStandardDeviation(xs)) / Math.sqrt(xs.length);
  return { n: xs.length, mean: m, halfWidth: half, lo: m - half, hi: m + half };
}
