import type { PromClient } from './prom.js';
import { histograms } from '../vocabulary/metrics.js';
import { bucketBounds, e2eBucketsS, tpotBucketsS, ttftBucketsS } from './promql.js';
import type { PhaseServer } from '../results/cell-result.js';

const parts = { ttft: ttftBucketsS, tpot: tpotBucketsS, e2e: e2eBucketsS, queue: e2eBucketsS } as const;
const levels = [
  ['p50', 0.5],
  ['p95', 0.95],
  ['p99', 0.99],
] as const;

/** histogram_quantile over the increase of a histogram across [to - range, to], evaluated at `to`. */
export function phaseQuantileQuery(metric: string, q: number, sel: string, rangeMs: number): string {
  return `histogram_quantile(${q}, sum by (le) (increase(${metric}_bucket{${sel}}[${Math.max(1, Math.round(rangeMs))}ms])))`;
}

/**
 * Reads the phase's server figures from Prometheus (it must have scraped past
 * `toMs`). A quantile the histogram cannot give (no observations) is left out.
 */
export async function phaseServer(prom: PromClient, sel: string, fromMs: number, toMs: number): Promise<PhaseServer> {
  const range = toMs - fromMs;
  const out: PhaseServer = { fromMs, toMs, ttft: {}, tpot: {}, e2e: {}, queue: {} };
  for (const [name, buckets] of Object.entries(parts) as Array<[keyof typeof parts, readonly number[]]>) {
    for (const [label, q] of levels) {
      // One unanswered query leaves its quantile out, not the others.
      const v = await prom.scalar(phaseQuantileQuery(histograms[name], q, sel, range), toMs).catch(() => undefined);
      if (v === undefined || !Number.isFinite(v)) continue;
      const [lo, hi] = bucketBounds(buckets, v);
      out[name][label] = { ms: r3(v * 1000), bucketMs: [r3(lo * 1000), hi === Infinity ? null : r3(hi * 1000)] };
    }
  }
  const n = await prom.scalar(`sum(increase(${histograms.ttft}_count{${sel}}[${Math.max(1, Math.round(range))}ms]))`, toMs).catch(() => undefined);
  if (n !== undefined) out.requests = Math.round(n);
  return out;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
