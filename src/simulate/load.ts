import { arrivals, drawLength, fitContext, rng } from '../load/arrivals.js';
import { offeredAt } from '../load/k6-options.js';
import { isScheduled, schedulePool } from '../load/schedule.js';
import { readTrace } from '../load/trace.js';
import type { Cell, ResolvedWorkload } from '../matrix/types.js';

/**
 * The load of a simulated cell, as the real one offers it: closed-loop users
 * following k6's stages (offeredAt), or open-loop arrivals — uniform at the
 * level, an arrival process, or a trace — streamed one at a time (a day of
 * requests is never held). Pure but for reading a trace file.
 */
export interface Arrival {
  /** ms from the load's start (warm-up included). */
  t: number;
  prompt: number;
  output: number;
}

export type SimLoad =
  | { kind: 'closed' /** Users at ms after the load's start. */; usersAt: (ms: number) => number; lengths: () => { prompt: number; output: number } }
  | {
      kind: 'open';
      arrivals: Iterator<Arrival>;
      /**
       * Most requests in flight (k6 VUs): max_vus for a uniform rate (more are
       * dropped); for a schedule the pool k6 is given (schedule.ts
       * schedulePool: 4 s of the peak second, within max_vus; a due request
       * waits for a free VU).
       */
      maxVus: number;
      scheduled: boolean;
    };

/** The open-loop arrivals of a cell in time order: what schedule.ts writes for k6, or the uniform rate. */
export function* openArrivals(cell: Pick<Cell, 'load' | 'level' | 'repeat' | 'deployment'>, workload: ResolvedWorkload): Generator<Arrival> {
  const { load, level } = cell;
  const until = load.warmupMs + load.durationMs;
  const maxModelLen = cell.deployment.vllm.maxModelLen;
  const seed = workload.seed * 1000 + cell.repeat;
  if (load.shape === 'trace') {
    const speed = load.speed * level;
    for (const row of readTrace(load.trace, load.format)) {
      if (row.tMs < load.fromMs) continue;
      const t = (row.tMs - load.fromMs) / speed;
      if (t >= until) return;
      const fit = fitContext(row.prompt, row.output, maxModelLen);
      yield { t, prompt: fit.prompt, output: fit.output };
    }
    return;
  }
  if (load.shape !== 'arrival-rate') throw new Error(`shape ${load.shape} is closed-loop`);
  const lengths = rng(seed * 7919 + 17);
  for (const t of arrivals(load.arrival ?? { process: 'uniform' }, level, until, seed)) {
    const f = fitContext(drawLength(workload.prompt, lengths), drawLength(workload.output, lengths), maxModelLen);
    yield { t, prompt: f.prompt, output: f.output };
  }
}

/** The VU pool k6 gets for a scheduled cell: one more pass over its arrivals, for the peak second (as writeSchedule counts). */
export function scheduledPool(cell: Cell, workload: ResolvedWorkload): number {
  const perSecond = new Map<number, number>();
  let peak = 0;
  for (const a of openArrivals(cell, workload)) {
    const sec = Math.floor(a.t / 1000);
    const n = (perSecond.get(sec) ?? 0) + 1;
    perSecond.set(sec, n);
    if (n > peak) peak = n;
    if (perSecond.size > 64) perSecond.delete(perSecond.keys().next().value!); // arrivals are in time order
  }
  return schedulePool({ peakPerSecond: peak }, 'maxVus' in cell.load ? cell.load.maxVus : 1);
}

/**
 * The load a cell offers. `pool`: the scheduled VU pool when already known
 * (cells of one load share it); computed otherwise.
 */
export function simLoad(cell: Cell, workload: ResolvedWorkload, pool?: number): SimLoad {
  const load = cell.load;
  if (load.shape === 'arrival-rate' || load.shape === 'trace') {
    const scheduled = isScheduled(load);
    return { kind: 'open', arrivals: openArrivals(cell, workload), maxVus: scheduled ? (pool ?? scheduledPool(cell, workload)) : load.maxVus, scheduled };
  }
  const u = rng(workload.seed * 1000 + cell.repeat);
  const maxModelLen = cell.deployment.vllm.maxModelLen;
  return {
    kind: 'closed',
    usersAt: (ms) => offeredAt(cell, ms),
    lengths: () => {
      const f = fitContext(drawLength(workload.prompt, u), drawLength(workload.output, u), maxModelLen);
      return { prompt: f.prompt, output: f.output };
    },
  };
}
