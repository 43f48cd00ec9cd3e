import { capacityOf, type CurvePoint } from '../analysis/capacity.js';
import { round } from '../analysis/stats.js';
import type { GpuSharing, ResolvedSlo } from '../matrix/types.js';
import { capacityAtSlo, type LatencyParams } from './capacity-model.js';
import { sharingLabel } from '../sizing/sharing.js';
import { deriveTargets, valuesAtCapacity, type Targets } from './targets.js';
import { objectives } from '../vocabulary/metrics.js';

/**
 * The recommender (pure): each candidate configuration's capacity per
 * replica at the SLO — measured where a profile exists, else the capacity
 * model's estimate — then replicas for the traffic, cost, and autoscaler
 * targets; the cheapest configuration that meets the SLO wins.
 */

/** Hours in a month for monthly cost: 365 × 24 / 12. */
export const HOURS_PER_MONTH = 730;

/** What the configurations must serve. */
export interface UseCase {
  name: string;
  workload: string;
  promptTokens: number;
  outputTokens: number;
  slo: ResolvedSlo;
  /** Peak requests per second. */
  peakQps: number;
  /** Traffic above the peak the deployment must absorb (replicas.max): 0.25 = 25 %. */
  growth: number;
  /** How fast the traffic can rise, fraction per minute: the autoscaler's headroom. */
  rampPerMin: number;
}

export type Basis =
  | { kind: 'measured'; curve: CurvePoint[]; runId: string; engine: string; scaleUpLagS?: number }
  | { kind: 'estimated'; params: LatencyParams };

export interface Candidate {
  /** Stable name: recipe id (and max_num_seqs variant), or the profile's deployment. */
  id: string;
  model: string;
  hardware: string;
  gpuCount: number;
  precision: string;
  maxNumSeqs: number;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  enablePrefixCaching: boolean;
  extraArgs: string[];
  recipe?: string;
  /** Price of one device (a whole GPU, or the slice's share of its price), USD per hour. */
  usdPerGpuHour: number;
  /** How a replica shares its GPU; absent: whole GPUs. */
  sharing?: GpuSharing;
  /** Share of one GPU a device is (the slice's price share, sharing.ts). @default 1 */
  gpuShare?: number;
  basis: Basis;
}

export interface Sizing {
  /** Replicas needed at the peak, at least, at most. */
  replicas: { peak: number; min: number; max: number };
  usdPerMonth: number;
  usdPerMillionTokens: number;
}

export type Evaluation =
  | {
      ok: true;
      candidate: Candidate;
      confidence: 'measured' | 'estimated';
      /** Users per replica at the SLO (a lower bound when measured: the last passing load). */
      usersPerReplica: number;
      rpsPerReplica: number;
      /** A measured capacity above every load tested: the true one may be higher. */
      atLeast: boolean;
      sizing: Sizing;
      targets: Targets;
    }
  | {
      ok: false;
      candidate: Candidate;
      confidence: 'measured' | 'estimated' /** e.g. 0.3: the best case is 30 % over an objective. */;
      miss: number;
      why: string;
    };

/**
 * Replicas and cost for a capacity: peak = ⌈QPS / rps per replica⌉;
 * max = ⌈QPS × (1 + growth) / rps⌉; min = max(1, ⌈peak / 2⌉) (the upstream
 * recommender's rule). Cost at peak replicas around the clock (an upper
 * bound); per million tokens, prompt and output tokens together.
 */
export function sizing(
  u: Pick<UseCase, 'peakQps' | 'growth' | 'promptTokens' | 'outputTokens'>,
  rpsPerReplica: number,
  gpuCount: number,
  usdPerGpuHour: number,
): Sizing {
  const peak = Math.max(1, Math.ceil(u.peakQps / rpsPerReplica - 1e-9));
  const max = Math.max(peak, Math.ceil((u.peakQps * (1 + u.growth)) / rpsPerReplica - 1e-9));
  const min = Math.max(1, Math.ceil(peak / 2));
  const usdPerHour = peak * gpuCount * usdPerGpuHour;
  const tokensPerHour = u.peakQps * 3600 * (u.promptTokens + u.outputTokens);
  return {
    replicas: { peak, min, max },
    usdPerMonth: round(usdPerHour * HOURS_PER_MONTH, 2),
    usdPerMillionTokens: tokensPerHour > 0 ? round((usdPerHour / tokensPerHour) * 1e6, 4) : Infinity,
  };
}

/** How far a measured point misses its worst objective (0.2 = 20 % over). */
function pointMiss(p: CurvePoint, slo: ResolvedSlo): { miss: number; metric: string } {
  let worst = { miss: 0, metric: 'errors or saturation' };
  for (const key of objectives) {
    const name = key.split('_')[0]!;
    const t = slo[key];
    const v = p[key];
    if (t !== undefined && v !== undefined && v / t - 1 > worst.miss) worst = { miss: v / t - 1, metric: name };
  }
  return worst;
}

/** One candidate against a use case. */
export function evaluate(c: Candidate, u: UseCase): Evaluation {
  if (c.basis.kind === 'estimated') {
    const est = capacityAtSlo(c.basis.params, u.slo);
    if (!est.ok)
      return {
        ok: false,
        candidate: c,
        confidence: 'estimated',
        miss: round(est.miss, 3),
        why: `${est.metric} p95 misses by ${round(est.miss * 100, 1)} % even with one user per replica (estimated)`,
      };
    const targets = deriveTargets({ running: est.at.running, waiting: est.at.waiting, growthPerMin: u.rampPerMin });
    return {
      ok: true,
      candidate: c,
      confidence: 'estimated',
      usersPerReplica: est.users,
      rpsPerReplica: round(est.rps, 3),
      atLeast: false,
      sizing: sizing(u, est.rps, c.gpuCount, c.usdPerGpuHour),
      targets,
    };
  }
  const cap = capacityOf(c.basis.curve, u.slo);
  const lag = c.basis.scaleUpLagS;
  switch (cap.kind) {
    case 'no-data':
      return { ok: false, candidate: c, confidence: 'measured', miss: Infinity, why: `the profile cannot judge it: ${cap.reason}` };
    case 'below-lowest': {
      const lowest = [...c.basis.curve].sort((a, b) => a.load - b.load).find((p) => p.load === cap.lowest)!;
      const m = pointMiss(lowest, u.slo);
      return {
        ok: false,
        candidate: c,
        confidence: 'measured',
        miss: round(m.miss, 3),
        why: `${m.metric} p95 misses by ${round(m.miss * 100, 1)} % at the lowest load measured (${cap.lowest} per replica)`,
      };
    }
    case 'interval':
    case 'above-highest': {
      const at = cap.at;
      const rps = at.successful_rps_per_replica;
      if (!rps) return { ok: false, candidate: c, confidence: 'measured', miss: Infinity, why: 'the profile has no throughput at capacity' };
      const targets = deriveTargets({ ...valuesAtCapacity(at, c.maxNumSeqs), ...(lag !== undefined ? { scaleUpLagS: lag } : {}), growthPerMin: u.rampPerMin });
      return {
        ok: true,
        candidate: c,
        confidence: 'measured',
        usersPerReplica: at.load,
        rpsPerReplica: rps,
        atLeast: cap.kind === 'above-highest',
        sizing: sizing(u, rps, c.gpuCount, c.usdPerGpuHour),
        targets,
      };
    }
  }
}

export interface Recommendation {
  best?: Extract<Evaluation, { ok: true }>;
  runnersUp: Array<Extract<Evaluation, { ok: true }>>;
  /** When nothing meets the SLO: the candidates that miss least. */
  closest: Array<Extract<Evaluation, { ok: false }>>;
  evaluated: number;
  /** Why the choice beat the other way of holding a GPU (a slice over whole GPUs, or whole GPUs over every slice), when both were considered. */
  why?: string[];
}

type Ok = Extract<Evaluation, { ok: true }>;

/** "1 × A100-80 MIG 3g.40gb": the devices of one replica. */
export function devicesLabel(c: Candidate): string {
  return `${c.gpuCount} × ${c.hardware}${c.sharing ? ` ${sharingLabel(c.sharing)}` : ''}`;
}

const money = (v: number): string => `$${v.toFixed(v < 10 ? 2 : 0)}`;

function costLine(e: Ok): string {
  const c = e.candidate;
  const share = c.gpuShare ?? 1;
  const part = c.sharing ? ` (${Math.round(share * 1000) / 1000} of a GPU, ${money(c.usdPerGpuHour)}/h)` : '';
  const n = e.sizing.replicas.peak;
  return `${c.id}: ${n} replica${n === 1 ? '' : 's'} of ${devicesLabel(c)}${part} at ${e.usersPerReplica} users and ${e.rpsPerReplica} requests/s per replica, ${money(e.sizing.usdPerMonth)} a month (${money(e.sizing.usdPerMillionTokens)} per million tokens)`;
}

/** The reasons a slice (or a whole GPU) won: its cost against the best of the other kind. */
function sharingWhy(best: Ok, ok: readonly Ok[], all: readonly Evaluation[]): string[] | undefined {
  const shared = (e: Evaluation): boolean => e.candidate.sharing !== undefined;
  const rival = ok.find((e) => shared(e) !== shared(best));
  const considered = all.filter((e) => shared(e) !== shared(best)).length;
  if (considered === 0) return undefined;
  const kind = shared(best) ? 'a GPU slice' : 'whole GPUs';
  const other = shared(best) ? 'whole-GPU configuration' : 'slice';
  if (!rival) return [`chosen ${kind}: ${costLine(best)}; no ${other} of the ${considered} considered meets the SLO`];
  const saving = 1 - best.sizing.usdPerMonth / rival.sizing.usdPerMonth;
  const cheaper = saving > 0 ? `${Math.round(saving * 1000) / 10} % cheaper than` : 'as cheap as (a tie goes to fewer GPUs, then measured, then by id)';
  return [`chosen ${kind}: ${costLine(best)}`, `${cheaper} the best ${other} meeting the SLO, ${costLine(rival)}`];
}

/**
 * The cheapest configuration meeting the SLO (cost per month; then fewer
 * GPUs, measured before estimated, then id), the next `runnersUp`; when none
 * meets it, the `runnersUp` that miss least.
 */
export function recommend(candidates: readonly Candidate[], u: UseCase, runnersUp = 3): Recommendation {
  const all = candidates.map((c) => evaluate(c, u));
  const ok = all.filter((e): e is Extract<Evaluation, { ok: true }> => e.ok);
  const gpus = (e: Extract<Evaluation, { ok: true }>): number => e.sizing.replicas.peak * e.candidate.gpuCount * (e.candidate.gpuShare ?? 1);
  ok.sort(
    (a, b) =>
      a.sizing.usdPerMonth - b.sizing.usdPerMonth ||
      gpus(a) - gpus(b) ||
      (a.confidence === b.confidence ? 0 : a.confidence === 'measured' ? -1 : 1) ||
      (a.candidate.id < b.candidate.id ? -1 : 1),
  );
  const failed = all
    .filter((e): e is Extract<Evaluation, { ok: false }> => !e.ok)
    .sort((a, b) => a.miss - b.miss || (a.candidate.id < b.candidate.id ? -1 : 1));
  const [best, ...rest] = ok;
  const why = best ? sharingWhy(best, ok, all) : undefined;
  return {
    ...(best ? { best } : {}),
    runnersUp: rest.slice(0, runnersUp),
    closest: best ? [] : failed.slice(0, runnersUp),
    evaluated: all.length,
    ...(why ? { why } : {}),
  };
}
