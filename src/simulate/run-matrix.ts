import { closeSync, openSync, writeSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { accumulatePoints } from '../analysis/points-parallel.js';
import { round } from '../analysis/stats.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import type { Profile } from '../recommend/profiles.js';
import { writeJsonAtomic } from '../results/files.js';
import { cellEntries, RunDir, type RunRecord, RECORD_FORMAT } from '../results/run-dir.js';
import { simulateCell, type SimCellOutcome, type SimPoint } from './engine.js';
import { isScheduled } from '../load/schedule.js';
import { scheduledPool, simLoad } from './load.js';
import { serviceFor, type ServiceModel } from './service.js';
import { SimAggregate, type SimClientSummary } from './summary.js';
import type { SimTiming } from './timing.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CellResult } from '../results/cell-result.js';

/**
 * The I/O shell of `scalebench simulate`: every cell of a matrix simulated
 * and written as a run directory the report reads like any other — run.json,
 * and per cell cell.json, points.jsonl, samples.jsonl, events.jsonl and
 * result.json — marked as simulated: the run id starts with `sim-`, run.json's
 * tools name the simulation and its service model, result.json carries
 * `simulated`.
 */

/** One simulated cell's figures (kept whatever is written). */
export interface SimCellFigures {
  cell: Cell;
  service: Pick<ServiceModel, 'source' | 'note'>;
  outcome: SimCellOutcome;
  client: SimClientSummary;
  /** Wall time the simulation took, ms. */
  wallMs: number;
}

/** Buffered appends of text lines to a file (one write per 256 KiB). */
class LineFile {
  private fd: number;
  private buf = '';
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  line(s: string): void {
    this.buf += s;
    this.buf += '\n';
    if (this.buf.length > 1 << 18) this.flush();
  }
  flush(): void {
    if (this.buf) writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const num = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : 'null');

/** A point as the scenario writes it: flat compact JSON (what point-lines.ts decodes fastest). */
export function pointLine(p: SimPoint): string {
  return (
    `{"t":${num(p.t)},"t_sched":${num(p.tSched)},"phase":"${p.main ? 'main' : 'warmup'}","ok":${p.ok},"status":${p.status},` +
    `"error":${p.error === null ? 'null' : JSON.stringify(p.error)},"error_source":${p.errorSource === null ? 'null' : `"${p.errorSource}"`},` +
    `"ttft_ms":${num(p.ttftMs)},"tpot_ms":${num(p.tpotMs)},"e2e_ms":${num(p.e2eMs)},"itl_ms":[],"prompt_tokens":${p.ok ? p.prompt : 'null'},"output_tokens":${p.ok ? p.output : 'null'}}`
  );
}

export interface SimulateCellsOptions {
  /** Models and GPUs, for the roofline's latencies. */
  catalog: Catalog;
  matrix: ResolvedMatrix;
  cells: readonly Cell[];
  profiles: readonly Profile[];
  timing?: Partial<SimTiming>;
  /** ms since the epoch the first cell is deployed at; each next cell starts after the one before. */
  startMs: number;
  /** When a cell is deployed, ms since the epoch, where known (calibration: the measured run's own); else after the one before. */
  deployAt?: (cell: Cell) => number | undefined;
  /** How long a cell's deployed replicas took to be ready, where known (calibration: the measured cell's first). */
  deployReadyMs?: (cell: Cell) => number | undefined;
  /** A cell directory to write into, when the run is written. */
  cellDir?: (cell: Cell) => string;
  /** Write points.jsonl (needs cellDir). @default true */
  points?: boolean;
  onCell?: (f: SimCellFigures, index: number) => void;
}

/** Simulates cells in order; writes their files when cellDir is given. */
export function simulateCells(o: SimulateCellsOptions): SimCellFigures[] {
  const out: SimCellFigures[] = [];
  let startMs = o.deployAt?.(o.cells[0]!) ?? o.startMs;
  // One Prometheus for the whole run, started just before the first cell (its discovery ticks run from there).
  const timing: Partial<SimTiming> = { prometheusStartMs: startMs - 100, ...o.timing };
  // A scheduled load's VU pool needs a pass over its arrivals: once per distinct load.
  const pools = new Map<string, number>();
  const poolOf = (cell: Cell): number | undefined => {
    if (!isScheduled(cell.load)) return undefined;
    const key = JSON.stringify([cell.load, cell.level, cell.repeat, cell.deployment.vllm.maxModelLen]);
    let n = pools.get(key);
    if (n === undefined) pools.set(key, (n = scheduledPool(cell, o.matrix.workload)));
    return n;
  };
  for (const [i, cell] of o.cells.entries()) {
    const wall = performance.now();
    startMs = o.deployAt?.(cell) ?? startMs;
    const service = serviceFor(o.catalog, cell.deployment, o.matrix, o.profiles);
    const agg = new SimAggregate(o.matrix.slo);
    const dir = o.cellDir?.(cell);
    const points = dir && o.points !== false ? new LineFile(join(dir, 'points.jsonl')) : undefined;
    const samples = dir ? new LineFile(join(dir, 'samples.jsonl')) : undefined;
    const events = dir ? new LineFile(join(dir, 'events.jsonl')) : undefined;
    const kept: Sample[] = [];
    let outcome: SimCellOutcome;
    try {
      outcome = simulateCell({
        cell,
        matrix: o.matrix,
        service,
        load: simLoad(cell, o.matrix.workload, poolOf(cell)),
        startMs,
        ...(o.deployReadyMs?.(cell) !== undefined ? { deployReadyMs: o.deployReadyMs(cell)! } : {}),
        timing,
        sink: {
          point: (p) => {
            agg.add(p);
            points?.line(pointLine(p));
          },
          sample: (s) => {
            samples?.line(JSON.stringify(s));
            if (dir) kept.push(s);
          },
          event: (e) => events?.line(JSON.stringify(e)),
        },
      });
    } finally {
      points?.close();
      samples?.close();
      events?.close();
    }
    const figures: SimCellFigures = {
      cell,
      service: { source: service.source, note: service.note },
      outcome,
      client: agg.summary(),
      wallMs: performance.now() - wall,
    };
    if (dir) writeCellResult(dir, cell, o.matrix, figures, kept, o.points !== false);
    out.push(figures);
    o.onCell?.(figures, i);
    // The next cell a minute after this one ended, as a run would (deploy time aside).
    startMs = Math.ceil(outcome.endMs) + 60_000;
  }
  return out;
}

function writeCellResult(dir: string, cell: Cell, matrix: ResolvedMatrix, f: SimCellFigures, samples: readonly Sample[], withPoints: boolean): void {
  writeJsonAtomic(join(dir, 'cell.json'), cell);
  const client = withPoints ? accumulatePoints(join(dir, 'points.jsonl'), matrix.slo, cell.load.durationMs).summary() : undefined;
  let max = 0;
  let sum = 0;
  for (const s of samples) {
    max = Math.max(max, s.replicas.ready);
    sum += s.replicas.ready;
  }
  const result: CellResult & { simulated: Record<string, unknown> } = {
    id: cell.id,
    status: 'done',
    loadStart: f.outcome.loadStart,
    loadEnd: Math.round(f.outcome.endMs),
    k6ExitCode: 0,
    client: client ?? emptyClient(f.client),
    replicas: { max, mean: samples.length ? round(sum / samples.length, 2) : 0, final: samples.at(-1)?.replicas.ready ?? 0 },
    samples: samples.length,
    sampleGaps: 0,
    scenarioStartMs: f.outcome.scenarioStartMs,
    ...(f.outcome.dropped ? { droppedIterations: f.outcome.dropped } : {}),
    simulated: {
      service: f.service.source,
      note: f.service.note,
      events: f.outcome.events,
      wall_ms: Math.round(f.wallMs),
      main_replica_seconds: round(f.outcome.mainReplicaSeconds, 3),
      aggregate: f.client,
    },
  };
  writeJsonAtomic(join(dir, 'result.json'), result);
}

/** A client summary with the aggregate's figures where points were not kept. */
function emptyClient(c: SimClientSummary): CellResult['client'] {
  const dist = (p95?: number): CellResult['client']['ttftMs'] => ({
    count: p95 === undefined ? 0 : c.requests - c.errors,
    ...(p95 !== undefined ? { p95 } : {}),
  });
  return {
    requests: c.requests,
    errors: c.errors,
    errorRate: c.requests ? round(c.errors / c.requests, 4) : 0,
    errorKinds: [],
    errorSources: {},
    rps: 0,
    outputTokensPerS: 0,
    ttftMs: dist(c.ttft_ms_p95),
    ttfcMs: dist(c.ttft_ms_p95),
    tpotMs: dist(c.tpot_ms_p95),
    itlMs: dist(),
    e2eMs: dist(c.e2e_ms_p95),
    slo: { ...(c.attainment !== undefined ? { attainment: c.attainment } : {}), pass: {} },
  };
}

export interface WriteSimRunOptions {
  catalog: Catalog;
  matrix: ResolvedMatrix;
  cells: readonly Cell[];
  profiles: readonly Profile[];
  reportsDir: string;
  id: string;
  timing?: Partial<SimTiming>;
  deployAt?: (cell: Cell) => number | undefined;
  deployReadyMs?: (cell: Cell) => number | undefined;
  points?: boolean;
  git?: string;
  onCell?: (f: SimCellFigures, index: number) => void;
}

/** Simulates a matrix into a new run directory (run.json marked as simulated); returns it with each cell's figures. */
export function writeSimRun(o: WriteSimRunOptions): { dir: RunDir; figures: SimCellFigures[] } {
  const now = new Date().toISOString();
  const record: RunRecord = {
    format: RECORD_FORMAT,
    id: o.id,
    status: 'running',
    createdAt: now,
    startedAt: now,
    matrix: o.matrix,
    matrixHash: o.matrix.hash,
    tools: { simulation: 'SIMULATED by scalebench simulate (discrete-event; no replica, k6 or Prometheus ran)' },
    ...(o.git ? { git: o.git } : {}),
    host: { hostname: hostname(), platform: process.platform, cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    cells: cellEntries(o.cells),
  };
  const dir = RunDir.create(o.reportsDir, record);
  const services = new Set<string>();
  const figures = simulateCells({
    catalog: o.catalog,
    matrix: o.matrix,
    cells: o.cells,
    profiles: o.profiles,
    ...(o.timing ? { timing: o.timing } : {}),
    ...(o.deployAt ? { deployAt: o.deployAt } : {}),
    ...(o.deployReadyMs ? { deployReadyMs: o.deployReadyMs } : {}),
    startMs: Date.parse(now),
    cellDir: (c) => dir.freshCellDir(c.id),
    ...(o.points !== undefined ? { points: o.points } : {}),
    onCell: (f, i) => {
      services.add(`${f.cell.deployment.name}: ${f.service.note}`);
      dir.update(f.cell.id, {
        status: 'done',
        startedAt: new Date(f.outcome.loadStart).toISOString(),
        endedAt: new Date(f.outcome.endMs).toISOString(),
        attempts: 1,
      });
      o.onCell?.(f, i);
    },
  });
  dir.record.tools['simulated service'] = [...services].join('; ');
  dir.setStatus('done');
  return { dir, figures };
}
