/**
 * The PromQL scalebench runs, built from vLLM's metric names
 * (reference/vllm-metrics.md). `sel` is a label-matcher list without braces,
 * e.g. `namespace="scalebench",pod=~"m-1a2b3-.*"`; `w` a range such as "10s".
 * The sampler's queries are the metric table's (src/vocabulary/metrics.ts).
 */

/** A gauge summed over the selected pods. */
export function gaugeSum(metric: string, sel: string): string {
  return `sum(${metric}{${sel}})`;
}

/** Histogram bucket bounds (seconds) the simulator and vLLM use for TTFT: a server quantile is only as fine as these. */
export const ttftBucketsS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560] as const;
/** TPOT and inter-token latency buckets (seconds). */
export const tpotBucketsS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80] as const;

/**
 * E2E request latency buckets (seconds): vLLM's and the simulator's
 * (llm-d-inference-sim pkg/common/utils.go RequestLatencyBucketsBoundaries);
 * the queue-time histogram uses them too.
 */
export const e2eBucketsS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680] as const;

/** The bucket [lower, upper] holding a value, for reporting a server quantile's resolution. */
export function bucketBounds(buckets: readonly number[], value: number): [number, number] {
  let lower = 0;
  for (const b of buckets) {
    if (value <= b) return [lower, b];
    lower = b;
  }
  return [lower, Infinity];
}
