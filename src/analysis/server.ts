import { linearRegression } from 'simple-statistics';
import type { Sample } from '../results/samples.js';
import type { PromSampleMetric } from '../vocabulary/metrics.js';
import { bucketBounds, e2eBucketsS, tpotBucketsS, ttftBucketsS } from '../metrics/promql.js';
import { quantileSorted, round } from './stats.js';
import type { PhaseQuantiles, PhaseServer } from '../results/cell-result.js';

/** A server-side quantile over a cell's main phase, and the histogram bucket it falls in. */
export interface ServerQuantile {
  /**
   * The phase's quantile, ms: from the histogram's increase over the whole
   * main phase when the cell recorded it (result.json phaseServer), else (older
   * runs) the median over the phase's samples of the windowed quantile.
   */
  ms: number;
  /** Worst (highest) windowed value seen, ms. */
  maxMs: number;
  /** The bucket [lower, upper] (ms) holding `ms`: the true quantile lies in it; upper null is the +Inf bucket. */
  bucketMs: [number, number | null];
}

export interface GaugeStats {
  mean: number;
  p95: number;
  max: number;
}

/** Server-side figures of a cell's main phase, from samples.jsonl. */
export interface ServerStats {
  /** Main-phase samples, and those Prometheus could not fill. */
  samples: number;
  gaps: number;
  ttft: { p50?: ServerQuantile; p95?: ServerQuantile; p99?: ServerQuantile };
  tpot: { p50?: ServerQuantile; p95?: ServerQuantile; p99?: ServerQuantile };
  e2e: { p50?: ServerQuantile; p95?: ServerQuantile; p99?: ServerQuantile };
  /** Time requests waited in the server's queue (vllm:request_queue_time_seconds over the phase); absent for older runs. */
  queue?: { p50?: ServerQuantile; p95?: ServerQuantile; p99?: ServerQuantile };
  /** Whether the quantiles come from the histograms' increase over the whole phase (true) or the median of windows (false). */
  wholePhase: boolean;
  running?: GaugeStats;
  waiting?: GaugeStats;
  /** KV-cache usage, 0…1. */
  kvCacheUsage?: GaugeStats;
  /** Replicas' CPU use, % of their request. */
  cpuUtilizationPct?: GaugeStats;
  outputTokensPerS?: GaugeStats;
  /** Fitted growth of the waiting queue over the main phase (least squares slope × duration), requests. */
  waitingGrowth?: number;
}

/** The samples of the main phase: elapsed in [warmup, warmup + duration] seconds after the load started. */
export function mainSamples(samples: readonly Sample[], warmupMs: number, durationMs: number): Sample[] {
  return samples.filter((s) => s.elapsed_s >= warmupMs / 1000 && s.elapsed_s <= (warmupMs + durationMs) / 1000);
}

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

function quantileOf(values: number[], buckets: readonly number[]): ServerQuantile | undefined {
  if (values.length === 0) return undefined;
  const s = sorted(values);
  const ms = round(quantileSorted(s, 0.5)!);
  const [lo, hi] = bucketBounds(buckets, ms / 1000);
  return { ms, maxMs: round(s[s.length - 1]!), bucketMs: [round(lo * 1000), hi === Infinity ? null : round(hi * 1000)] };
}

function gauge(values: number[]): GaugeStats | undefined {
  if (values.length === 0) return undefined;
  const s = sorted(values);
  return { mean: round(s.reduce((a, b) => a + b, 0) / s.length, 4), p95: round(quantileSorted(s, 0.95)!, 4), max: round(s[s.length - 1]!, 4) };
}

/**
 * Server-side statistics of the main phase. Each sample holds quantiles of
 * the `vllm:` histograms over a short window; the cell's figure is their
 * median across the phase (and the worst window), reported with the bucket
 * that bounds it, since a histogram quantile is only as fine as its buckets.
 */
export function serverStats(main: readonly Sample[], durationMs: number, phase?: PhaseServer): ServerStats {
  const field = (name: PromSampleMetric): number[] => {
    const out: number[] = [];
    for (const s of main) {
      const v = s.server?.[name];
      if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
    }
    return out;
  };
  const quantiles = (metric: 'ttft' | 'tpot' | 'e2e', buckets: readonly number[]): ServerStats['ttft'] => {
    const q: ServerStats['ttft'] = {};
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const v = quantileOf(field(`server_${metric}_ms_${p}`), buckets);
      if (v) q[p] = v;
    }
    return q;
  };
  const out: ServerStats = {
    samples: main.length,
    gaps: main.filter((s) => s.gap !== undefined).length,
    ttft: quantiles('ttft', ttftBucketsS),
    tpot: quantiles('tpot', tpotBucketsS),
    e2e: quantiles('e2e', e2eBucketsS),
    wholePhase: phase !== undefined,
  };
  if (phase) {
    // The phase's own quantiles; the windows keep only their worst value.
    const whole = (q: PhaseQuantiles, windows: ServerStats['ttft']): ServerStats['ttft'] => {
      const o: ServerStats['ttft'] = {};
      for (const p of ['p50', 'p95', 'p99'] as const) {
        const v = q[p];
        if (v) o[p] = { ms: v.ms, maxMs: Math.max(v.ms, windows[p]?.maxMs ?? v.ms), bucketMs: v.bucketMs };
      }
      return o;
    };
    out.ttft = whole(phase.ttft, out.ttft);
    out.tpot = whole(phase.tpot, out.tpot);
    out.e2e = whole(phase.e2e, out.e2e);
    out.queue = whole(phase.queue, {});
  }
  const gauges = [
    ['running', 'running'],
    ['waiting', 'waiting'],
    ['kvCacheUsage', 'kv_cache_usage'],
    ['outputTokensPerS', 'server_output_tokens_per_s'],
  ] as const;
  for (const [key, name] of gauges) {
    const g = gauge(field(name));
    if (g) out[key] = g;
  }
  const cpu = gauge(main.flatMap((s) => (s.cpu_utilization_pct !== undefined ? [s.cpu_utilization_pct] : [])));
  if (cpu) out.cpuUtilizationPct = cpu;
  const waiting = main.flatMap((s) => (typeof s.server?.waiting === 'number' ? [[s.elapsed_s, s.server.waiting] as [number, number]] : []));
  if (waiting.length >= 3) out.waitingGrowth = round(linearRegression(waiting).m * (durationMs / 1000), 3);
  return out;
}

/**
 * Whether the server's TTFT histogram leaves the queue out: true when clients
 * waited clearly longer for their first token than the server says (median
 * over 1.25 × the server's, and 10 ms more) and the server's queue time
 * accounts for at least half of the difference. llm-d-inference-sim v0.10.2
 * observes TTFT from the moment a request is scheduled; vLLM from its
 * arrival. Undefined when there is nothing to compare.
 */
export function ttftExcludesQueue(clientTtftP50Ms: number | undefined, server: ServerStats | undefined): boolean | undefined {
  const s = server?.ttft.p50?.ms;
  const q = server?.queue?.p50?.ms;
  if (clientTtftP50Ms === undefined || s === undefined || q === undefined) return undefined;
  const gap = clientTtftP50Ms - s;
  return gap > 10 && clientTtftP50Ms > 1.25 * s && q >= 0.5 * gap;
}
