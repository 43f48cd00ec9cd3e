import { round } from '../analysis/stats.js';

/** Predicted against measured for one metric: mean percent error (bias, signed) and MAPE, over pairs with a measured value above 0. */
export interface ErrorStats {
  metric: string;
  n: number;
  /** Mean of (predicted − measured) / measured, %: positive = the estimate is high. */
  biasPct: number;
  /** Mean of |predicted − measured| / measured, %. */
  mapePct: number;
}

export function errorStats(metric: string, pairs: ReadonlyArray<{ predicted: number; measured: number }>): ErrorStats | undefined {
  const usable = pairs.filter((p) => p.measured > 0 && Number.isFinite(p.predicted));
  if (usable.length === 0) return undefined;
  const rel = usable.map((p) => (p.predicted - p.measured) / p.measured);
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  return { metric, n: usable.length, biasPct: round(100 * mean(rel), 1), mapePct: round(100 * mean(rel.map(Math.abs)), 1) };
}
