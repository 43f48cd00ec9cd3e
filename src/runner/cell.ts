import { join } from 'node:path';
import { accumulatePoints } from '../analysis/points-parallel.js';
import { round } from '../analysis/stats.js';
import { judgeValidity } from '../analysis/validity.js';
import { CpuMonitor } from '../metrics/cpu.js';
import { phaseServer } from '../metrics/phase-server.js';
import { k6WallMs, offeredAt } from '../load/k6-options.js';
import { PointsTail, runK6 } from '../load/k6-process.js';
import type { ScheduleStats } from '../load/schedule.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import { PromClient } from '../metrics/prom.js';
import { gaugeSum } from '../metrics/promql.js';
import { Sampler } from '../metrics/sampler.js';
import type { Sample } from '../results/samples.js';
import { mainSamples } from '../analysis/server.js';
import { JsonlWriter, readJsonl, writeJsonAtomic } from '../results/files.js';
import { cellAnatomy, requestColumns, type CellAnatomy } from '../analysis/anatomy.js';
import type { AutoscalerHandle, Target } from '../targets/target.js';
import { sleep } from '../util/ports.js';
import type { Progress } from './progress.js';
import { type EventInput, type RunEvent, eventSchema } from '../results/events.js';
import type { CellResult, HarnessCpu, PhaseServer } from '../results/cell-result.js';

const withoutPerSecond = ({ perSecond: _, ...rest }: ScheduleStats & { vus: number }): Omit<ScheduleStats, 'perSecond'> & { vus: number } => rest;

/** Users offered, time-averaged over the main phase (100 ms steps of offeredAt). */
export function offeredMeanUsers(cell: Cell): number {
  const step = 100;
  let sum = 0;
  let n = 0;
  for (let t = cell.load.warmupMs; t < cell.load.warmupMs + cell.load.durationMs; t += step) {
    sum += offeredAt(cell, t + step / 2);
    n++;
  }
  return n ? sum / n : 0;
}

/** Thrown when the run was interrupted during this cell. */
export class CellInterrupted extends Error {
  constructor(readonly cellId: string) {
    super(`cell ${cellId} interrupted`);
  }
}

export interface RunCellOptions {
  cell: Cell;
  total: number;
  matrix: ResolvedMatrix;
  target: Target;
  k6: string;
  dir: string;
  progress: Progress;
  signal: AbortSignal;
  /**
   * Ends the load early without failing the cell (k6 is stopped; settle,
   * teardown and the summary happen as usual); its reason is kept in
   * result.json as stoppedEarly.
   */
  stopLoad?: AbortSignal;
}

/** Runs one cell: deploy, wait ready, k6 with the sampler alongside, settle, teardown, summarise. */
export async function runCell(o: RunCellOptions): Promise<CellResult> {
  const { cell, matrix, target, dir, signal } = o;
  const events = new JsonlWriter(join(dir, 'events.jsonl'));
  const event = (e: EventInput): void => events.write({ t: Date.now(), ...e } satisfies RunEvent);
  writeJsonAtomic(join(dir, 'cell.json'), cell);

  let phase = 'deploy';
  let loadStart = Number.POSITIVE_INFINITY;
  const tail = new PointsTail(join(dir, 'points.jsonl'));
  const started = Date.now();
  const expectedMs = k6WallMs(cell.load).expected;
  const show = (): void =>
    o.progress.update({
      index: cell.index + 1,
      total: o.total,
      id: cell.id,
      phase,
      elapsedMs: Number.isFinite(loadStart) ? Date.now() - loadStart : Date.now() - started,
      expectedMs: Number.isFinite(loadStart) ? expectedMs : 0,
      requests: tail.requests,
      errors: tail.errors,
      replicas: target.counts(),
    });
  const ticker = setInterval(() => {
    tail.poll();
    show();
  }, 1000);

  const scrapeMs = target.scrapeIntervalMs;
  const makeSampler = (): Sampler =>
    new Sampler({
      prom: new PromClient(target.prometheusUrl, Math.max(1000, matrix.sampleIntervalMs)),
      selector: target.selector(),
      window: `${Math.max(5 * scrapeMs, matrix.sampleIntervalMs)}ms`,
      intervalMs: matrix.sampleIntervalMs,
      out: join(dir, 'samples.jsonl'),
      warn: (m) => o.progress.note(`warning: ${m}`),
      source: {
        phase: () => phase,
        loadStartMs: () => (Number.isFinite(loadStart) ? loadStart : Date.now()),
        // A scheduled load offers what its schedule holds: requests due in that second.
        offered: (elapsed) => (!Number.isFinite(loadStart) ? 0 : duePerSecond ? (duePerSecond[Math.floor(elapsed / 1000)] ?? 0) : offeredAt(cell, elapsed)),
        replicas: () => target.counts(),
        inFlight: () => target.inFlight(),
        cpuUtilization: () => target.cpuUtilization?.(),
        progress: () => ({ requests: tail.requests, errors: tail.errors }),
        autoscaler: () => autoscaler?.seen(),
      },
    });
  let sampler: Sampler | undefined;
  let duePerSecond: number[] | undefined;
  let autoscaler: AutoscalerHandle | undefined;

  let k6ExitCode: number | null = null;
  let failure: string | undefined;
  let scenarioStartMs: number | undefined;
  let droppedIterations: number | undefined;
  let schedule: (ScheduleStats & { vus: number }) | undefined;
  let harnessCpu: HarnessCpu | undefined;
  let phase_: PhaseServer | undefined;
  let k6Pid: number | undefined;
  let runnerPods: CellResult['runnerPods'];
  // The runner itself (sampling, reading points, the progress line) is watched too: its cost while the load runs is the harness's.
  const cpu = new CpuMonitor(() => ({ k6: k6Pid, runner: process.pid, ...target.harnessPids?.() }));
  try {
    await target.deploy({ cell, workload: matrix.workload, dir, onEvent: event });
    // The sampler selects this cell's pods, so it is made once they exist.
    sampler = makeSampler();
    phase = 'starting';
    show();
    // An abort rejects it (the Target contract): the catch below ends the cell as interrupted.
    await target.waitReady(target.readyTimeoutMs(cell.deployment), signal);
    autoscaler = target.startAutoscaler(cell.autoscaler, { controllers: matrix.controllers, onDecision: (d) => event(d) });
    const k6Signal = o.stopLoad ? AbortSignal.any([signal, o.stopLoad]) : signal;
    const k6Run = (target.runLoad ? target.runLoad.bind(target) : runK6)({
      k6: o.k6,
      cell,
      workload: matrix.workload,
      endpoint: target.endpoint(),
      model: target.model(),
      cellDir: dir,
      signal: k6Signal,
      onSchedule: (sch) => (duePerSecond = sch.perSecond),
      onLoadStart: (ms) => (loadStart = ms),
      onStart: (pid) => {
        k6Pid = pid;
        cpu.start();
      },
    });
    loadStart = Date.now();
    phase = cell.load.warmupMs > 0 ? 'warmup' : 'load';
    sampler.start();
    const warmTimer = setTimeout(() => (phase = 'load'), cell.load.warmupMs);
    const k6 = await k6Run;
    const k6End = Date.now();
    harnessCpu = cpu.stop();
    clearTimeout(warmTimer);
    k6ExitCode = k6.exitCode;
    scenarioStartMs = k6.scenarioStartMs;
    droppedIterations = k6.droppedIterations;
    runnerPods = k6.runnerPods;
    schedule = k6.schedule;
    if (signal.aborted) throw new CellInterrupted(cell.id);
    failure = o.stopLoad?.aborted ? undefined : k6.failure;
    phase = 'settle';
    await settle(o);
    phase_ = await mainPhaseServer(o, scenarioStartMs, k6End, scrapeMs);
  } catch (err) {
    if (signal.aborted) throw new CellInterrupted(cell.id);
    failure = (err as Error).message;
  } finally {
    clearInterval(ticker);
    harnessCpu ??= cpu.stop();
    await autoscaler?.stop();
    await sampler?.stop();
    await target.teardown();
  }

  tail.poll();
  // Streamed as the report reads it (never every point as an object).
  const acc = accumulatePoints(join(dir, 'points.jsonl'), matrix.slo, cell.load.durationMs);
  const client = acc.summary();
  // Every scale-up and scale-down, stage by stage (the report computes the same from the cell's files).
  let anatomy: CellAnatomy | undefined;
  try {
    anatomy =
      Number.isFinite(loadStart) && sampler && sampler.samples.length > 0
        ? cellAnatomy({
            cell,
            slo: matrix.slo,
            loadStart,
            samples: sampler.samples,
            events: readJsonl(join(dir, 'events.jsonl'), eventSchema),
            requests: requestColumns(acc),
            windowMs: Math.max(1000, matrix.sampleIntervalMs),
          })
        : undefined;
  } catch (err) {
    // The cell's measurements stand without it; the report computes it again from the files.
    o.progress.note(`warning: cell ${cell.id}: its anatomy could not be computed (${(err as Error).message})`);
  }
  const replicas = replicaStats(sampler?.samples ?? []);
  const mainFrom = (scenarioStartMs ?? loadStart) + cell.load.warmupMs;
  const inFlight = Number.isFinite(mainFrom) && acc.spanStart.length > 0 ? acc.inFlight(mainFrom, mainFrom + cell.load.durationMs) : undefined;
  const validity = failure
    ? undefined
    : judgeValidity({
        cell,
        harnessSources: target.harnessErrorSources,
        client,
        ...(inFlight ? { inFlight } : {}),
        ...(cell.load.shape !== 'arrival-rate' && !schedule ? { offeredMean: offeredMeanUsers(cell) } : {}),
        ...(schedule ? { schedule: { mainRequests: schedule.mainRequests, vus: schedule.vus } } : {}),
        ...(droppedIterations !== undefined ? { droppedIterations } : {}),
        ...(harnessCpu ? { harnessCpu } : {}),
        samples: mainSamples(sampler?.samples ?? [], cell.load.warmupMs, cell.load.durationMs).length,
        sampleGaps: mainSamples(sampler?.samples ?? [], cell.load.warmupMs, cell.load.durationMs).filter((x) => x.gap !== undefined).length,
        expectedSamples: o.stopLoad?.aborted ? 0 : Math.floor(cell.load.durationMs / matrix.sampleIntervalMs),
      });
  const result: CellResult = {
    id: cell.id,
    status: failure ? 'failed' : 'done',
    ...(failure ? { reason: failure } : {}),
    loadStart: Number.isFinite(loadStart) ? loadStart : started,
    loadEnd: Date.now(),
    k6ExitCode,
    client,
    replicas,
    samples: sampler?.samples.length ?? 0,
    sampleGaps: sampler?.gaps ?? 0,
    ...(o.stopLoad?.aborted ? { stoppedEarly: String(o.stopLoad.reason instanceof Error ? o.stopLoad.reason.message : o.stopLoad.reason) } : {}),
    ...(scenarioStartMs !== undefined ? { scenarioStartMs } : {}),
    ...(droppedIterations !== undefined ? { droppedIterations } : {}),
    ...(schedule ? { schedule: withoutPerSecond(schedule) } : {}),
    ...(inFlight ? { inFlight } : {}),
    ...(harnessCpu ? { harnessCpu } : {}),
    ...(phase_ ? { phaseServer: phase_ } : {}),
    ...(validity ? { validity } : {}),
    ...(anatomy ? { anatomy } : {}),
    ...(runnerPods ? { runnerPods } : {}),
  };
  writeJsonAtomic(join(dir, 'result.json'), result);
  return result;
}

/** After the load: wait for the fixed settle time, or until nothing is in flight (bounded). */
async function settle(o: RunCellOptions): Promise<void> {
  const s = o.cell.load.settle;
  if (s.kind === 'fixed') {
    await sleep(s.ms, o.signal);
    return;
  }
  const deadline = Date.now() + s.timeoutMs;
  const prom = new PromClient(o.target.prometheusUrl, 2000);
  const sel = o.target.selector();
  while (Date.now() < deadline) {
    const inFlight = (await o.target.inFlight()) ?? 0;
    let busy = 0;
    try {
      busy = ((await prom.scalar(gaugeSum('vllm:num_requests_running', sel))) ?? 0) + ((await prom.scalar(gaugeSum('vllm:num_requests_waiting', sel))) ?? 0);
    } catch {
      busy = 0; // Prometheus down: the router's count alone decides
    }
    if (inFlight === 0 && busy === 0) return;
    await sleep(250, o.signal);
  }
}

/**
 * The main phase's server figures, once Prometheus has scraped past the load's
 * end (two scrape intervals); undefined when it cannot answer (the samples'
 * gaps already say so).
 */
async function mainPhaseServer(o: RunCellOptions, scenarioStartMs: number | undefined, k6EndMs: number, scrapeMs: number): Promise<PhaseServer | undefined> {
  if (scenarioStartMs === undefined) return undefined;
  const from = scenarioStartMs + o.cell.load.warmupMs;
  const to = k6EndMs + 2 * scrapeMs;
  if (to <= from) return undefined;
  const wait = to + 100 - Date.now();
  if (wait > 0) await sleep(wait, o.signal);
  try {
    return await phaseServer(new PromClient(o.target.prometheusUrl, 10_000), o.target.selector(), from, to);
  } catch {
    return undefined;
  }
}

function replicaStats(samples: readonly Sample[]): CellResult['replicas'] {
  if (samples.length === 0) return { max: 0, mean: 0, final: 0 };
  let max = 0;
  let sum = 0;
  for (const s of samples) {
    max = Math.max(max, s.replicas.ready);
    sum += s.replicas.ready;
  }
  return { max, mean: round(sum / samples.length, 2), final: samples[samples.length - 1]!.replicas.ready };
}
