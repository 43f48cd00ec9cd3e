import { aggregateRepeats } from '../analysis/run-analysis.js';
import type { ResolvedSlo } from '../matrix/types.js';
import type { BenchmarkRecord } from '../results/records.js';

/** A Vega-Lite spec, as data. */
export type Spec = Record<string, unknown>;
/** A chart of the page: its element id, and its spec (absent when there is nothing to draw, with a note instead). */
export interface Chart {
  id: string;
  title: string;
  spec?: Spec;
  note?: string;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 560;
const done = (records: readonly BenchmarkRecord[]): BenchmarkRecord[] => records.filter((r) => r.status === 'done');

/** The series a record belongs to: its autoscaler, prefixed by the deployment when the run has several. */
function seriesOf(records: readonly BenchmarkRecord[]): (r: BenchmarkRecord) => string {
  const several = new Set(records.map((r) => r.deployment)).size > 1;
  return (r) => (several ? `${r.deployment} · ${r.autoscaler}` : String(r.autoscaler));
}

/** Mean over repeats and 95 % CI of one record field, per series (autoscaler) and level. */
export function levelMeans(
  records: readonly BenchmarkRecord[],
  field: string,
): Array<{ autoscaler: string; level: number; mean: number; lo: number; hi: number; n: number }> {
  const series = seriesOf(records);
  const groups = aggregateRepeats(done(records), (r) => `${series(r)}\u0000${r.level}`, [field]);
  return groups.flatMap((g) => {
    const s = g.stats[field];
    if (!s) return [];
    const r = g.rows[0]!;
    return [{ autoscaler: series(r), level: Number(r.level), mean: s.mean, lo: s.lo ?? s.mean, hi: s.hi ?? s.mean, n: s.n }];
  });
}

/** A p95 latency vs load level per autoscaler: means over repeats, their 95 % CI as bars, the SLO as a dashed rule. */
export function latencyChart(records: readonly BenchmarkRecord[], field: 'ttft_ms_p95' | 'tpot_ms_p95', sloMs: number | undefined): Spec {
  const label = field === 'ttft_ms_p95' ? 'p95 TTFT (ms)' : 'p95 TPOT (ms)';
  const x = { field: 'level', type: 'quantitative', title: 'load level (users or req/s)', axis: { format: '~g' } };
  const layer: Spec[] = [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x,
        y: { field: 'mean', type: 'quantitative', title: label },
        color: { field: 'autoscaler', type: 'nominal' },
        tooltip: [{ field: 'autoscaler' }, { field: 'level' }, { field: 'mean', format: '.1f' }, { field: 'n', title: 'repeats' }],
      },
    },
    { mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'autoscaler', type: 'nominal' } } },
  ];
  if (sloMs !== undefined) {
    layer.push({
      data: { values: [{ slo: sloMs }] },
      mark: { type: 'rule', color: '#c00', strokeDash: [6, 3] },
      encoding: { y: { field: 'slo', type: 'quantitative' } },
    });
  }
  // Latencies are not negative: a wide interval from two repeats is cut at 0.
  const values = levelMeans(records, field).map((m) => ({ ...m, lo: Math.max(0, m.lo) }));
  return { $schema: SCHEMA, width: WIDTH, height: 220, data: { values }, layer };
}

/** Points not beaten on both counts: no other point as cheap or cheaper with higher attainment. Sorted by cost. */
export function paretoFront<P extends { cost: number; attainment: number }>(points: readonly P[]): P[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.attainment - a.attainment);
  const front: P[] = [];
  for (const p of sorted) if (front.length === 0 || p.attainment > front[front.length - 1]!.attainment) front.push(p);
  return front;
}

/**
 * SLO attainment against cost per autoscaler and level (means over repeats),
 * with each level's Pareto front (autoscalers are compared at the same load):
 * up and left is better.
 */
export function paretoChart(records: readonly BenchmarkRecord[]): Spec {
  const priced = done(records).every((r) => typeof r.cost_usd === 'number');
  const costField = priced ? 'cost_usd' : 'gpu_hours';
  const att = new Map(levelMeans(records, 'slo_attainment').map((m) => [`${m.autoscaler}/${m.level}`, m.mean]));
  const points = levelMeans(records, costField).flatMap((m) => {
    const attainment = att.get(`${m.autoscaler}/${m.level}`);
    return attainment === undefined ? [] : [{ autoscaler: m.autoscaler, level: m.level, cost: m.mean, attainment }];
  });
  const x = {
    field: 'cost',
    type: 'quantitative',
    title: priced ? 'cost of the cell (USD)' : 'GPU-hours of the cell (no price for this GPU)',
    scale: { zero: false, padding: 16 },
  };
  const y = { field: 'attainment', type: 'quantitative', title: 'SLO attainment', scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  return {
    $schema: SCHEMA,
    width: WIDTH,
    height: 240,
    layer: [
      {
        data: { values: [...new Set(points.map((p) => p.level))].flatMap((level) => paretoFront(points.filter((p) => p.level === level))) },
        mark: { type: 'line', interpolate: 'step-after', color: '#999', strokeDash: [2, 2] },
        encoding: { x, y, detail: { field: 'level', type: 'nominal' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x,
          y,
          color: { field: 'autoscaler', type: 'nominal' },
          shape: { field: 'level', type: 'nominal', title: 'level' },
          tooltip: [{ field: 'autoscaler' }, { field: 'level' }, { field: 'cost', format: '.4f' }, { field: 'attainment', format: '.1%' }],
        },
      },
    ],
  };
}

const MILESTONES = [
  ['scale_up_decision_s', '1. first scale-up ordered'],
  ['scale_up_lag_s', '2. new replica ready'],
  ['recovery_s', '3. SLO met again'],
] as const;

/** Scale-up lag per autoscaler: seconds from the load step to each milestone (means over cells). Undefined when no cell scaled up. */
export function lagChart(records: readonly BenchmarkRecord[]): Spec | undefined {
  const values = MILESTONES.flatMap(([field, milestone]) => {
    const byAutoscaler = aggregateRepeats(done(records), (r) => String(r.autoscaler), [field]);
    return byAutoscaler.flatMap((g) => (g.stats[field] ? [{ autoscaler: g.key, milestone, seconds: g.stats[field]!.mean, cells: g.stats[field]!.n }] : []));
  });
  if (!values.some((v) => v.milestone !== MILESTONES[2][1])) return undefined;
  return {
    $schema: SCHEMA,
    width: WIDTH,
    height: { step: 14 },
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'autoscaler', type: 'nominal', title: null },
      yOffset: { field: 'milestone', type: 'nominal' },
      x: { field: 'seconds', type: 'quantitative', title: 'seconds after the load stepped up (mean over cells)' },
      color: { field: 'milestone', type: 'nominal', title: 'milestone' },
      tooltip: [{ field: 'autoscaler' }, { field: 'milestone' }, { field: 'seconds', format: '.2f' }, { field: 'cells' }],
    },
  };
}

/** Every chart of the report, in page order. */
export function reportCharts(records: readonly BenchmarkRecord[], slo: ResolvedSlo): Chart[] {
  const lag = lagChart(records);
  return [
    { id: 'ttft', title: 'p95 TTFT vs load (SLO dashed red, bars: 95 % CI over repeats)', spec: latencyChart(records, 'ttft_ms_p95', slo.ttft_ms_p95) },
    { id: 'tpot', title: 'p95 TPOT vs load (SLO dashed red, bars: 95 % CI over repeats)', spec: latencyChart(records, 'tpot_ms_p95', slo.tpot_ms_p95) },
    { id: 'pareto', title: "SLO attainment vs cost (each level's Pareto front dotted)", spec: paretoChart(records) },
    lag
      ? { id: 'lag', title: 'Scale-up lag: load step → decision → replica ready → SLO met', spec: lag }
      : { id: 'lag', title: 'Scale-up lag', note: 'No cell scaled up after its load step.' },
  ];
}
