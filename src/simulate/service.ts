import type { ResolvedDeployment, ResolvedMatrix } from '../matrix/types.js';
import { loadFactor } from '../recommend/capacity-model.js';
import type { Profile } from '../recommend/profiles.js';
import { replicaLatency } from '../sizing/replica-latency.js';
import { profileConfig } from '../tune/observe.js';
import type { Catalog } from '../catalog/catalog.js';

/**
 * How long a replica takes to serve a request, as a function of how many it
 * is running: the measured profile of the deployment config when there is
 * one (its p95 TTFT and TPOT against requests running per replica), else the
 * capacity model (the simulator's own load rule, with the matrix's latencies
 * or the roofline's). Pure.
 */
export interface ServiceModel {
  source: 'profile' | 'capacity-model';
  /** Where the numbers come from, for the report and the CLI. */
  note: string;
  maxNumSeqs: number;
  /** TTFT of a request admitted with `running` requests running (itself included), ms. */
  ttftMs(running: number, promptTokens: number): number;
  /** Time per output token after the first with `running` requests running, ms. */
  itlMs(running: number): number;
  /** Spread of TTFT (a normal draw around ttftMs), ms. @default 0 */
  ttftStdevMs: number;
}

/** The capacity model of a deployment (llm-d-inference-sim latencies.go getCurrLoadFactor). */
export function capacityModelService(catalog: Catalog, d: ResolvedDeployment, m: Pick<ResolvedMatrix, 'workload'>): ServiceModel {
  const l = replicaLatency(catalog, d, m.workload);
  const p = { timeFactorUnderLoad: l.timeFactorUnderLoad, maxNumSeqs: d.vllm.maxNumSeqs };
  const explicit = d.simulator.ttftMs !== undefined && d.simulator.itlMs !== undefined;
  const ttft = l.ttft;
  return {
    source: 'capacity-model',
    note: explicit
      ? `capacity model: the simulator's load rule with the matrix's ttft ${d.simulator.ttftMs} ms, itl ${d.simulator.itlMs} ms, ×${l.timeFactorUnderLoad} at ${d.vllm.maxNumSeqs} running`
      : `capacity model: no measured profile for ${d.name}; the roofline's latencies under the simulator's load rule`,
    maxNumSeqs: d.vllm.maxNumSeqs,
    ttftMs: ttft.kind === 'constant' ? (r) => ttft.ms * loadFactor(p, r) : (r, prompt) => (ttft.overheadMs + ttft.perTokenMs * prompt) * loadFactor(p, r),
    itlMs: (r) => l.itlMs * loadFactor(p, r),
    ttftStdevMs: d.simulator.ttftStdevMs,
  };
}

/** Linear interpolation through sorted (x, y), flat below the first point, extended along the last segment above. */
export function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  const n = xs.length;
  if (n === 1 || x <= xs[0]!) return ys[0]!;
  for (let i = 1; i < n; i++) {
    if (x <= xs[i]!) return ys[i - 1]! + ((ys[i]! - ys[i - 1]!) * (x - xs[i - 1]!)) / (xs[i]! - xs[i - 1]!);
  }
  const dx = xs[n - 1]! - xs[n - 2]!;
  const slope = dx > 0 ? (ys[n - 1]! - ys[n - 2]!) / dx : 0;
  return Math.max(ys[n - 1]!, ys[n - 1]! + slope * (x - xs[n - 1]!));
}

/**
 * A profile's curve as a service model: each point's requests running per
 * replica (its `running`, else its in-flight, else, for a users profile, its
 * load) against its p95 TTFT and TPOT. Points with a queue (running at
 * max_num_seqs, or saturated) are left out: the simulation queues by itself.
 * Undefined when fewer than two points qualify.
 */
export function profileService(profile: Profile, d: ResolvedDeployment): ServiceModel | undefined {
  const pts = profile.curve
    .flatMap((p) => {
      const x = p.running_per_replica_mean ?? p.in_flight_per_replica_mean ?? (profile.arrival === 'users' ? p.load : undefined);
      if (x === undefined || p.saturated || x > d.vllm.maxNumSeqs || p.ttft_ms_p95 === undefined || p.tpot_ms_p95 === undefined) return [];
      return [{ x: Math.max(1, x), ttft: p.ttft_ms_p95, tpot: p.tpot_ms_p95 }];
    })
    .sort((a, b) => a.x - b.x);
  if (pts.length < 2) return undefined;
  const xs = pts.map((p) => p.x);
  const ttft = pts.map((p) => p.ttft);
  const tpot = pts.map((p) => p.tpot);
  return {
    source: 'profile',
    note: `measured profile ${profile.config.key} (run ${profile.run_id}, ${pts.length} points from ${xs[0]} to ${xs[xs.length - 1]} running per replica)`,
    maxNumSeqs: d.vllm.maxNumSeqs,
    ttftMs: (r) => interpolate(xs, ttft, r),
    itlMs: (r) => interpolate(xs, tpot, r),
    ttftStdevMs: 0,
  };
}

/**
 * The service model of a deployment. A simulator with explicit latencies is
 * served by its own rule (exact: the capacity model is that rule); otherwise
 * a matching profile, else the roofline under the capacity model. A profile
 * holds p95s per load, and each request here gets that p95: near the SLO's
 * edge it under-states attainment (on the reference step it gave 62 % where
 * 100 % was measured), which is why an exact rule goes first.
 */
export function serviceFor(catalog: Catalog, d: ResolvedDeployment, m: ResolvedMatrix, profiles: readonly Profile[]): ServiceModel {
  if (d.simulator.ttftMs !== undefined && d.simulator.itlMs !== undefined && !d.simulator.command) return capacityModelService(catalog, d, m);
  const key = profileConfig(d, m).key;
  const profile = profiles.find((p) => p.config.key === key);
  const fromProfile = profile ? profileService(profile, d) : undefined;
  return fromProfile ?? capacityModelService(catalog, d, m);
}
