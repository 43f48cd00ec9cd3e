import { stages } from '../load/k6-options.js';
import type { Cell } from '../matrix/types.js';
import type { Sample } from '../metrics/sampler.js';
import { round } from './stats.js';
import type { SloWindow } from './windows.js';

/** A line of events.jsonl, as far as the analysis reads it. */
export interface CellEvent {
  /** ms since the epoch. */
  t: number;
  kind: string;
  from?: number;
  to?: number;
  pod?: string;
}

/**
 * When the offered load steps up and down, in ms after the load started
 * (warm-up included). step and spike: the edges of the k6 stages; constant,
 * arrival-rate and ramp: the load begins (after the warm-up, or at 0 when the
 * warm-up is at the same level) and ends with the main phase.
 */
export function loadSteps(cell: Pick<Cell, 'load' | 'level'>): { upMs: number; downMs: number } {
  const { load } = cell;
  const end = load.warmupMs + load.durationMs;
  if (load.shape !== 'step' && load.shape !== 'spike') return { upMs: load.shape === 'ramp' ? load.warmupMs : 0, downMs: end };
  let at = load.warmupMs;
  let users = Math.max(1, Math.round(cell.level * load.low));
  let upMs: number | undefined;
  for (const st of stages(load, cell.level)) {
    if (upMs === undefined && st.target > users) upMs = at;
    else if (upMs !== undefined && st.target < users) return { upMs, downMs: at };
    at += Number(st.duration.slice(0, -2));
    users = st.target;
  }
  return { upMs: upMs ?? load.warmupMs, downMs: end };
}

/** Replica-seconds: the replicas that exist (starting or ready, not draining), integrated over the samples from loadStartMs on. */
export function replicaSeconds(samples: readonly Sample[], loadStartMs: number): number {
  const s = samples.filter((x) => x.t >= loadStartMs);
  let total = 0;
  for (let i = 0; i + 1 < s.length; i++) total += (s[i]!.replicas.current * (s[i + 1]!.t - s[i]!.t)) / 1000;
  return round(total, 3);
}

/** From a load step up to the SLO being met again; seconds after the step. */
export interface ScaleUpLag {
  /** The first scale-up ordered after the step (before the load went down). */
  decisionS?: number;
  /** The first replica ready after that order. */
  readyS?: number;
  /**
   * The end of the last window after the step whose p95 missed the SLO: 0 when
   * none did; undefined when the SLO was still missed in the last window before
   * the load went down (then recovered is false).
   */
  recoveryS?: number;
  recovered: boolean;
}

const isScale = (e: CellEvent, dir: 1 | -1): boolean =>
  e.kind === 'scale' && e.from !== undefined && e.to !== undefined && Math.sign(e.to - e.from) === dir;

/**
 * Scale-up lag after the step at stepMs (ms since the epoch): step → first
 * scale-up decision → new replica ready → p95 back under the SLO. `windows`
 * are client-side windows from the step to the load going down (downMs).
 */
export function scaleUpLag(events: readonly CellEvent[], stepMs: number, downMs: number, windows: readonly SloWindow[]): ScaleUpLag {
  const out: ScaleUpLag = { recovered: true };
  const decision = events.find((e) => e.t >= stepMs && e.t < downMs && isScale(e, 1));
  if (decision) {
    out.decisionS = round((decision.t - stepMs) / 1000, 3);
    const ready = events.find((e) => e.t >= decision.t && e.kind === 'replica-ready');
    if (ready) out.readyS = round((ready.t - stepMs) / 1000, 3);
  }
  const judged = windows.filter((w) => w.meets !== undefined);
  const lastMiss = judged.map((w) => w.meets).lastIndexOf(false);
  if (lastMiss < 0) out.recoveryS = 0;
  else if (lastMiss === judged.length - 1) out.recovered = false;
  else {
    const w = judged[lastMiss]!;
    const width = windows.length > 1 ? windows[1]!.startMs - windows[0]!.startMs : 0;
    out.recoveryS = round((w.startMs + width) / 1000, 3);
  }
  return out;
}

/** Seconds from the load going down (downMs, ms since the epoch) to the first scale-down after it. */
export function scaleDownLag(events: readonly CellEvent[], downMs: number): number | undefined {
  const e = events.find((x) => x.t >= downMs && isScale(x, -1));
  return e ? round((e.t - downMs) / 1000, 3) : undefined;
}

/** Direction changes of the replica count ordered by scale events (up then down is one). */
export function oscillations(events: readonly CellEvent[]): number {
  let last = 0;
  let changes = 0;
  for (const e of events) {
    if (e.kind !== 'scale' || e.from === undefined || e.to === undefined || e.to === e.from) continue;
    const dir = Math.sign(e.to - e.from);
    if (last !== 0 && dir !== last) changes++;
    last = dir;
  }
  return changes;
}
