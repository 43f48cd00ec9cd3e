import type { CurvePoint } from '../analysis/capacity.js';
import { quantilesInPlace, round } from '../analysis/stats.js';
import type { Sample } from '../results/samples.js';
import type { CurveFigure } from '../vocabulary/metrics.js';

/**
 * The latency-vs-load curve of one deployment config, built from the raw
 * points of every cell it ran in: each request is filed under the load each
 * replica carried when it started (offered load over ready replicas, from the
 * sample in force), so fixed cells give one point per level and autoscaled
 * cells a point per replica count they went through. Pure.
 */

/** Per-replica load as a curve key: 0.1 user (or request/s) resolution. */
export function loadKey(offered: number, ready: number): number | undefined {
  if (!(ready >= 1) || !(offered > 0)) return undefined;
  return Math.round((offered / ready) * 10) / 10;
}

interface Bin {
  ttft: number[];
  tpot: number[];
  e2e: number[];
  requests: number;
  errors: number;
  replicaSeconds: number;
  inFlight: number[];
  running: number[];
  waiting: number[];
  kv: number[];
}

const newBin = (): Bin => ({ ttft: [], tpot: [], e2e: [], requests: 0, errors: 0, replicaSeconds: 0, inFlight: [], running: [], waiting: [], kv: [] });

/** Accumulates the points and samples of many cells into one curve. */
export class CurveBuilder {
  private readonly bins = new Map<number, Bin>();

  private bin(key: number): Bin {
    let b = this.bins.get(key);
    if (!b) this.bins.set(key, (b = newBin()));
    return b;
  }

  /**
   * One cell: its samples (sorted by time) bound the main phase [from, to)
   * (ms since the epoch); returns a function taking each of its points.
   */
  cell(
    samples: readonly Sample[],
    from: number,
    to: number,
  ): (p: { t: number; ok: boolean; ttft_ms: number | null; tpot_ms: number | null; e2e_ms: number }) => void {
    const main = samples.filter((s) => s.t >= from && s.t <= to && !s.gap);
    for (let i = 0; i < main.length; i++) {
      const s = main[i]!;
      const key = loadKey(s.offered, s.replicas.ready);
      if (key === undefined) continue;
      const b = this.bin(key);
      const next = main[i + 1];
      if (next) b.replicaSeconds += ((next.t - s.t) / 1000) * s.replicas.ready;
      if (typeof s.in_flight === 'number') b.inFlight.push(s.in_flight / s.replicas.ready);
      const sv = s.server ?? {};
      if (typeof sv.running === 'number') b.running.push(sv.running / s.replicas.ready);
      if (typeof sv.waiting === 'number') b.waiting.push(sv.waiting / s.replicas.ready);
      if (typeof sv.kv_cache_usage === 'number') b.kv.push(sv.kv_cache_usage);
    }
    // The sample in force at a request's start: the last one at or before it.
    const times = samples.map((s) => s.t);
    return (p) => {
      if (p.t < from || p.t >= to) return;
      let lo = 0;
      let hi = times.length - 1;
      if (hi < 0 || times[0]! > p.t) return;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (times[mid]! <= p.t) lo = mid;
        else hi = mid - 1;
      }
      const s = samples[lo]!;
      const key = loadKey(s.offered, s.replicas.ready);
      if (key === undefined) return;
      const b = this.bin(key);
      b.requests++;
      if (!p.ok) {
        b.errors++;
        return;
      }
      if (p.ttft_ms !== null) b.ttft.push(p.ttft_ms);
      if (p.tpot_ms !== null) b.tpot.push(p.tpot_ms);
      b.e2e.push(p.e2e_ms);
    };
  }

  /** The curve, by load; successful_rps_per_replica counts the successful requests per replica-second spent at that load. */
  curve(): CurvePoint[] {
    const p95 = (v: number[]): number | undefined => (v.length ? round(quantilesInPlace(v, [0.95])[0]!, 2) : undefined);
    const mean = (v: number[]): number | undefined => (v.length ? round(v.reduce((s, x) => s + x, 0) / v.length, 3) : undefined);
    return [...this.bins.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, b]) => b.requests > 0)
      .map(([load, b]) => {
        const p: CurvePoint = { load, requests: b.requests, failures: b.errors };
        const set = (k: Exclude<CurveFigure, 'requests' | 'failures'>, v: number | undefined): void => {
          if (v !== undefined) p[k] = v;
        };
        set('ttft_ms_p95', p95(b.ttft));
        set('tpot_ms_p95', p95(b.tpot));
        set('e2e_ms_p95', p95(b.e2e));
        set('successful_rps_per_replica', b.replicaSeconds > 0 ? round((b.requests - b.errors) / b.replicaSeconds, 3) : undefined);
        set('in_flight_per_replica_mean', mean(b.inFlight));
        set('running_per_replica_mean', mean(b.running));
        set('waiting_per_replica_mean', mean(b.waiting));
        set('kv_cache_usage_mean', mean(b.kv));
        return p;
      });
  }
}
