/**
 * The PromQL scalebench runs, built from vLLM's metric names
 * (reference/vllm-metrics.md). `sel` is a label-matcher list without braces,
 * e.g. `namespace="scalebench",pod=~"m-1a2b3-.*"`; `w` a range such as "10s".
 */

/** vLLM histograms and the series names they have carried across releases. */
export const histograms = {
  ttft: 'vllm:time_to_first_token_seconds',
  tpot: 'vllm:time_per_output_token_seconds',
  itl: 'vllm:inter_token_latency_seconds',
  e2e: 'vllm:e2e_request_latency_seconds',
  queue: 'vllm:request_queue_time_seconds',
} as const;
export type HistogramName = keyof typeof histograms;

/** histogram_quantile over all selected pods for a window. NaN when idle: "no sample". */
export function quantileQuery(metric: string, q: number, sel: string, w: string): string {
  return `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket{${sel}}[${w}])))`;
}

/** Mean over a window: sum(rate(_sum)) / sum(rate(_count)), empty when nothing finished. */
export function meanQuery(metric: string, sel: string, w: string): string {
  return `sum(rate(${metric}_sum{${sel}}[${w}])) / (sum(rate(${metric}_count{${sel}}[${w}])) > 0)`;
}

/** Gauges, matching both spellings where vLLM renamed one (kv_cache_usage_perc since 0.9). */
export function gaugeSum(metric: string, sel: string): string {
  return `sum(${metric}{${sel}})`;
}
export function kvCacheQuery(sel: string): string {
  return `avg(vllm:kv_cache_usage_perc{${sel}} or vllm:gpu_cache_usage_perc{${sel}})`;
}

export function counterRate(metric: string, sel: string, w: string): string {
  return `sum(rate(${metric}{${sel}}[${w}]))`;
}

/** The queries one sample runs, by the field they fill. */
export function sampleQueries(sel: string, w: string): Record<string, string> {
  const q: Record<string, string> = {};
  for (const name of ['ttft', 'tpot', 'e2e'] as const) {
    for (const [label, p] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
      q[`${name}_${label}_ms`] = quantileQuery(histograms[name], p, sel, w);
    }
  }
  q.running = gaugeSum('vllm:num_requests_running', sel);
  q.waiting = gaugeSum('vllm:num_requests_waiting', sel);
  q.kv_cache_usage = kvCacheQuery(sel);
  q.output_tokens_per_s = counterRate('vllm:generation_tokens_total', sel, w);
  q.requests_per_s = counterRate('vllm:request_success_total', sel, w);
  return q;
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
