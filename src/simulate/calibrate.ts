import { join } from 'node:path';
import { round } from '../analysis/stats.js';
import type { Cell } from '../matrix/types.js';
import { type Sample, sampleSchema } from '../results/samples.js';
import { readJson, readJsonl } from '../results/files.js';
import type { RunDir } from '../results/run-dir.js';
import type { SimTiming } from './timing.js';
import type { CellResult } from '../results/cell-result.js';
import { cellResultSchema } from '../results/cell-result.js';
import { eventSchema } from '../results/events.js';
import { z } from 'zod';
import { existsSync } from 'node:fs';

/**
 * Calibration: a simulated cell against the measured one it stands for.
 * Replica timelines are compared sample by sample on the time since the
 * load started (each measured sample of the load against the simulated
 * sample in force at the same elapsed time); attainment, replica-seconds of
 * the main phase (from the pods' events, for both) and p95
 * TTFT as differences. Pure but for readCellSide.
 */

export interface CellSide {
  samples: readonly Sample[];
  /** events.jsonl: replica-started, replica-draining, replica-stopped (t, pod) are read. */
  events: ReadonlyArray<{ t: number; kind: string; pod?: string }>;
  result: Pick<CellResult, 'loadStart' | 'client'>;
}

export interface CellCalibration {
  cellId: string;
  /** Measured samples of the load compared. */
  samples: number;
  /** Share of them where the simulated replicas (starting or ready) were off by more than one. */
  offByMoreThanOne: number;
  /** Mean absolute difference in replicas over those samples. */
  meanAbsReplicaError: number;
  attainment: { measured?: number; simulated?: number /** simulated − measured, points (0–100). */; diffPoints?: number };
  replicaSeconds: { measured: number; simulated: number /** (simulated − measured) / measured, %. */; diffPct?: number };
  ttft_ms_p95: { measured?: number; simulated?: number /** (simulated − measured) / measured, %. */; errorPct?: number };
}

const pct = (sim: number | undefined, meas: number | undefined): number | undefined =>
  sim === undefined || meas === undefined || meas === 0 ? undefined : round(((sim - meas) / meas) * 100, 1);

/** The sample in force at `elapsedMs` after the load's start (the last at or before it; the first if none). */
function atElapsed(samples: readonly Sample[], loadStart: number, elapsedMs: number): Sample | undefined {
  let lo = 0;
  let hi = samples.length - 1;
  if (hi < 0) return undefined;
  const t = loadStart + elapsedMs;
  if (samples[0]!.t > t) return samples[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (samples[mid]!.t <= t) lo = mid;
    else hi = mid - 1;
  }
  return samples[lo];
}

export function calibrateCell(cell: Cell, measured: CellSide, simulated: CellSide): CellCalibration {
  const loadMs = cell.load.warmupMs + cell.load.durationMs;
  const inLoad = measured.samples.filter((s) => s.t >= measured.result.loadStart && s.t <= measured.result.loadStart + loadMs);
  let off = 0;
  let abs = 0;
  for (const m of inLoad) {
    const s = atElapsed(simulated.samples, simulated.result.loadStart, m.t - measured.result.loadStart);
    const diff = Math.abs((s?.replicas.current ?? 0) - m.replicas.current);
    abs += diff;
    if (diff > 1) off++;
  }
  const rs = (side: CellSide): number => {
    const from = side.result.loadStart + cell.load.warmupMs;
    return podSeconds(side.events, from, from + cell.load.durationMs);
  };
  const mAtt = measured.result.client.slo.attainment;
  const sAtt = simulated.result.client.slo.attainment;
  const mRs = rs(measured);
  const sRs = rs(simulated);
  const mT = measured.result.client.ttftMs.p95;
  const sT = simulated.result.client.ttftMs.p95;
  return {
    cellId: cell.id,
    samples: inLoad.length,
    offByMoreThanOne: inLoad.length ? round(off / inLoad.length, 4) : 0,
    meanAbsReplicaError: inLoad.length ? round(abs / inLoad.length, 3) : 0,
    attainment: {
      ...(mAtt !== undefined ? { measured: mAtt } : {}),
      ...(sAtt !== undefined ? { simulated: sAtt } : {}),
      ...(mAtt !== undefined && sAtt !== undefined ? { diffPoints: round((sAtt - mAtt) * 100, 2) } : {}),
    },
    replicaSeconds: { measured: mRs, simulated: sRs, ...(pct(sRs, mRs) !== undefined ? { diffPct: pct(sRs, mRs)! } : {}) },
    ttft_ms_p95: {
      ...(mT !== undefined ? { measured: mT } : {}),
      ...(sT !== undefined ? { simulated: sT } : {}),
      ...(pct(sT, mT) !== undefined ? { errorPct: pct(sT, mT)! } : {}),
    },
  };
}

/**
 * Replica-seconds from the pods' own events, exact: each pod from its start to
 * its draining (or stop), within [from, to). Samples would do it at their
 * interval's resolution: a scale landing on a sample's tick moves a 5 s
 * sample's worth of a replica to one side or the other, by a coin toss.
 */
export function podSeconds(events: CellSide['events'], from: number, to: number): number {
  const started = new Map<string, number>();
  let total = 0;
  const end = (pod: string, t: number): void => {
    const s = started.get(pod);
    if (s === undefined) return;
    started.delete(pod);
    total += Math.max(0, Math.min(t, to) - Math.max(s, from));
  };
  for (const e of events) {
    if (!e.pod) continue;
    if (e.kind === 'replica-started') started.set(e.pod, e.t);
    else if (e.kind === 'replica-draining' || e.kind === 'replica-stopped' || e.kind === 'replica-crashed') end(e.pod, e.t);
  }
  for (const pod of [...started.keys()]) end(pod, to);
  return round(total / 1000, 3);
}

/** A cell's samples (sorted by time), events and result.json from a run directory; undefined when it did not finish. */
export function readCellSide(dir: RunDir, cellId: string): CellSide | undefined {
  const cellDir = dir.cellDir(cellId);
  const file = join(cellDir, 'result.json');
  if (!existsSync(file)) return undefined;
  const result = readJson(file, cellResultSchema);
  if (result.status !== 'done') return undefined;
  const samples = readJsonl(join(cellDir, 'samples.jsonl'), sampleSchema).sort((a, b) => a.t - b.t);
  const events = readJsonl(join(cellDir, 'events.jsonl'), eventSchema).sort((a, b) => a.t - b.t);
  return { samples, events, result };
}

/**
 * Go's ticker starts with Prometheus's discovery manager, after the process's
 * own start-up (flags, config, the managers); the journal has the spawn time.
 * Fitted on the calibration runs' first series (see docs/architecture.md).
 */
export const PROMETHEUS_TICKER_AFTER_SPAWN_MS = 100;

/**
 * What a measured run's timeline says that its matrix does not: when its
 * Prometheus started (processes.jsonl), so the simulated discovery ticks fall
 * where the real ones did, and when each cell was deployed (its first
 * replica-started event), so each simulated cell meets them at the same phase.
 */
export function measuredTimeline(dir: RunDir): {
  timing: Partial<SimTiming>;
  deployAt: (cell: Cell) => number | undefined;
  deployReadyMs: (cell: Cell) => number | undefined;
} {
  let prometheusStartMs: number | undefined;
  try {
    const procs = readJsonl(join(dir.root, 'processes.jsonl'), z.looseObject({ name: z.string(), started: z.string() }));
    const p = procs.find((x) => x.name === 'prometheus');
    if (p) prometheusStartMs = Date.parse(p.started) + PROMETHEUS_TICKER_AFTER_SPAWN_MS;
  } catch {
    /* no journal: the simulation's own default */
  }
  const firstPod = (cell: Cell): { started?: number; ready?: number } => {
    try {
      const events = readJsonl(join(dir.cellDir(measuredCellId(dir, cell)), 'events.jsonl'), eventSchema);
      const started = events.find((e) => e.kind === 'replica-started');
      const ready = started ? events.find((e) => e.kind === 'replica-ready' && e.pod === started.pod) : undefined;
      return { ...(started ? { started: started.t } : {}), ...(ready ? { ready: ready.t } : {}) };
    } catch {
      return {};
    }
  };
  const deployAt = (cell: Cell): number | undefined => firstPod(cell).started;
  // The first replica of a run starts slower on a busy machine (2.75 s against 1.17 s seen): the load starts when it is ready.
  const deployReadyMs = (cell: Cell): number | undefined => {
    const p = firstPod(cell);
    return p.started !== undefined && p.ready !== undefined ? p.ready - p.started : undefined;
  };
  return { timing: prometheusStartMs !== undefined && Number.isFinite(prometheusStartMs) ? { prometheusStartMs } : {}, deployAt, deployReadyMs };
}

/**
 * The id the measured run gave the cell at this index: a cell's id hashes its
 * resolved form, which a later scalebench may spell differently (the
 * objectives' names, for one) for the same cell.
 */
export function measuredCellId(dir: RunDir, cell: Cell): string {
  return dir.record.cells.find((e) => e.index === cell.index)?.id ?? cell.id;
}

/** The calibration table as text lines. */
export function calibrationText(rows: readonly CellCalibration[]): string[] {
  const f = (v: number | undefined, d = 1): string => (v === undefined ? '—' : v.toFixed(d));
  const header = ['cell', 'samples', 'off>1 %', 'attain meas', 'attain sim', 'Δ pts', 'rs meas', 'rs sim', 'Δ rs %', 'ttft95 meas', 'ttft95 sim', 'err %'];
  const body = rows.map((r) => [
    r.cellId,
    String(r.samples),
    f(r.offByMoreThanOne * 100),
    f(r.attainment.measured === undefined ? undefined : r.attainment.measured * 100),
    f(r.attainment.simulated === undefined ? undefined : r.attainment.simulated * 100),
    f(r.attainment.diffPoints, 2),
    f(r.replicaSeconds.measured),
    f(r.replicaSeconds.simulated),
    f(r.replicaSeconds.diffPct),
    f(r.ttft_ms_p95.measured),
    f(r.ttft_ms_p95.simulated),
    f(r.ttft_ms_p95.errorPct),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}
