import type { Cell, ResolvedAutoscaler, ResolvedSlo } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import type { PointAccumulator } from './cell-summary.js';
import { loadSteps } from './scaling.js';
import { quantilesInPlace, round } from './stats.js';
import { ofKind, type RunEvent } from '../results/events.js';

/** An events.jsonl line as the anatomy reads it: lifecycle and scale events, and the autoscaler's decisions with the values it saw. */
/** The main phase's requests as columns (the point accumulator's): start in ms since the epoch, latencies in ms (NaN: none), ok 1/0. */
export interface RequestColumns {
  t: ArrayLike<number>;
  ok: ArrayLike<number>;
  ttft: ArrayLike<number>;
  tpot: ArrayLike<number>;
  e2e: ArrayLike<number>;
}

/** A point accumulator's main-phase columns, as the anatomy reads them (views, not copies). */
export function requestColumns(acc: PointAccumulator): RequestColumns {
  return { t: acc.t.view(), ok: acc.ok.view(), ttft: acc.ttft.view(), tpot: acc.tpot.view(), e2e: acc.e2e.view() };
}

export interface AnatomyInput {
  cell: Pick<Cell, 'load' | 'level' | 'autoscaler' | 'deployment'>;
  slo: ResolvedSlo;
  /** When the cell's load started, ms since the epoch. */
  loadStart: number;
  samples: readonly Sample[];
  events: readonly RunEvent[];
  requests: RequestColumns;
  /** Width of the windows an SLO violation is judged on, ms (the sample interval, at least 1 s). */
  windowMs: number;
}

/** One stage of a scale-up or scale-down: seconds after the load changed. */
export interface Stage {
  name: string;
  fromS: number;
  toS: number;
  /** False when the event that ends the stage never came: the stage runs to the end of the episode. */
  ended: boolean;
  /** Seconds of windows (windowMs each) whose p95s missed an objective, within the stage. */
  violationS: number;
  /** Requests started in the stage, and those that missed an objective or failed. */
  requests: number;
  violating: number;
  /** Replica-seconds above the deployment's minimum (scale-down stages). */
  overProvisionedReplicaS?: number;
}

/** How the metric's crossing was found: the sampler's own series (independent of the autoscaler's sync), or the autoscaler's observation. */
export type CrossingSource = 'samples' | 'autoscaler';

export interface Episode {
  direction: 'up' | 'down';
  /** When the offered load changed, ms since the epoch, and to what (users or req/s). */
  atMs: number;
  offeredBefore: number;
  offeredAfter: number;
  /** Each milestone, seconds after the load changed; absent when it did not happen. */
  marks: Record<string, number>;
  stages: Stage[];
  /** up: load change → first new replica ready (the scale-up lag); down: → first replica stopped. */
  lagS?: number;
  /** Where the crossing was seen, and the target it crossed (per pod; KEDA from the samples: threshold × ready replicas). */
  crossing?: { source: CrossingSource; target?: number };
  violationS: number;
  violating: number;
  overProvisionedReplicaS?: number;
}

/** Every scale-up and scale-down of a cell, stage by stage. */
export interface CellAnatomy {
  windowS: number;
  episodes: Episode[];
}

/** Stage names in order, with what ends each. */
export const upStages = [
  ['detect', 'metric over its target'],
  ['decide', 'first scale-up ordered'],
  ['start', 'replica started'],
  ['load', 'replica ready'],
  ['route', 'first request it serves'],
  ['after', 'the load changes again'],
] as const;
export const downStages = [
  ['decide', 'first scale-down ordered'],
  ['remove', 'replica out of rotation (draining)'],
  ['drain', 'replica stopped'],
  ['after', 'the last sample'],
] as const;

/**
 * The autoscaler's metric and target as the sampler saw them at one sample,
 * independent of the autoscaler's sync: CPU utilisation (hpa-cpu); running or
 * waiting requests per ready replica (hpa-custom on those series with the
 * default query); KEDA's sum of waiting or running against threshold × ready
 * replicas (External AverageValue). Undefined for other metrics and queries.
 */
export function sampledMetric(a: ResolvedAutoscaler, s: Sample): { value: number; target: number } | undefined {
  const ready = Math.max(1, s.replicas.ready);
  const gauge = (name: string): number | undefined => {
    const field = name.includes('num_requests_waiting') ? 'waiting' : name.includes('num_requests_running') ? 'running' : undefined;
    const v = field ? s.server?.[field] : undefined;
    return typeof v === 'number' ? v : undefined;
  };
  switch (a.kind) {
    case 'fixed':
      return undefined;
    case 'hpa-cpu':
      return s.cpu_utilization_pct === undefined ? undefined : { value: s.cpu_utilization_pct, target: a.targetUtilization };
    case 'hpa-custom': {
      const v = a.query ? undefined : gauge(a.metric);
      return v === undefined ? undefined : { value: v / ready, target: a.target };
    }
    case 'keda': {
      const v = /^\s*sum\s*\(/.test(a.query) ? gauge(a.query) : undefined;
      return v === undefined ? undefined : { value: v, target: a.threshold * ready };
    }
  }
}

/** The per-pod target an HPA decision's metric values are compared with. */
function decisionTarget(a: ResolvedAutoscaler): number | undefined {
  return a.kind === 'hpa-cpu' ? a.targetUtilization : a.kind === 'hpa-custom' ? a.target : a.kind === 'keda' ? a.threshold : undefined;
}

const isScale = (e: RunEvent, dir: 1 | -1): boolean => e.kind === 'scale' && e.from !== undefined && e.to !== undefined && Math.sign(e.to - e.from) === dir;

/**
 * The anatomy of every load change of a cell (pure). Scale-up: load change →
 * metric over its target → first scale-up ordered → replica started → ready
 * → first request it serves → the next load change; the first four stages sum
 * to the scale-up lag (same events as scaling.ts). The first request a new
 * replica serves is the first started after it was ready: the router sends
 * each request to the replica with the fewest in flight, which a new one is.
 * Scale-down: load drop → scale-down ordered → replica out of rotation →
 * stopped → last sample, with replica-seconds above the minimum per stage.
 */
export function cellAnatomy(i: AnatomyInput): CellAnatomy {
  const steps = loadSteps(i.cell);
  const loadEnd = i.loadStart + i.cell.load.warmupMs + i.cell.load.durationMs;
  const up = i.loadStart + steps.upMs;
  const down = i.loadStart + steps.downMs;
  const events = [...i.events].sort((a, b) => a.t - b.t);
  const episodes: Episode[] = [scaleUp(i, events, up, Math.min(down, loadEnd))];
  if (down < loadEnd) episodes.push(scaleDown(i, events, down, Math.max(loadEnd, i.samples.at(-1)?.t ?? loadEnd)));
  return { windowS: i.windowMs / 1000, episodes };
}

function scaleUp(i: AnatomyInput, events: readonly RunEvent[], at: number, end: number): Episode {
  const a = i.cell.autoscaler;
  const rel = (t: number): number => round((t - at) / 1000, 3);
  const marks: Record<string, number> = {};
  const decision = events.find((e) => e.t >= at && e.t < end && isScale(e, 1));
  // The sampler's series, else (or when later) what the autoscaler itself saw over its target.
  const over = (s: Sample): boolean => {
    const m = sampledMetric(a, s);
    return m !== undefined && m.value > m.target;
  };
  const sampled = i.samples.find((s) => s.t >= at && s.t < end && over(s));
  const target = decisionTarget(a);
  const seen =
    target === undefined
      ? undefined
      : events.find(
          (e) =>
            e.t >= at &&
            e.t < end &&
            e.kind === 'autoscaler' &&
            e.loop !== 'keda-operator' &&
            Array.isArray(e.metrics) &&
            e.metrics.some((m) => m.value !== null && m.value > target),
        );
  let crossing: Episode['crossing'];
  const crossAt = Math.min(sampled?.t ?? Infinity, seen?.t ?? Infinity, sampled || seen ? (decision?.t ?? Infinity) : Infinity);
  if (Number.isFinite(crossAt)) {
    marks.metric = rel(crossAt);
    crossing =
      sampled && sampled.t === crossAt
        ? { source: 'samples', target: sampledMetric(a, sampled)!.target }
        : { source: 'autoscaler', ...(target !== undefined ? { target } : {}) };
  } else if (decision) marks.metric = rel(decision.t);
  if (decision) {
    marks.decision = rel(decision.t);
    const ready = events.filter(ofKind('replica-ready')).find((e) => e.t >= decision.t);
    if (ready) {
      const started = events.find((e) => e.kind === 'replica-started' && e.pod === ready.pod);
      marks.started = rel(Math.min(ready.t, Math.max(decision.t, started?.t ?? decision.t)));
      marks.ready = rel(ready.t);
      const served = firstStartedAfter(i.requests.t, ready.t, end);
      if (served !== undefined) marks.served = rel(served);
    }
  }
  const names = upStages.map(([n]) => n);
  const ends = [marks.metric, marks.decision, marks.started, marks.ready, marks.served, undefined];
  const stages = stagesOf(i, at, end, names, ends);
  return {
    direction: 'up',
    atMs: at,
    offeredBefore: offeredNear(i.samples, at, -1),
    offeredAfter: offeredNear(i.samples, at, 1),
    marks,
    stages,
    ...(marks.ready !== undefined ? { lagS: marks.ready } : {}),
    ...(crossing ? { crossing } : {}),
    ...totals(stages),
  };
}

function scaleDown(i: AnatomyInput, events: readonly RunEvent[], at: number, end: number): Episode {
  const rel = (t: number): number => round((t - at) / 1000, 3);
  const marks: Record<string, number> = {};
  const decision = events.find((e) => e.t >= at && isScale(e, -1));
  if (decision) {
    marks.decision = rel(decision.t);
    const draining = events.filter(ofKind('replica-draining')).find((e) => e.t >= decision.t);
    if (draining) {
      marks.draining = rel(draining.t);
      const stopped = events.find((e) => e.t >= draining.t && e.kind === 'replica-stopped' && e.pod === draining.pod);
      if (stopped) marks.stopped = rel(stopped.t);
    }
  }
  const names = downStages.map(([n]) => n);
  const stages = stagesOf(i, at, end, names, [marks.decision, marks.draining, marks.stopped, undefined]);
  const floor = i.cell.deployment.replicas.min;
  for (const s of stages) s.overProvisionedReplicaS = round(replicaSecondsAbove(i.samples, floor, at + s.fromS * 1000, at + s.toS * 1000), 3);
  return {
    direction: 'down',
    atMs: at,
    offeredBefore: offeredNear(i.samples, at, -1),
    offeredAfter: offeredNear(i.samples, at, 1),
    marks,
    stages,
    ...(marks.stopped !== undefined ? { lagS: marks.stopped } : {}),
    ...totals(stages),
    overProvisionedReplicaS: round(
      stages.reduce((s, x) => s + (x.overProvisionedReplicaS ?? 0), 0),
      3,
    ),
  };
}

/** Stages from consecutive marks (seconds after `at`); the first missing mark ends the list with an unended stage up to `end`. */
function stagesOf(i: AnatomyInput, at: number, end: number, names: readonly string[], ends: ReadonlyArray<number | undefined>): Stage[] {
  const endS = round((end - at) / 1000, 3);
  const windows = violatingWindows(i, at, end);
  const out: Stage[] = [];
  let from = 0;
  for (let k = 0; k < names.length && from < endS; k++) {
    const mark = ends[k];
    const ended = mark !== undefined && mark <= endS;
    const to = ended ? Math.max(from, mark) : endS;
    const { requests, violating } = countRequests(i, at + from * 1000, at + to * 1000);
    const violationS = windows.reduce((s, w) => s + Math.max(0, Math.min(w.to, to) - Math.max(w.from, from)), 0);
    out.push({ name: names[k]!, fromS: from, toS: to, ended, violationS: round(violationS, 3), requests, violating });
    if (!ended) break;
    from = to;
  }
  return out;
}

function totals(stages: readonly Stage[]): { violationS: number; violating: number } {
  return {
    violationS: round(
      stages.reduce((s, x) => s + x.violationS, 0),
      3,
    ),
    violating: stages.reduce((s, x) => s + x.violating, 0),
  };
}

/** Whether one request missed an objective (or failed); the objectives are p95s, applied here to each request. */
function violates(r: RequestColumns, k: number, slo: ResolvedSlo): boolean {
  if (r.ok[k] !== 1) return true;
  return (
    (slo.ttft_ms_p95 !== undefined && !(r.ttft[k]! <= slo.ttft_ms_p95)) ||
    (slo.tpot_ms_p95 !== undefined && r.tpot[k]! > slo.tpot_ms_p95) ||
    (slo.e2e_ms_p95 !== undefined && r.e2e[k]! > slo.e2e_ms_p95)
  );
}

function countRequests(i: AnatomyInput, from: number, to: number): { requests: number; violating: number } {
  let requests = 0;
  let violating = 0;
  const { t } = i.requests;
  for (let k = 0; k < t.length; k++) {
    if (t[k]! < from || t[k]! >= to) continue;
    requests++;
    if (violates(i.requests, k, i.slo)) violating++;
  }
  return { requests, violating };
}

/** The windows of [at, end) (seconds after at) whose successful requests' p95 TTFT, TPOT or E2E missed its objective. */
function violatingWindows(i: AnatomyInput, at: number, end: number): Array<{ from: number; to: number }> {
  const w = i.windowMs;
  const count = Math.max(0, Math.ceil((end - at) / w));
  const bins: Array<{ ttft: number[]; tpot: number[]; e2e: number[] }> = Array.from({ length: count }, () => ({ ttft: [], tpot: [], e2e: [] }));
  const r = i.requests;
  for (let k = 0; k < r.t.length; k++) {
    const b = Math.floor((r.t[k]! - at) / w);
    if (b < 0 || b >= count || r.ok[k] !== 1) continue;
    if (!Number.isNaN(r.ttft[k]!)) bins[b]!.ttft.push(r.ttft[k]!);
    if (!Number.isNaN(r.tpot[k]!)) bins[b]!.tpot.push(r.tpot[k]!);
    bins[b]!.e2e.push(r.e2e[k]!);
  }
  const p95 = (xs: number[]): number | undefined => quantilesInPlace(Float64Array.from(xs), [0.95])[0];
  const misses = (values: number[], objective: number | undefined): boolean => objective !== undefined && (p95(values) ?? -Infinity) > objective;
  const out: Array<{ from: number; to: number }> = [];
  bins.forEach((b, k) => {
    if (misses(b.ttft, i.slo.ttft_ms_p95) || misses(b.tpot, i.slo.tpot_ms_p95) || misses(b.e2e, i.slo.e2e_ms_p95)) {
      out.push({ from: (k * w) / 1000, to: Math.min((k + 1) * w, end - at) / 1000 });
    }
  });
  return out;
}

function firstStartedAfter(t: ArrayLike<number>, from: number, before: number): number | undefined {
  let best = Infinity;
  for (let k = 0; k < t.length; k++) if (t[k]! >= from && t[k]! < before && t[k]! < best) best = t[k]!;
  return Number.isFinite(best) ? best : undefined;
}

/** The offered load just before (dir −1) or after (dir 1) an instant, from the samples. */
function offeredNear(samples: readonly Sample[], at: number, dir: -1 | 1): number {
  const s = dir < 0 ? samples.filter((x) => x.t < at).at(-1) : samples.find((x) => x.t > at);
  return s?.offered ?? 0;
}

/** Replicas in existence above `floor`, integrated over [from, to] by the trapezoid rule between samples (as replicaSeconds). */
export function replicaSecondsAbove(samples: readonly Sample[], floor: number, from: number, to: number): number {
  let total = 0;
  for (let k = 0; k + 1 < samples.length; k++) {
    const s0 = samples[k]!;
    const s1 = samples[k + 1]!;
    const a = Math.max(s0.t, from);
    const b = Math.min(s1.t, to);
    if (b <= a) continue;
    const at = (x: number): number => Math.max(0, s0.replicas.current + ((s1.replicas.current - s0.replicas.current) * (x - s0.t)) / (s1.t - s0.t) - floor);
    total += ((at(a) + at(b)) / 2) * ((b - a) / 1000);
  }
  return total;
}
