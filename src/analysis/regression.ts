import { tCdf, tQuantile } from './student-t.js';

/** How one metric is gated (a line of gates/*.yaml). */
export interface GateRule {
  metric: string;
  /** Which way is better. */
  better: 'lower' | 'higher';
  /**
   * The regression the gate is sized to catch, as a share of the baseline mean:
   * a change of this size must fail, a change under half of it must not. @default 0.05
   */
  relTolerance: number;
  /** …or this, in the metric's unit, whichever is larger. @default 0 */
  absTolerance: number;
  /** 1 − the one-sided false-alarm rate of the test per comparison. @default 0.95 */
  confidence: number;
}

export type Verdict = 'pass' | 'regression' | 'improvement' | 'inconclusive';

export interface SideSummary {
  n: number;
  mean: number;
}

export interface MetricComparison {
  metric: string;
  verdict: Verdict;
  baseline: SideSummary;
  current: SideSummary;
  /** current − baseline, of the means, in the metric's unit. */
  change: number;
  /** change / |baseline mean|. */
  relChange: number;
  /** The regression the rule must catch, in the metric's unit: max(abs, rel × |baseline mean|). */
  tolerance: number;
  /** One-sided p of the change in the direction it went (Welch t), when both sides have two or more values. */
  p?: number;
  /**
   * The smallest worsening this comparison would catch 9 times in 10, as a share
   * of the baseline mean: (t(confidence) + t(0.9)) × SE / |baseline mean|.
   * Undefined with one value on a side (no noise estimate).
   */
  detectable?: number;
  method: 'welch' | 'tolerance';
  /** Why, in a sentence. */
  reason: string;
}

/** The power at which `detectable` is stated. */
export const DETECTION_POWER = 0.9;

const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '∞');
const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: readonly number[], m: number): number => v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1);

/** Welch's standard error of the difference of means and its Welch–Satterthwaite degrees of freedom. */
export function welch(base: readonly number[], cur: readonly number[]): { se: number; df: number } {
  const qb = variance(base, mean(base)) / base.length;
  const qc = variance(cur, mean(cur)) / cur.length;
  const se = Math.sqrt(qb + qc);
  const df = se === 0 ? base.length + cur.length - 2 : (qb + qc) ** 2 / (qb ** 2 / (base.length - 1) + qc ** 2 / (cur.length - 1));
  return { se, df };
}

/**
 * Compares a metric's values from repeats of the same cell.
 *
 * With two or more values a side: a one-sided Welch t-test of worsening at
 * 1 − confidence, and a practical floor of half the tolerance. A regression is
 * a worsening that is significant and at least tolerance/2; an improvement the
 * same the other way. Otherwise the verdict is pass when the upper confidence
 * bound of the worsening is under the tolerance (a regression of that size is
 * ruled out), else inconclusive. The tolerance is thus the size of regression
 * the gate must catch, not a dead band: see README "Baselines and regression gates".
 *
 * With one value on a side there is no noise estimate: only the tolerance decides.
 */
export function compareMetric(base: readonly number[], cur: readonly number[], rule: GateRule): MetricComparison {
  if (base.length === 0 || cur.length === 0) throw new Error(`compareMetric ${rule.metric}: no values on one side`);
  const b = mean(base);
  const c = mean(cur);
  const change = c - b;
  const scale = Math.abs(b);
  const rel = (v: number): number => (scale === 0 ? (v === 0 ? 0 : Math.sign(v) * Infinity) : v / scale);
  const relChange = rel(change);
  const tolerance = Math.max(rule.absTolerance, rule.relTolerance * scale);
  // Worsening, in the metric's unit: positive when the change goes the bad way.
  const worse = rule.better === 'lower' ? change : -change;
  const common = { metric: rule.metric, baseline: { n: base.length, mean: b }, current: { n: cur.length, mean: c }, change, relChange, tolerance };
  const tol = `tolerance ${pct(rel(tolerance))}`;
  if (base.length < 2 || cur.length < 2) {
    const verdict: Verdict = worse > tolerance ? 'regression' : -worse > tolerance ? 'improvement' : 'pass';
    return { ...common, verdict, method: 'tolerance', reason: `one value on a side: tolerance only (${pct(relChange)} vs ±${pct(rel(tolerance))})` };
  }
  const alpha = 1 - rule.confidence;
  const { se, df } = welch(base, cur);
  const tAlpha = tQuantile(rule.confidence, df);
  const detectable = rel((tAlpha + tQuantile(DETECTION_POWER, df)) * se);
  const t = se === 0 ? Math.sign(worse) * Infinity : worse / se;
  const pWorse = se === 0 ? (worse > 0 ? 0 : 1) : 1 - tCdf(t, df);
  const pBetter = se === 0 ? (worse < 0 ? 0 : 1) : tCdf(t, df);
  const half = tolerance / 2;
  const stats = { method: 'welch' as const, detectable };
  if (pWorse < alpha && worse >= half) {
    return {
      ...common,
      ...stats,
      verdict: 'regression',
      p: pWorse,
      reason: `worse by ${pct(Math.abs(relChange))}, p = ${pWorse.toPrecision(2)} < ${alpha.toPrecision(2)} (${tol})`,
    };
  }
  if (pBetter < alpha && -worse >= half) {
    return {
      ...common,
      ...stats,
      verdict: 'improvement',
      p: pBetter,
      reason: `better by ${pct(Math.abs(relChange))}, p = ${pBetter.toPrecision(2)} < ${alpha.toPrecision(2)} (${tol})`,
    };
  }
  const p = worse >= 0 ? pWorse : pBetter;
  const upper = worse + tAlpha * se;
  if (upper < tolerance) {
    const why = p < alpha ? `significant but under half the ${tol}` : `a regression of ${pct(rel(tolerance))} ruled out (bound ${pct(rel(upper))})`;
    return { ...common, ...stats, verdict: 'pass', p, reason: `change ${pct(relChange)}: ${why}` };
  }
  return {
    ...common,
    ...stats,
    verdict: 'inconclusive',
    p,
    reason: `change ${pct(relChange)}, p = ${p.toPrecision(2)}: within run-to-run noise, but a worsening up to ${pct(rel(upper))} is not ruled out (${tol})`,
  };
}
