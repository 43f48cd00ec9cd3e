import type { ResolvedSlo } from '../matrix/types.js';
import type { BenchmarkRecord } from './records.js';

/** A Vega-Lite spec, as data. */
export type Spec = Record<string, unknown>;

/** One timeseries row, as timeseries.csv holds it. */
export interface TimeRow {
  cell_id: string;
  autoscaler: string;
  level: number;
  repeat: number;
  elapsed_s: number;
  phase: string;
  offered: number;
  replicas_desired: number;
  replicas_ready: number;
  ttft_p95_ms: number | null;
  waiting: number | null;
}

const WIDTH = 560;

/** Ready replicas over time per autoscaler, with the offered load on a second axis, for one load level. */
export function replicasChart(rows: readonly TimeRow[], level: number): Spec {
  const data = rows.filter((r) => r.level === level && r.repeat === 1);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Replicas over time at load level ${level}`,
    width: WIDTH,
    height: 220,
    data: { values: data },
    layer: [
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'elapsed_s', type: 'quantitative', title: 'seconds since load start' },
          y: { field: 'replicas_ready', type: 'quantitative', title: 'ready replicas', axis: { tickMinStep: 1 } },
          color: { field: 'autoscaler', type: 'nominal', title: 'autoscaler' },
        },
      },
      {
        mark: { type: 'line', strokeDash: [4, 4], color: '#888' },
        encoding: {
          x: { field: 'elapsed_s', type: 'quantitative' },
          y: { aggregate: 'max', field: 'offered', type: 'quantitative', title: 'offered load (users or req/s)', axis: { orient: 'right' } },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

/** A p95 latency vs load level per autoscaler, with the SLO as a rule. */
export function latencyChart(records: readonly BenchmarkRecord[], field: 'ttft_ms_p95' | 'tpot_ms_p95', sloMs: number | undefined): Spec {
  const label = field === 'ttft_ms_p95' ? 'p95 TTFT (ms)' : 'p95 TPOT (ms)';
  const layer: Spec[] = [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'level', type: 'quantitative', title: 'load level (users or req/s)', axis: { format: '~g' } },
        y: { aggregate: 'mean', field, type: 'quantitative', title: label },
        color: { field: 'autoscaler', type: 'nominal' },
      },
    },
  ];
  if (sloMs !== undefined) {
    layer.push({ data: { values: [{ slo: sloMs }] }, mark: { type: 'rule', color: '#c00', strokeDash: [6, 3] }, encoding: { y: { field: 'slo', type: 'quantitative' } } });
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `${label} vs load, SLO dashed`, width: WIDTH, height: 220, data: { values: records }, layer };
}

/** SLO attainment against cost per autoscaler: up and to the left is better (the Pareto view). */
export function paretoChart(records: readonly BenchmarkRecord[]): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'SLO attainment vs cost (each point a cell)',
    width: WIDTH,
    height: 220,
    data: { values: records.filter((r) => r.slo_attainment !== null) },
    mark: { type: 'point', filled: true, size: 80 },
    encoding: {
      x: { field: 'cost_usd', type: 'quantitative', title: 'cost of the cell (USD)' },
      y: { field: 'slo_attainment', type: 'quantitative', title: 'SLO attainment', scale: { domain: [0, 1] } },
      color: { field: 'autoscaler', type: 'nominal' },
      shape: { field: 'level', type: 'nominal', title: 'level' },
      tooltip: [{ field: 'cell_id' }, { field: 'cost_usd' }, { field: 'slo_attainment' }],
    },
  };
}

/** Scale-up lag (load step → new replica ready) per autoscaler. */
export function lagChart(records: readonly BenchmarkRecord[]): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Scale-up lag: load step → new replica ready (s)',
    width: WIDTH,
    height: 160,
    data: { values: records.filter((r) => r.scale_up_lag_s !== null) },
    mark: 'bar',
    encoding: {
      y: { field: 'autoscaler', type: 'nominal' },
      x: { aggregate: 'mean', field: 'scale_up_lag_s', type: 'quantitative', title: 'seconds (mean over cells)' },
      color: { field: 'autoscaler', type: 'nominal', legend: null },
    },
  };
}

/** Every chart of the report, in order. */
export function reportCharts(records: readonly BenchmarkRecord[], rows: readonly TimeRow[], slo: ResolvedSlo): Array<{ id: string; spec: Spec }> {
  const levels = [...new Set(rows.map((r) => r.level))].sort((a, b) => a - b);
  return [
    ...levels.map((level) => ({ id: `replicas-${level}`, spec: replicasChart(rows, level) })),
    { id: 'ttft', spec: latencyChart(records, 'ttft_ms_p95', slo.ttftP95Ms) },
    { id: 'tpot', spec: latencyChart(records, 'tpot_ms_p95', slo.tpotP95Ms) },
    { id: 'pareto', spec: paretoChart(records) },
    { id: 'lag', spec: lagChart(records) },
  ];
}
