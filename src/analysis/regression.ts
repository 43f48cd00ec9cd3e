import { mannWhitney } from './mann-whitney.js';
import { median } from './stats.js';

/** How one metric is gated (a line of gates/*.yaml). */
export interface GateRule {
  metric: string;
  /** Which way is better. */
  better: 'lower' | 'higher';
  /** A change smaller than this share of the baseline is no change. @default 0.05 */
  relTolerance: number;
  /** …or smaller than this, in the metric's unit. @default 0 */
  absTolerance: number;
  /** Required confidence that a change beyond tolerance is real. @default 0.95 */
  confidence: number;
}

export type Verdict = 'pass' | 'regression' | 'improvement' | 'inconclusive';

export interface MetricComparison {
  metric: string;
  verdict: Verdict;
  baseline: { n: number; median: number };
  current: { n: number; median: number };
  /** current − baseline, of the medians. */
  change: number;
  /** change / |baseline median|. */
  relChange: number;
  /** Mann-Whitney two-sided p, when both sides have two or more values. */
  p?: number;
  method: 'mann-whitney' | 'tolerance';
  /** Why, in a sentence. */
  reason: string;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

/**
 * Compares a metric's values from repeats of the same cell. A change counts
 * only beyond both tolerances. With two or more values per side a change
 * beyond tolerance must also be significant (Mann-Whitney U, p < 1 − confidence)
 * to be a regression or an improvement; if it is not, the verdict is
 * inconclusive. With one value per side only the tolerances decide, and the
 * reason says so.
 */
export function compareMetric(base: readonly number[], cur: readonly number[], rule: GateRule): MetricComparison {
  if (base.length === 0 || cur.length === 0) throw new Error(`compareMetric ${rule.metric}: no values on one side`);
  const b = median(base)!;
  const c = median(cur)!;
  const change = c - b;
  const relChange = b === 0 ? (change === 0 ? 0 : Math.sign(change) * Infinity) : change / Math.abs(b);
  const worse = rule.better === 'lower' ? change > 0 : change < 0;
  const beyond = Math.abs(change) > rule.absTolerance && Math.abs(relChange) > rule.relTolerance;
  const common = { metric: rule.metric, baseline: { n: base.length, median: b }, current: { n: cur.length, median: c }, change, relChange };
  const direction = worse ? 'regression' : 'improvement';
  if (base.length < 2 || cur.length < 2) {
    return {
      ...common,
      verdict: beyond ? direction : 'pass',
      method: 'tolerance',
      reason: `one value on a side: tolerance only (${pct(relChange)} vs ±${pct(rule.relTolerance)})`,
    };
  }
  const { p } = mannWhitney(cur, base);
  const alpha = 1 - rule.confidence;
  if (!beyond) return { ...common, verdict: 'pass', p, method: 'mann-whitney', reason: `change ${pct(relChange)} within ±${pct(rule.relTolerance)}` };
  if (p < alpha) return { ...common, verdict: direction, p, method: 'mann-whitney', reason: `${pct(relChange)} beyond ±${pct(rule.relTolerance)}, p = ${p.toPrecision(2)} < ${alpha.toPrecision(2)}` };
  return {
    ...common,
    verdict: 'inconclusive',
    p,
    method: 'mann-whitney',
    reason: `${pct(relChange)} beyond ±${pct(rule.relTolerance)} but p = ${p.toPrecision(2)} ≥ ${alpha.toPrecision(2)}: within run-to-run noise`,
  };
}
