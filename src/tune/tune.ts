import { capacityOf, fitLine, type Capacity, type CurvePoint } from '../analysis/capacity.js';
import { median, round } from '../analysis/stats.js';
import type { ResolvedSlo } from '../matrix/types.js';
import { errorStats, type ErrorStats } from '../recommend/accuracy.js';
import { capacityAtSlo, predictAt, type LatencyParams } from '../recommend/capacity-model.js';
import { PROFILE_FORMAT, type Profile } from '../recommend/profiles.js';
import { deriveTargets, valuesAtCapacity, type Targets } from '../recommend/targets.js';
import { MIN_REQUESTS, judgePoint } from '../analysis/capacity.js';

/**
 * What `tune` concludes for one deployment config (pure): capacity at the
 * SLO, lines fitted to the curve, the autoscaler targets, the profile to
 * store, and how far the capacity model's prediction was from the measurement.
 */

export interface TuneInput {
  config: Profile['config'];
  arrival: Profile['arrival'];
  runId: string;
  createdAt: string;
  slo: ResolvedSlo;
  curve: CurvePoint[];
  /** Real-time seconds (the run's lags divided by its time_scale); empty when nothing scaled. */
  scaleUpLagsS: number[];
  rampPerMin: number;
  /** The model's latency parameters for this config, for predicted vs measured. */
  params?: LatencyParams;
}

export interface TuneResult {
  config: Profile['config'];
  capacity: Capacity;
  fits: Record<'ttft' | 'tpot' | 'e2e', { slope: number; intercept: number } | undefined>;
  /** Undefined when capacity is unknown or below the lowest level (no values at capacity). */
  targets?: Targets;
  scaleUpLagS?: number;
  profile: Profile;
  /** The capacity model's capacity at the SLO (users per replica), when it has parameters. */
  predictedCapacity?: number;
  /** Predicted vs measured per metric: p95 latencies at each measured load, and capacity. */
  accuracy: ErrorStats[];
}

const sloRow = (s: ResolvedSlo): Profile['slo'] => ({
  ...(s.ttft_ms_p95 !== undefined ? { ttft_ms_p95: s.ttft_ms_p95 } : {}),
  ...(s.tpot_ms_p95 !== undefined ? { tpot_ms_p95: s.tpot_ms_p95 } : {}),
  ...(s.e2e_ms_p95 !== undefined ? { e2e_ms_p95: s.e2e_ms_p95 } : {}),
});

/** The measured capacity as one number for comparisons: the crossing inside the interval, else undefined. */
export function measuredCapacity(c: Capacity): number | undefined {
  return c.kind === 'interval' ? c.estimate : undefined;
}

export function tuneConfig(i: TuneInput): TuneResult {
  const capacity = capacityOf(i.curve, i.slo);
  const lag = median(i.scaleUpLagsS);
  const fits = { ttft: fitLine(i.curve, 'ttft_ms_p95'), tpot: fitLine(i.curve, 'tpot_ms_p95'), e2e: fitLine(i.curve, 'e2e_ms_p95') };
  let targets: Targets | undefined;
  if (capacity.kind === 'interval' || capacity.kind === 'above-highest') {
    const at = capacity.at;
    targets = deriveTargets({
      ...valuesAtCapacity(at, i.config.max_num_seqs),
      ...(lag !== undefined ? { scaleUpLagS: round(lag, 3) } : {}),
      growthPerMin: i.rampPerMin,
    });
    if (capacity.kind === 'above-highest')
      targets.notes.push(
        `capacity is above the highest load measured (${capacity.highest} per replica): the targets are from that load, so they are conservative`,
      );
  }
  const profile: Profile = {
    format: PROFILE_FORMAT,
    source: 'harness',
    confidence: 'measured',
    run_id: i.runId,
    created_at: i.createdAt,
    config: i.config,
    arrival: i.arrival,
    slo: sloRow(i.slo),
    curve: i.curve,
    ...(lag !== undefined ? { scale_up_lag_s: round(lag, 3) } : {}),
  };
  const accuracy: ErrorStats[] = [];
  let predictedCapacity: number | undefined;
  if (i.params && i.arrival === 'users') {
    const judged = i.curve.filter((p) => judgePoint(p, i.slo, MIN_REQUESTS).kind !== 'thin');
    const metrics = [
      ['ttft_ms_p95', 'ttft_ms_p95', 'ttftMs'],
      ['tpot_ms_p95', 'tpot_ms_p95', 'tpotMs'],
      ['e2e_ms_p95', 'e2e_ms_p95', 'e2eMs'],
    ] as const;
    for (const [name, key, field] of metrics) {
      const pairs = judged.flatMap((p) => (p[key] === undefined ? [] : [{ predicted: predictAt(i.params!, p.load)[field], measured: p[key]! }]));
      const e = errorStats(name, pairs);
      if (e) accuracy.push(e);
    }
    const rps = judged.flatMap((p) =>
      p.successful_rps_per_replica === undefined ? [] : [{ predicted: predictAt(i.params!, p.load).rps, measured: p.successful_rps_per_replica }],
    );
    const e = errorStats('rps_per_replica', rps);
    if (e) accuracy.push(e);
    const est = capacityAtSlo(i.params, i.slo);
    if (est.ok) predictedCapacity = est.users;
    const measured = measuredCapacity(capacity);
    if (predictedCapacity !== undefined && measured !== undefined)
      accuracy.push(errorStats('capacity_users_per_replica', [{ predicted: predictedCapacity, measured }])!);
  }
  return {
    config: i.config,
    capacity,
    fits,
    ...(targets ? { targets } : {}),
    ...(lag !== undefined ? { scaleUpLagS: round(lag, 3) } : {}),
    profile,
    ...(predictedCapacity !== undefined ? { predictedCapacity } : {}),
    accuracy,
  };
}
