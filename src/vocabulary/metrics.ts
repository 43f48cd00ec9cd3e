import { z } from 'zod';
import { didYouMean } from '../util/did-you-mean.js';

/**
 * THE table of metrics: every figure scalebench measures, under the one name
 * it has in every file (records.jsonl, summary.csv, samples.jsonl,
 * timeseries.csv, gate files, matrix objectives, baselines) and on the
 * command line.
 *
 * Names: `<quantity>[_<unit>][_<statistic>]`, snake_case. The unit follows the
 * quantity (`ms`, `s`, `rps`, `usd`, `pct`, …; none for counts and shares),
 * the statistic comes last (`mean`, `p50`, `p90`, `p95`, `p99`, `max`,
 * `stdev`, `bucket_lo`/`bucket_hi` of a histogram quantile). Figures from
 * Prometheus's vLLM histograms start with `server_`; the client's carry no
 * prefix. So `ttft_ms_p95` is the client's p95 time to first token in ms, and
 * `server_ttft_ms_p95` the server's, wherever either appears.
 *
 * Scope: `cell` figures have one value per cell (records, summary.csv);
 * `sample` figures one per sample (samples.jsonl, timeseries.csv). A figure
 * may be both (`server_ttft_ms_p95`: over the main phase for a cell, over the
 * sampler's window for a sample). `curve` figures have one value per point
 * of a tune curve (profiles' `curve`: one load per replica); a cell figure a
 * curve point carries too (`requests`, `failures`, `ttft_ms_p95`, …,
 * `kv_cache_usage_mean`) keeps its name there, taken over that point's
 * requests and samples, and `curveFigures` lists them all.
 */

export const units = ['ms', 's', 'hours', 'share', 'pct', 'count', 'tokens', 'rps', 'tokens_per_s', 'usd', 'usd_per_hour', 'usd_per_million_tokens'] as const;
export type Unit = (typeof units)[number];
/** Which way is better; `none` for a figure that describes the load or the stack (a gate rule on it must say). */
export type Direction = 'lower' | 'higher' | 'none';
/** Who measures it: the client (k6's points), the server (Prometheus), the replicas (the target's counts, CPU, cost), the harness itself. */
export type Source = 'client' | 'server' | 'replicas' | 'harness';
export type Scope = 'cell' | 'sample' | 'curve';

export interface MetricSpec {
  unit: Unit;
  better: Direction;
  source: Source;
  scopes: readonly Scope[];
  /** Short label for tables and charts. */
  label: string;
  /**
   * Where a sample's value comes from Prometheus: the query, with `$sel` for
   * the label matchers (no braces) and `$w` for the range, and the factor from
   * the query's unit to the figure's (seconds → ms: 1000).
   */
  promql?: { query: string; scale: number };
}

/** vLLM's histograms (../shared/reference/vllm-metrics.md), by the quantity they measure. */
export const histograms = {
  ttft: 'vllm:time_to_first_token_seconds',
  tpot: 'vllm:time_per_output_token_seconds',
  itl: 'vllm:inter_token_latency_seconds',
  e2e: 'vllm:e2e_request_latency_seconds',
  queue: 'vllm:request_queue_time_seconds',
} as const;
export type HistogramName = keyof typeof histograms;

const quantile = (h: HistogramName, q: number): { query: string; scale: number } => ({
  query: `histogram_quantile(${q}, sum by (le) (rate(${histograms[h]}_bucket{$sel}[$w])))`,
  scale: 1000,
});
const QUANTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

type Row = Omit<MetricSpec, 'scopes'> & { scopes?: readonly Scope[] };
const cell = ['cell'] as const;
const sample = ['sample'] as const;
const both = ['cell', 'sample'] as const;
const curve = ['curve'] as const;

const client = (unit: Unit, better: Direction, label: string): Row => ({ unit, better, source: 'client', label });
const server = <E extends Partial<Row> = object>(unit: Unit, better: Direction, label: string, extra?: E): Row & E =>
  ({ unit, better, source: 'server', label, ...extra }) as Row & E;
const replicas = <E extends Partial<Row> = object>(unit: Unit, better: Direction, label: string, extra?: E): Row & E =>
  ({ unit, better, source: 'replicas', label, ...extra }) as Row & E;
const harness = (unit: Unit, label: string): Row => ({ unit, better: 'none', source: 'harness', label });

/** The latency quantities the client measures, each with mean/p50/p90/p95/p99 (records' distribution columns). */
const latencies = { ttft: 'TTFT', tpot: 'TPOT', itl: 'ITL', e2e: 'E2E' } as const;
const clientDistributions = Object.fromEntries(
  Object.entries(latencies).flatMap(([q, label]) =>
    (['mean', 'p50', 'p90', 'p95', 'p99'] as const).map((s) => [`${q}_ms_${s}`, client('ms', 'lower', `${label} ${s}`)]),
  ),
) as Record<`${keyof typeof latencies}_ms_${'mean' | 'p50' | 'p90' | 'p95' | 'p99'}`, Row>;

/** Server quantiles of TTFT/TPOT/E2E: per cell over the main phase, per sample over the sampler's window. */
type ServerLatency = 'ttft' | 'tpot' | 'e2e';
const serverQuantiles = Object.fromEntries(
  (['ttft', 'tpot', 'e2e'] as const).flatMap((q) =>
    (['p50', 'p95', 'p99'] as const).map((s) => [
      `server_${q}_ms_${s}`,
      server('ms', 'lower', `server ${latencies[q]} ${s}`, { scopes: both, promql: quantile(q, QUANTILES[s]) }),
    ]),
  ),
) as Record<`server_${ServerLatency}_ms_${'p50' | 'p95' | 'p99'}`, Row & { scopes: typeof both; promql: { query: string; scale: number } }>;
/** The histogram bucket holding a cell's server p95: its resolution. */
const serverBuckets = Object.fromEntries(
  (['ttft', 'tpot', 'e2e'] as const).flatMap((q) => [
    [`server_${q}_ms_p95_bucket_lo`, server('ms', 'none', `server ${latencies[q]} p95 bucket, lower bound`)],
    [`server_${q}_ms_p95_bucket_hi`, server('ms', 'none', `server ${latencies[q]} p95 bucket, upper bound (null: +Inf)`)],
  ]),
) as Record<`server_${ServerLatency}_ms_p95_bucket_${'lo' | 'hi'}`, Row>;

const rows = {
  // client: the load and its results (k6's points)
  requests: { ...client('count', 'none', 'requests'), scopes: both },
  failures: { ...client('count', 'lower', 'failures'), scopes: both },
  error_rate: client('share', 'lower', 'errors'),
  achieved_rps: client('rps', 'higher', 'achieved'),
  output_tokens_per_s: client('tokens_per_s', 'higher', 'output tokens/s'),
  total_tokens_per_s: client('tokens_per_s', 'higher', 'tokens/s'),
  prompt_tokens_mean: client('tokens', 'none', 'prompt tokens mean'),
  prompt_tokens_stdev: client('tokens', 'none', 'prompt tokens stdev'),
  output_tokens_mean: client('tokens', 'none', 'output tokens mean'),
  output_tokens_stdev: client('tokens', 'none', 'output tokens stdev'),
  ...clientDistributions,
  ttfc_ms_p50: client('ms', 'lower', 'TTFC p50'),
  ttfc_ms_p95: client('ms', 'lower', 'TTFC p95'),
  ttft_sched_ms_p50: client('ms', 'lower', 'TTFT from schedule p50'),
  ttft_sched_ms_p95: client('ms', 'lower', 'TTFT from schedule p95'),
  e2e_sched_ms_p95: client('ms', 'lower', 'E2E from schedule p95'),
  late_ms_p95: client('ms', 'lower', 'send lateness p95'),
  late_ms_p99: client('ms', 'lower', 'send lateness p99'),
  slo_attainment: client('share', 'higher', 'SLO attainment'),
  goodput_rps: client('rps', 'higher', 'goodput'),
  in_flight: { ...client('count', 'none', 'in flight'), scopes: sample },
  in_flight_mean: client('count', 'none', 'in flight mean'),
  in_flight_max: client('count', 'none', 'in flight max'),
  harness_errors: client('count', 'lower', 'harness errors'),
  dropped_iterations: client('count', 'lower', 'dropped iterations'),
  cached_token_share: client('share', 'none', 'cached prompt tokens'),
  // server: Prometheus, vLLM's metrics
  ...serverQuantiles,
  ...serverBuckets,
  server_queue_ms_p50: server('ms', 'lower', 'server queue p50'),
  server_queue_ms_p95: server('ms', 'lower', 'server queue p95'),
  running: server('count', 'none', 'running', { scopes: sample, promql: { query: 'sum(vllm:num_requests_running{$sel})', scale: 1 } }),
  running_mean: server('count', 'none', 'running mean'),
  running_p95: server('count', 'none', 'running p95'),
  waiting: server('count', 'none', 'waiting', { scopes: sample, promql: { query: 'sum(vllm:num_requests_waiting{$sel})', scale: 1 } }),
  waiting_mean: server('count', 'lower', 'waiting mean'),
  waiting_p95: server('count', 'lower', 'waiting p95'),
  // vLLM renamed the gauge in 0.9 (gpu_cache_usage_perc → kv_cache_usage_perc): both are matched.
  kv_cache_usage: server('share', 'none', 'KV cache usage', {
    scopes: sample,
    promql: { query: 'avg(vllm:kv_cache_usage_perc{$sel} or vllm:gpu_cache_usage_perc{$sel})', scale: 1 },
  }),
  kv_cache_usage_mean: server('share', 'none', 'KV cache usage mean'),
  kv_cache_usage_p95: server('share', 'none', 'KV cache usage p95'),
  server_output_tokens_per_s: server('tokens_per_s', 'higher', 'server output tokens/s', {
    scopes: sample,
    promql: { query: 'sum(rate(vllm:generation_tokens_total{$sel}[$w]))', scale: 1 },
  }),
  server_requests_per_s: server('rps', 'higher', 'server requests/s', {
    scopes: sample,
    promql: { query: 'sum(rate(vllm:request_success_total{$sel}[$w]))', scale: 1 },
  }),
  preemptions: server('count', 'lower', 'preemptions'),
  sample_gaps: server('count', 'lower', 'samples without Prometheus'),
  // replicas: the target's counts, CPU and what they cost
  replicas_desired: replicas('count', 'none', 'desired replicas', { scopes: sample }),
  replicas_current: replicas('count', 'none', 'current replicas', { scopes: sample }),
  replicas_ready: replicas('count', 'none', 'ready replicas', { scopes: sample }),
  replicas_mean: replicas('count', 'none', 'replicas mean'),
  replicas_ready_max: replicas('count', 'none', 'replicas max'),
  cpu_utilization_pct: replicas('pct', 'none', 'CPU of request', { scopes: sample }),
  replica_seconds: replicas('s', 'lower', 'replica-seconds'),
  gpu_hours: replicas('hours', 'lower', 'GPU-hours'),
  cost_usd: replicas('usd', 'lower', 'cost'),
  gpu_share_per_replica: replicas('share', 'none', 'GPU share per replica'),
  usd_per_replica_hour: replicas('usd_per_hour', 'none', 'price per replica-hour'),
  usd_per_million_tokens_at_slo: replicas('usd_per_million_tokens', 'lower', 'cost per million tokens at SLO'),
  scale_up_decision_s: replicas('s', 'lower', 'scale-up decision'),
  scale_up_lag_s: replicas('s', 'lower', 'scale-up lag'),
  recovery_s: replicas('s', 'lower', 'recovery'),
  scale_down_lag_s: replicas('s', 'lower', 'scale-down lag'),
  oscillations: replicas('count', 'lower', 'oscillations'),
  over_provisioning: replicas('share', 'lower', 'over-provisioning'),
  // a tune curve's point: per ready replica at that load (src/tune/curve.ts)
  successful_rps_per_replica: { ...client('rps', 'higher', 'successful requests/s per replica'), scopes: curve },
  in_flight_per_replica_mean: { ...client('count', 'none', 'in flight per replica mean'), scopes: curve },
  running_per_replica_mean: { ...server('count', 'none', 'running per replica mean'), scopes: curve },
  waiting_per_replica_mean: { ...server('count', 'none', 'waiting per replica mean'), scopes: curve },
  // the harness's own CPU while the load ran
  k6_cpu_pct: harness('pct', 'k6 CPU'),
  router_cpu_pct: harness('pct', 'router CPU'),
  runner_cpu_pct: harness('pct', 'runner CPU'),
  machine_busy_pct: harness('pct', 'machine busy'),
} satisfies Record<string, Row>;

export type MetricName = keyof typeof rows;

/** Every metric by name, in table order. */
export const metrics: Readonly<Record<MetricName, MetricSpec>> = Object.fromEntries(
  Object.entries(rows).map(([name, r]) => [name, { ...r, scopes: (r as Row).scopes ?? cell }]),
) as Record<MetricName, MetricSpec>;

export const metricNames: readonly MetricName[] = Object.keys(metrics) as MetricName[];

type ScopeOf<N extends MetricName> = (typeof rows)[N] extends { scopes: readonly (infer S)[] } ? S : 'cell';
/** Figures with one value per cell: records, summary.csv, gates, compare. */
export type CellMetric = { [N in MetricName]: 'cell' extends ScopeOf<N> ? N : never }[MetricName];
/** Figures with one value per sample: samples.jsonl, timeseries.csv. */
export type SampleMetric = { [N in MetricName]: 'sample' extends ScopeOf<N> ? N : never }[MetricName];

export const cellMetrics = metricNames.filter((n) => metrics[n].scopes.includes('cell')) as readonly CellMetric[];
export const sampleMetrics = metricNames.filter((n) => metrics[n].scopes.includes('sample')) as readonly SampleMetric[];

/** The figures of a tune curve's point (profiles' `curve`), besides its `load` per replica and `saturated` flag. */
export const curveFigures = [
  'requests',
  'failures',
  'ttft_ms_p95',
  'tpot_ms_p95',
  'e2e_ms_p95',
  'successful_rps_per_replica',
  'in_flight_per_replica_mean',
  'running_per_replica_mean',
  'waiting_per_replica_mean',
  'kv_cache_usage_mean',
] as const satisfies readonly MetricName[];
export type CurveFigure = (typeof curveFigures)[number];

/** Sample figures read from Prometheus: the keys of a sample's `server` (samples.jsonl), one query each. */
export type PromSampleMetric = { [N in SampleMetric]: (typeof rows)[N] extends { promql: object } ? N : never }[SampleMetric];
export const promSampleMetrics = sampleMetrics.filter((n) => metrics[n].promql !== undefined) as readonly PromSampleMetric[];

/** A figure's PromQL for label matchers `sel` (no braces) and range `w`. */
export function promqlOf(name: MetricName, sel: string, w: string): string {
  const p = metrics[name].promql;
  if (!p) throw new Error(`${name} does not come from Prometheus`);
  return p.query.replaceAll('$sel', sel).replaceAll('$w', w);
}

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(metrics, name);
}

/**
 * The objectives a matrix (or `recommend --slo`) may set, each a p95 the
 * client measures; a request meets the SLO when it meets every one given.
 */
export const objectives = ['ttft_ms_p95', 'tpot_ms_p95', 'e2e_ms_p95'] as const satisfies readonly CellMetric[];
export type Objective = (typeof objectives)[number];
/** A figure that setups are judged on: its name, label, unit and which way is better. */
export interface JudgedMetric {
  field: CellMetric;
  label: string;
  better: 'lower' | 'higher';
  unit: Unit;
}

/** A figure with a direction, as reports and verdicts compare it (a programming error for one without). */
export function judged(field: CellMetric): JudgedMetric {
  const m = metrics[field];
  if (m.better === 'none') throw new Error(`${field} has no better side in the metric table: it cannot be judged`);
  return { field, label: m.label, better: m.better, unit: m.unit };
}

/** Whether any objective is set. */
export function hasObjectives(slo: Partial<Record<Objective, number>>): boolean {
  return objectives.some((o) => slo[o] !== undefined);
}
/** The quantity an objective bounds: the key of the per-request columns and of the per-objective pass (`slo_pass_ttft`). */
export const objectiveQuantity = { ttft_ms_p95: 'ttft', tpot_ms_p95: 'tpot', e2e_ms_p95: 'e2e' } as const satisfies Record<Objective, string>;

/**
 * What is wrong with a metric name an input gives, or undefined when it is a
 * figure of the scope: `unknown metric "ttft_p59" (…)`.
 */
export function metricNameProblem(name: string, scope: Scope = 'cell'): string | undefined {
  if (isMetricName(name) && metrics[name].scopes.includes(scope)) return undefined;
  const known: readonly MetricName[] = scope === 'cell' ? cellMetrics : scope === 'sample' ? sampleMetrics : curveFigures;
  const per = (s: Scope | undefined): string => (s === 'curve' ? 'per-curve-point' : `per-${s}`);
  if (isMetricName(name)) return `"${name}" is a ${per(metrics[name].scopes[0])} figure, not a ${per(scope)} one`;
  // The same words in another order (the old `ttft_ms_p95`), else a small edit away.
  const words = (n: string): string => n.split('_').sort().join('_');
  const reordered = known.find((k) => words(k) === words(name));
  const hint = reordered ? `; did you mean "${reordered}"?` : didYouMean(name, known);
  return `unknown metric "${name}"${hint} (names are <quantity>_<unit>_<statistic>, e.g. ttft_ms_p95; every one is in src/vocabulary/metrics.ts)`;
}

/** A metric name in an input file, checked against the table (the problem lands at the value's file:line:col). */
export const cellMetricSchema = z.custom<CellMetric>((v) => typeof v === 'string' && metricNameProblem(v, 'cell') === undefined, {
  error: (issue) => (typeof issue.input === 'string' ? metricNameProblem(issue.input, 'cell') : `expected a metric name, got ${typeof issue.input}`),
});
