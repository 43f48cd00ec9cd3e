import { closeSync, openSync, writeSync } from 'node:fs';
import type { Cell, ResolvedWorkload } from '../matrix/types.js';
import { arrivals, drawLength, fitContext, rng } from './arrivals.js';
import { readTrace } from './trace.js';

/**
 * The schedule of an open-loop cell that k6's constant-arrival-rate cannot
 * express — a trace replayed, or an arrival process other than uniform — as a
 * file the extension replays (`llm.next()`): one line per request,
 * `{"t": ms from the load's start, "p": prompt tokens, "o": output tokens, "s": session}`,
 * in time order. It is written before the load starts and kept with the cell:
 * the realised schedule.
 */
export interface ScheduleStats {
  /** Requests in the schedule, and those due in the main phase. */
  requests: number;
  mainRequests: number;
  /** Requests due in each second of the load (warm-up included), for the offered-load timeline. */
  perSecond: number[];
  /** The most requests due in any one second. */
  peakPerSecond: number;
  /** Mean lengths requested. */
  promptMean: number;
  outputMean: number;
}

export { isScheduled } from './scheduled.js';

interface Entry {
  t: number;
  p: number;
  o: number;
  s?: string;
}

/** The cell's schedule entries, in time order, over the warm-up and the main phase. */
function* entries(cell: Pick<Cell, 'load' | 'level' | 'repeat' | 'deployment'>, workload: ResolvedWorkload): Generator<Entry> {
  const { load, level } = cell;
  const until = load.warmupMs + load.durationMs;
  const maxModelLen = cell.deployment.vllm.maxModelLen;
  const seed = workload.seed * 1000 + cell.repeat;
  if (load.shape === 'trace') {
    const speed = load.speed * level; // trace ms per cell ms
    for (const row of readTrace(load.trace, load.format)) {
      if (row.tMs < load.fromMs) continue;
      const t = (row.tMs - load.fromMs) / speed;
      if (t >= until) return;
      const fit = fitContext(row.prompt, row.output, maxModelLen);
      yield { t, p: fit.prompt, o: fit.output, ...(row.session !== undefined ? { s: row.session } : {}) };
    }
    return;
  }
  if (load.shape !== 'arrival-rate') throw new Error(`shape ${load.shape} has no schedule`);
  const lengths = rng(seed * 7919 + 17);
  for (const t of arrivals(load.arrival ?? { process: 'uniform' }, level, until, seed)) {
    yield { t, ...fitPair(drawLength(workload.prompt, lengths), drawLength(workload.output, lengths), maxModelLen) };
  }
}

const fitPair = (p: number, o: number, maxModelLen: number): { p: number; o: number } => {
  const f = fitContext(p, o, maxModelLen);
  return { p: f.prompt, o: f.output };
};

/** Writes the schedule file of a cell (streamed: a trace is read and written a line at a time) and returns what it holds. */
export function writeSchedule(cell: Pick<Cell, 'load' | 'level' | 'repeat' | 'deployment'>, workload: ResolvedWorkload, file: string): ScheduleStats {
  const fd = openSync(file, 'w');
  const perSecond: number[] = [];
  let requests = 0;
  let mainRequests = 0;
  let promptSum = 0;
  let outputSum = 0;
  let pending = '';
  try {
    for (const e of entries(cell, workload)) {
      requests++;
      if (e.t >= cell.load.warmupMs) mainRequests++;
      const sec = Math.floor(e.t / 1000);
      while (perSecond.length <= sec) perSecond.push(0);
      perSecond[sec]!++;
      promptSum += e.p;
      outputSum += e.o;
      pending += `${JSON.stringify({ t: Math.round(e.t * 1000) / 1000, p: e.p, o: e.o, ...(e.s !== undefined ? { s: e.s } : {}) })}\n`;
      if (pending.length > 1 << 16) {
        writeSync(fd, pending);
        pending = '';
      }
    }
    if (pending) writeSync(fd, pending);
  } finally {
    closeSync(fd);
  }
  return {
    requests,
    mainRequests,
    perSecond,
    peakPerSecond: perSecond.reduce((a, b) => Math.max(a, b), 0),
    promptMean: requests ? Math.round((promptSum / requests) * 10) / 10 : 0,
    outputMean: requests ? Math.round((outputSum / requests) * 10) / 10 : 0,
  };
}

/** VUs for a scheduled cell: enough for 4 s of requests in flight at the peak second, within max_vus. */
export function schedulePool(stats: Pick<ScheduleStats, 'peakPerSecond'>, maxVus: number): number {
  return Math.max(1, Math.min(maxVus, Math.max(4, Math.ceil(stats.peakPerSecond * 4))));
}
