import type { ResolvedSlo } from '../matrix/types.js';

/**
 * The capacity model: latency of one replica against its concurrency (users,
 * closed loop, no think time), from the engine's latency parameters. It
 * follows the simulator's own rule (llm-d-inference-sim
 * pkg/llm-d-inference-sim/latencies.go getCurrLoadFactor): with r requests
 * running, TTFT and inter-token latency are multiplied by
 * 1 + (time_factor_under_load − 1) × (r − 1) / (max_num_seqs − 1). Beyond
 * max_num_seqs the extra users wait in a queue served at the replica's
 * throughput. For real vLLM the parameters come from the roofline
 * (roofline.ts simLatency), so the same curve is the recommender's estimate.
 */

export interface LatencyParams {
  /** TTFT of one request on an idle replica, ms. */
  ttftMs: number;
  /** Inter-token latency with one sequence running, ms. */
  itlMs: number;
  /** Step time at max_num_seqs running over the step at one (≥ 1). */
  timeFactorUnderLoad: number;
  maxNumSeqs: number;
  /** Mean output tokens of a request. */
  outputTokens: number;
}

/** What the model predicts for one replica at a concurrency. */
export interface Prediction {
  ttftMs: number;
  tpotMs: number;
  e2eMs: number;
  /** Completed requests per second of the replica. */
  rps: number;
  running: number;
  waiting: number;
}

/** The simulator's load factor with `running` requests in flight. */
export function loadFactor(p: Pick<LatencyParams, 'timeFactorUnderLoad' | 'maxNumSeqs'>, running: number): number {
  if (p.maxNumSeqs <= 1) return 1;
  return 1 + ((p.timeFactorUnderLoad - 1) * Math.max(0, running - 1)) / (p.maxNumSeqs - 1);
}

/**
 * Latencies at `users` concurrent users on one replica. Up to max_num_seqs
 * every user runs; beyond, the replica completes max_num_seqs / E2E requests
 * per second, so each user's cycle is users / throughput and the difference
 * from the service time is spent waiting (before the first token).
 */
export function predictAt(p: LatencyParams, users: number): Prediction {
  const running = Math.min(users, p.maxNumSeqs);
  const f = loadFactor(p, running);
  const ttft = p.ttftMs * f;
  const tpot = p.itlMs * f;
  const service = ttft + Math.max(0, p.outputTokens - 1) * tpot;
  if (users <= p.maxNumSeqs) return { ttftMs: ttft, tpotMs: tpot, e2eMs: service, rps: (users * 1000) / service, running, waiting: 0 };
  const cycle = (users * service) / p.maxNumSeqs;
  return { ttftMs: ttft + cycle - service, tpotMs: tpot, e2eMs: cycle, rps: (p.maxNumSeqs * 1000) / service, running, waiting: users - p.maxNumSeqs };
}

const checks = [
  ['ttft', 'ttft_ms_p95', 'ttftMs'],
  ['tpot', 'tpot_ms_p95', 'tpotMs'],
  ['e2e', 'e2e_ms_p95', 'e2eMs'],
] as const;

/** The worst ratio of predicted latency to objective (≤ 1: every objective met), and which metric it is. */
export function worstRatio(pred: Prediction, slo: ResolvedSlo): { ratio: number; metric: string } {
  let worst = { ratio: 0, metric: '' };
  for (const [metric, key, field] of checks) {
    const target = slo[key];
    if (target === undefined) continue;
    const ratio = pred[field] / target;
    if (ratio > worst.ratio) worst = { ratio, metric };
  }
  return worst;
}

export type CapacityEstimate =
  | { ok: true; users: number; rps: number; at: Prediction }
  | { ok: false /** How far the best case (one user) misses, e.g. 0.25 = 25 % over. */; miss: number; metric: string; at: Prediction };

/**
 * The most users one replica holds with every objective met (continuous, to
 * 0.01 user), by bisection on the monotone curve; a replica that misses with
 * a single user cannot serve the objectives, and the answer says by how much.
 * Without any objective, capacity is max_num_seqs (no queue).
 */
export function capacityAtSlo(p: LatencyParams, slo: ResolvedSlo): CapacityEstimate {
  const one = predictAt(p, 1);
  const first = worstRatio(one, slo);
  if (first.ratio > 1) return { ok: false, miss: first.ratio - 1, metric: first.metric, at: one };
  if (first.metric === '') {
    const at = predictAt(p, p.maxNumSeqs);
    return { ok: true, users: p.maxNumSeqs, rps: at.rps, at };
  }
  let lo = 1;
  let hi = 2;
  const limit = p.maxNumSeqs * 1000;
  while (hi < limit && worstRatio(predictAt(p, hi), slo).ratio <= 1) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (worstRatio(predictAt(p, mid), slo).ratio <= 1) lo = mid;
    else hi = mid;
  }
  const users = Math.floor(lo * 100) / 100;
  const at = predictAt(p, users);
  return { ok: true, users, rps: at.rps, at };
}
