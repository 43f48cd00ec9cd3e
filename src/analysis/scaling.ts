import { stages } from '../load/k6-options.js';
import type { Cell } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import { round } from './stats.js';
import type { RunEvent } from '../results/events.js';

/**
 * When the offered load steps up and down, in ms after the load started
 * (warm-up included). step and spike: the edges of the k6 stages; constant and
 * arrival-rate: the load begins at 0 and ends with the main phase; ramp: it
 * begins after the warm-up.
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

/**
 * Replica-seconds: the replicas that exist (starting or ready, not draining)
 * integrated over [fromMs, toMs] (ms since the epoch) by the trapezoid rule
 * between samples (sorted by time): a count that changed between two samples
 * changed, on average, half-way. The span ends at the last sample at most.
 */
export function replicaSeconds(samples: readonly Sample[], fromMs: number, toMs = Infinity): number {
  let total = 0;
  for (let i = 0; i + 1 < samples.length; i++) {
    const s0 = samples[i]!;
    const s1 = samples[i + 1]!;
    const a = Math.max(s0.t, fromMs);
    const b = Math.min(s1.t, toMs);
    if (b <= a) continue;
    const at = (x: number): number => s0.replicas.current + ((s1.replicas.current - s0.replicas.current) * (x - s0.t)) / (s1.t - s0.t);
    total += ((at(a) + at(b)) / 2) * ((b - a) / 1000);
  }
  return round(total, 3);
}

const isScale = (e: RunEvent, dir: 1 | -1): boolean => e.kind === 'scale' && e.from !== undefined && e.to !== undefined && Math.sign(e.to - e.from) === dir;

/** The first scale-up ordered in [fromMs, beforeMs), and the first replica ready after it (events sorted by time). */
export function firstScaleUp(events: readonly RunEvent[], fromMs: number, beforeMs = Infinity): { decisionAt?: number; readyAt?: number } {
  const decision = events.find((e) => e.t >= fromMs && e.t < beforeMs && isScale(e, 1));
  if (!decision) return {};
  const ready = events.find((e) => e.t >= decision.t && e.kind === 'replica-ready');
  return { decisionAt: decision.t, ...(ready ? { readyAt: ready.t } : {}) };
}

/** Seconds from the load going down (downMs, ms since the epoch) to the first scale-down after it. */
export function scaleDownLag(events: readonly RunEvent[], downMs: number): number | undefined {
  const e = events.find((x) => x.t >= downMs && isScale(x, -1));
  return e ? round((e.t - downMs) / 1000, 3) : undefined;
}

/** Direction changes of the replica count ordered by scale events (up, down, up is two). */
export function oscillations(events: readonly RunEvent[]): number {
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

/** Replicas, cost and scaling timing of one cell. Lags in seconds; cost in USD. */
export interface ScalingSummary {
  /** Ready replicas over the samples from the load's start (settle included). */
  replicasMin: number;
  replicasMax: number;
  replicasMean: number;
  /** Replica-seconds from the load's start to the last sample: a slow scale-down is paid for. */
  replicaSeconds: number;
  /** replicaSeconds × GPUs per replica / 3600. */
  gpuHours: number;
  /** gpuHours × the GPU's price; absent without a price. */
  costUsd?: number;
  /** When the load rose and fell, ms since the epoch. */
  riseAt?: number;
  fallAt?: number;
  /** Load rise → the first scale-up ordered (before the load fell). */
  scaleUpDecisionLagS?: number;
  /** Load rise → the first replica ready after that order: the scale-up lag. */
  scaleUpLagS?: number;
  /** Load fall → the first scale-down. */
  scaleDownLagS?: number;
  oscillations: number;
  /** Scale events that changed the size. */
  scaleEvents: number;
}

export interface ScalingOptions {
  gpusPerReplica: number;
  /** Price of one GPU, USD per hour. */
  usdPerGpuHour?: number;
  /** ms since the epoch. */
  loadStart: number;
  /** When the load rose and fell (ms since the epoch); by default the first rise and fall of the samples' offered load. */
  riseAt?: number;
  fallAt?: number;
}

/** The first rise and the first fall of the offered load in the samples (a fall to 0, the load's end, is not one). */
export function offeredChanges(samples: readonly Sample[]): { riseAt?: number; fallAt?: number } {
  const out: { riseAt?: number; fallAt?: number } = {};
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!.offered;
    const cur = samples[i]!.offered;
    if (out.riseAt === undefined && cur > prev && prev > 0) out.riseAt = samples[i]!.t;
    if (out.riseAt !== undefined && out.fallAt === undefined && cur < prev && cur > 0) out.fallAt = samples[i]!.t;
  }
  return out;
}

/** Scaling figures of one cell from its samples and events (both sorted by time). */
export function summarizeScaling(samples: readonly Sample[], events: readonly RunEvent[], o: ScalingOptions): ScalingSummary {
  const from = samples.filter((s) => s.t >= o.loadStart);
  const ready = from.map((s) => s.replicas.ready);
  const rs = replicaSeconds(samples, o.loadStart);
  const gpuHours = round((rs * o.gpusPerReplica) / 3600, 6);
  const changes = o.riseAt !== undefined || o.fallAt !== undefined ? { riseAt: o.riseAt, fallAt: o.fallAt } : offeredChanges(samples);
  const out: ScalingSummary = {
    replicasMin: ready.length ? Math.min(...ready) : 0,
    replicasMax: ready.length ? Math.max(...ready) : 0,
    replicasMean: ready.length ? round(ready.reduce((a, b) => a + b, 0) / ready.length, 2) : 0,
    replicaSeconds: rs,
    gpuHours,
    ...(o.usdPerGpuHour !== undefined ? { costUsd: round(((rs * o.gpusPerReplica) / 3600) * o.usdPerGpuHour, 6) } : {}),
    oscillations: oscillations(events),
    scaleEvents: events.filter((e) => e.kind === 'scale' && e.from !== e.to).length,
  };
  if (changes.riseAt !== undefined) {
    out.riseAt = changes.riseAt;
    const up = firstScaleUp(events, changes.riseAt, changes.fallAt);
    if (up.decisionAt !== undefined) out.scaleUpDecisionLagS = round((up.decisionAt - changes.riseAt) / 1000, 3);
    if (up.readyAt !== undefined) out.scaleUpLagS = round((up.readyAt - changes.riseAt) / 1000, 3);
  }
  if (changes.fallAt !== undefined) {
    out.fallAt = changes.fallAt;
    const down = scaleDownLag(events, changes.fallAt);
    if (down !== undefined) out.scaleDownLagS = down;
  }
  return out;
}
