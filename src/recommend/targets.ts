import type { CurvePoint } from '../analysis/capacity.js';
import { round } from '../analysis/stats.js';

/**
 * Autoscaler targets from what a replica looks like at capacity: the HPA's
 * Pods target on running requests and KEDA's threshold on waiting requests,
 * each lowered by a headroom so that scaling starts before the SLO breaks.
 * Pure.
 */

/** HPA's default tolerance: no scaling within ±10 % of the target (kube-controller-manager --horizontal-pod-autoscaler-tolerance). */
export const HPA_TOLERANCE = 0.1;

export interface TargetInput {
  /** Mean running requests per replica at capacity. */
  running: number;
  /** Mean waiting requests per replica at capacity. */
  waiting: number;
  /**
   * Measured scale-up lag, load step → new replica ready, real-time seconds;
   * undefined when nothing scaled up.
   */
  scaleUpLagS?: number;
  /** How fast the traffic may grow, fraction per minute (0.2 = 20 %/min). */
  growthPerMin: number;
}

export interface Targets {
  /** Divisor applied to the values at capacity: (1 + tolerance) × (1 + growth × lag). */
  headroom: number;
  /** Per-pod AverageValue of vllm:num_requests_running for an HPA Pods metric. */
  hpaRunning: number;
  /** KEDA's threshold: on waiting requests, or on running when the queue stays empty up to capacity. */
  keda: { metric: 'vllm:num_requests_waiting' | 'vllm:num_requests_running'; threshold: number };
  notes: string[];
}

/** Lag assumed when none was measured: a model load of about a minute. @default 60 s */
export const DEFAULT_LAG_S = 60;

/**
 * While a new replica starts (the lag), the traffic grows by growth × lag;
 * the target must leave that much room, and the HPA's tolerance on top, so
 * target = value at capacity / ((1 + tolerance) × (1 + growth × lag / 60)).
 * A queue that is still empty at capacity (under one waiting request per
 * replica) cannot warn before the SLO breaks: KEDA then scales on running.
 */
export function deriveTargets(i: TargetInput): Targets {
  const notes: string[] = [];
  const lag = i.scaleUpLagS ?? DEFAULT_LAG_S;
  if (i.scaleUpLagS === undefined) notes.push(`no scale-up was measured: headroom assumes a ${DEFAULT_LAG_S} s lag`);
  const headroom = round((1 + HPA_TOLERANCE) * (1 + (i.growthPerMin * lag) / 60), 3);
  const hpaRunning = Math.max(0.1, round(i.running / headroom, 1));
  if (i.waiting >= 1) {
    return { headroom, hpaRunning, keda: { metric: 'vllm:num_requests_waiting', threshold: Math.max(1, round(i.waiting / headroom, 1)) }, notes };
  }
  notes.push(
    `waiting stays at ${round(i.waiting, 2)} per replica up to capacity (max_num_seqs is above what meets the SLO): a waiting threshold would fire only after the SLO breaks, so KEDA scales on running`,
  );
  return { headroom, hpaRunning, keda: { metric: 'vllm:num_requests_running', threshold: hpaRunning }, notes };
}

/**
 * Running and waiting per replica at capacity, from a curve point: the
 * router's in-flight count (no scrape lag) split at max_num_seqs — vLLM runs
 * up to max_num_seqs and queues the rest; the Prometheus gauges, which lag a
 * scrape behind a step, only when the router's count is missing.
 */
export function valuesAtCapacity(
  p: Pick<CurvePoint, 'load' | 'in_flight_per_replica_mean' | 'running_per_replica_mean' | 'waiting_per_replica_mean'>,
  maxNumSeqs: number,
): { running: number; waiting: number } {
  const inFlight =
    p.in_flight_per_replica_mean ?? (p.running_per_replica_mean !== undefined ? p.running_per_replica_mean + (p.waiting_per_replica_mean ?? 0) : p.load);
  return { running: Math.min(inFlight, maxNumSeqs), waiting: Math.max(0, inFlight - maxNumSeqs) };
}
