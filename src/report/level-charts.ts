import { downStages, upStages, type CellAnatomy } from '../analysis/anatomy.js';
import type { SloWindow } from '../analysis/windows.js';
import type { Cell, ResolvedSlo } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import type { Spec } from './charts.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 560;

/** One cell's series for the level charts: its samples, its client windows and its anatomy. */
export interface CellSeries {
  cell: Pick<Cell, 'id' | 'level' | 'repeat' | 'autoscaler'> & { load?: Pick<Cell['load'], 'shape'> };
  samples: readonly Sample[];
  windows: readonly SloWindow[];
  windowMs: number;
  anatomy?: CellAnatomy;
}

/** The name a cell is drawn under: its autoscaler, with the repeat when the level has several. */
function labeller(cells: readonly CellSeries[]): (c: CellSeries) => string {
  const several = cells.some((c) => c.cell.repeat > 1);
  return (c) => (several ? `${c.cell.autoscaler.name} r${c.cell.repeat}` : c.cell.autoscaler.name);
}

// One time axis for all panels: its title only under the last one.
const x = { field: 's', type: 'quantitative', title: null } as const;
const xLast = { ...x, title: 'seconds since the load started' } as const;
const color = { field: 'setup', type: 'nominal', title: 'setup' } as const;

function panel(title: string, values: object[], layers: Spec[]): Spec {
  return { width: WIDTH, height: 90, title: { text: title, anchor: 'start', fontSize: 12 }, data: { values }, layer: layers };
}

function sloRule(ms: number | undefined): Spec[] {
  return ms === undefined
    ? []
    : [{ data: { values: [{ slo: ms }] }, mark: { type: 'rule', color: '#c00', strokeDash: [6, 3] }, encoding: { y: { field: 'slo', type: 'quantitative' } } }];
}

/**
 * The aligned time series of one level, one colour per setup, on one time
 * axis: offered load, desired (dashed) and ready replicas, client p95 TTFT and
 * TPOT per window with the SLO (dashed red), and the server's waiting queue.
 */
export function levelTimeline(cells: readonly CellSeries[], slo: ResolvedSlo): Spec {
  const name = labeller(cells);
  const samples = cells.flatMap((c) => c.samples.filter((s) => s.elapsed_s >= 0).map((s) => ({ c, s })));
  const offered = cells.length ? cells[0]!.samples.filter((s) => s.elapsed_s >= 0).map((s) => ({ s: s.elapsed_s, offered: s.offered })) : [];
  // Open loops (arrival rates, traces): what each setup's client sent, requests/s per window, beside what was offered.
  const openLoop = cells.some((c) => c.cell.load?.shape === 'arrival-rate' || c.cell.load?.shape === 'trace');
  const sent = openLoop
    ? cells.flatMap((c) => c.windows.map((w) => ({ setup: name(c), s: (w.startMs + c.windowMs / 2) / 1000, sent: w.requests / (c.windowMs / 1000) })))
    : [];
  const replicas = samples.flatMap(({ c, s }) => [
    { setup: name(c), s: s.elapsed_s, kind: 'ready', replicas: s.replicas.ready },
    { setup: name(c), s: s.elapsed_s, kind: 'desired', replicas: s.replicas.desired },
  ]);
  const windows = cells.flatMap((c) =>
    c.windows
      .filter((w) => w.requests > 0)
      .map((w) => ({ setup: name(c), s: (w.startMs + c.windowMs / 2) / 1000, ttft: w.ttft_ms_p95 ?? null, tpot: w.tpot_ms_p95 ?? null })),
  );
  const waiting = samples.flatMap(({ c, s }) => (typeof s.server?.waiting === 'number' ? [{ setup: name(c), s: s.elapsed_s, waiting: s.server.waiting }] : []));
  const line = (field: string, title: string, extra: object = {}): Spec => ({
    mark: { type: 'line', interpolate: 'step-after', ...extra },
    encoding: {
      x: xLast,
      y: { field, type: 'quantitative', title },
      color,
      tooltip: [{ field: 'setup' }, { field: 's', title: 's' }, { field, format: '.4~f' }],
    },
  });
  const latency = (field: 'ttft' | 'tpot', title: string, ms: number | undefined): Spec =>
    panel(
      `client ${title} per ${cells[0]?.windowMs ?? 1000} ms window (SLO dashed red)`,
      windows.filter((w) => w[field] !== null),
      [
        {
          mark: { type: 'line', point: { size: 18 } },
          encoding: {
            x,
            y: { field, type: 'quantitative', title: `${title} (ms)` },
            color,
            tooltip: [{ field: 'setup' }, { field: 's', title: 's' }, { field, format: '.1f' }],
          },
        },
        ...sloRule(ms),
      ],
    );
  return {
    $schema: SCHEMA,
    spacing: 8,
    vconcat: [
      panel(openLoop ? 'requests/s: offered (grey), sent by each setup’s client (colour)' : 'offered load (users or req/s)', offered, [
        {
          mark: { type: 'line', interpolate: 'step-after', color: '#666' },
          encoding: { x, y: { field: 'offered', type: 'quantitative', title: openLoop ? 'requests/s' : 'offered' } },
        },
        ...(openLoop
          ? [
              {
                data: { values: sent },
                mark: { type: 'line', point: { size: 12 }, opacity: 0.8 },
                encoding: {
                  x,
                  y: { field: 'sent', type: 'quantitative' },
                  color,
                  tooltip: [{ field: 'setup' }, { field: 's', title: 's' }, { field: 'sent', format: '.2f' }],
                },
              } as Spec,
            ]
          : []),
      ]),
      panel('replicas: ready (solid), desired (dashed)', replicas, [
        {
          mark: { type: 'line', interpolate: 'step-after' },
          encoding: {
            x,
            y: { field: 'replicas', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 } },
            color,
            strokeDash: {
              field: 'kind',
              type: 'nominal',
              scale: {
                domain: ['ready', 'desired'],
                range: [
                  [1, 0],
                  [4, 3],
                ],
              },
              legend: null,
            },
            detail: { field: 'kind' },
            tooltip: [{ field: 'setup' }, { field: 'kind' }, { field: 's', title: 's' }, { field: 'replicas' }],
          },
        },
      ]),
      latency('ttft', 'p95 TTFT', slo.ttft_ms_p95),
      latency('tpot', 'p95 TPOT', slo.tpot_ms_p95),
      panel('requests waiting (server queue, all replicas)', waiting, [line('waiting', 'waiting')]),
    ],
    resolve: { scale: { x: 'shared', color: 'shared' } },
  };
}

const STAGE_LABELS: Record<'up' | 'down', Record<string, string>> = {
  up: Object.fromEntries(upStages.map(([n, end], k) => [n, `↑${k + 1} ${n}: until ${end}`])),
  down: Object.fromEntries(downStages.map(([n, end], k) => [n, `↓${k + 1} ${n}: until ${end}`])),
};
/** Every stage label in order: the colour legend. */
export const stageDomain = [...Object.values(STAGE_LABELS.up), ...Object.values(STAGE_LABELS.down)];

/** The rows of the anatomy chart: one bar per stage of every episode, seconds after the cell's load started. */
export function anatomyRows(cells: readonly CellSeries[], loadStartOf: (c: CellSeries) => number): Array<Record<string, string | number | boolean>> {
  const name = labeller(cells);
  return cells.flatMap((c) =>
    (c.anatomy?.episodes ?? []).flatMap((e) => {
      const offset = (e.atMs - loadStartOf(c)) / 1000;
      return e.stages.map((st) => ({
        setup: name(c),
        direction: e.direction === 'up' ? 'scale-up' : 'scale-down',
        stage: STAGE_LABELS[e.direction][st.name] ?? st.name,
        from: offset + st.fromS,
        to: offset + st.toS,
        seconds: st.toS - st.fromS,
        ended: st.ended,
        violation_s: st.violationS,
        violating: st.violating,
        requests: st.requests,
        over_replica_s: st.overProvisionedReplicaS ?? 0,
      }));
    }),
  );
}

/**
 * The anatomy as a stacked timeline: per setup, a bar per stage of its
 * scale-up and scale-down on the time axis of the series above; a stage whose
 * end never came is faded. SLO-violation seconds and requests are in each
 * bar's tooltip and the table under the chart; a stage in which the SLO was
 * missed is outlined in red.
 */
export function anatomyChart(rows: ReadonlyArray<Record<string, string | number | boolean>>): Spec {
  const y = { field: 'setup', type: 'nominal', title: null };
  return {
    $schema: SCHEMA,
    width: WIDTH,
    height: { step: 22 },
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', height: 14, stroke: '#c00' },
        encoding: {
          y,
          x: { field: 'from', type: 'quantitative', title: 'seconds since the load started' },
          x2: { field: 'to' },
          color: {
            field: 'stage',
            type: 'nominal',
            scale: { domain: stageDomain, scheme: 'tableau20' },
            title: 'stage (red outline: SLO missed in it)',
            legend: { labelLimit: 320, titleLimit: 320 },
          },
          opacity: { condition: { test: 'datum.ended', value: 1 }, value: 0.35 },
          strokeWidth: { condition: { test: 'datum.violation_s > 0', value: 2 }, value: 0 },
          tooltip: [
            { field: 'setup' },
            { field: 'direction' },
            { field: 'stage' },
            { field: 'seconds', format: '.3f' },
            { field: 'violation_s', title: 'SLO-violation s' },
            { field: 'violating', title: 'violating requests' },
            { field: 'requests' },
            { field: 'over_replica_s', title: 'over-provisioned replica-s' },
          ],
        },
      },
    ],
  };
}
