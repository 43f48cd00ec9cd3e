import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/results/samples.js';
import { CurveBuilder, loadKey } from '../../src/tune/curve.js';

/** A sample at t ms: `offered` users over `ready` ready replicas, with optional gauges. */
function sample(t: number, offered: number, ready: number, extra: Partial<Sample> = {}): Sample {
  return { t, elapsed_s: t / 1000, phase: 'main', offered, replicas: { desired: ready, current: ready, ready }, requests: 0, failures: 0, ...extra };
}

type Point = { t: number; ok: boolean; ttft_ms: number | null; tpot_ms: number | null; e2e_ms: number };
const ok = (t: number, ttft: number, tpot = 10, e2e = 100): Point => ({ t, ok: true, ttft_ms: ttft, tpot_ms: tpot, e2e_ms: e2e });
const failed = (t: number): Point => ({ t, ok: false, ttft_ms: null, tpot_ms: null, e2e_ms: 5 });

/** One cell's samples and points over the main phase [from, to) into a fresh builder; its curve. */
function curveOf(...cells: Array<{ samples: Sample[]; from: number; to: number; points: Point[] }>): ReturnType<CurveBuilder['curve']> {
  const b = new CurveBuilder();
  for (const c of cells) {
    const add = b.cell(c.samples, c.from, c.to);
    for (const p of c.points) add(p);
  }
  return b.curve();
}

describe('loadKey: offered load per ready replica at 0.1 resolution', () => {
  it.each([
    ['one replica', 4, 1, 4],
    ['an even split', 8, 2, 4],
    ['4 users over 3 replicas rounds down', 4, 3, 1.3],
    ['5 users over 3 replicas rounds up', 5, 3, 1.7],
    ['an arrival rate', 2.5, 2, 1.3],
    ['no ready replica', 4, 0, undefined],
    ['no load', 0, 2, undefined],
    ['a negative load', -1, 1, undefined],
    ['an unknown load', Number.NaN, 1, undefined],
    ['an unknown replica count', 4, Number.NaN, undefined],
  ])('%s: %d over %d → %s', (_, offered, ready, expected) => {
    expect(loadKey(offered, ready)).toBe(expected);
  });
});

describe('CurveBuilder: each request filed under the load per replica in force when it started', () => {
  it('a fixed single-replica cell gives one point: p95s by type-7 interpolation, rps per replica-second', () => {
    const samples = [sample(0, 2, 1), sample(1000, 2, 1), sample(2000, 2, 1)];
    // TTFT 10..50: rank (5 - 1) × 0.95 = 3.8 → 40 + 0.8 × 10 = 48.
    const points = [ok(100, 30, 12, 300), ok(600, 10, 11, 100), ok(1100, 50, 15, 500), ok(1500, 20, 13, 200), ok(1900, 40, 14, 400), failed(1950)];
    expect(curveOf({ samples, from: 0, to: 3000, points })).toEqual([
      // Replica-seconds: 0→1000 and 1000→2000 at one ready replica; the last sample opens no interval.
      { load: 2, requests: 6, failures: 1, ttft_ms_p95: 48, tpot_ms_p95: 14.8, e2e_ms_p95: 480, successful_rps_per_replica: 2.5 },
    ]);
  });

  it('an autoscaled cell gives a point per replica count it went through, ascending by load', () => {
    // 4 users throughout; 1, then 2, then 4 ready replicas.
    const samples = [sample(0, 4, 1), sample(1000, 4, 2), sample(2000, 4, 2), sample(3000, 4, 4)];
    const points = [ok(500, 90), ok(999, 110), ok(1000, 40), ok(2500, 60), ok(3500, 20)];
    expect(curveOf({ samples, from: 0, to: 4000, points })).toEqual([
      // The last sample opens no interval, so the level it starts has no replica-seconds and no rps.
      { load: 1, requests: 1, failures: 0, ttft_ms_p95: 20, tpot_ms_p95: 10, e2e_ms_p95: 100 },
      // A point exactly at a sample's time is filed under that sample: 1000 goes with 2 replicas.
      { load: 2, requests: 2, failures: 0, ttft_ms_p95: 59, tpot_ms_p95: 10, e2e_ms_p95: 100, successful_rps_per_replica: 0.5 },
      { load: 4, requests: 2, failures: 0, ttft_ms_p95: 109, tpot_ms_p95: 10, e2e_ms_p95: 100, successful_rps_per_replica: 2 },
    ]);
  });

  it('cells given in any order merge into the same levels: 8 users on 2 replicas is 4 users on 1', () => {
    const high = { samples: [sample(0, 8, 2), sample(1000, 8, 2)], from: 0, to: 2000, points: [ok(100, 30), ok(200, 50)] };
    const low = { samples: [sample(0, 2, 1), sample(1000, 2, 1)], from: 0, to: 2000, points: [ok(100, 5)] };
    const mid = { samples: [sample(0, 4, 1), sample(1000, 4, 1)], from: 0, to: 2000, points: [ok(300, 10), failed(400)] };
    expect(curveOf(high, low, mid).map((p) => [p.load, p.requests, p.failures, p.ttft_ms_p95, p.successful_rps_per_replica])).toEqual([
      [2, 1, 0, 5, 1],
      // 2 replica-seconds from the high cell and 1 from the mid one; 3 good requests of 4.
      [4, 4, 1, 48, 1],
    ]);
  });

  it.each([
    ['before the main phase', -1],
    ['at its end (the phase is half-open)', 3000],
    ['after it', 3500],
  ])('leaves out a request %s', (_, t) => {
    const samples = [sample(-2000, 2, 1), sample(0, 2, 1), sample(1000, 2, 1)];
    expect(curveOf({ samples, from: 0, to: 3000, points: [ok(100, 10), ok(t, 999)] })).toMatchObject([{ load: 2, requests: 1, ttft_ms_p95: 10 }]);
  });

  it('leaves out requests before the first sample and while no replica is ready', () => {
    const samples = [sample(1000, 2, 0), sample(2000, 2, 1), sample(3000, 2, 1)];
    const points = [ok(500, 999), ok(1500, 999), ok(2500, 10)];
    // The not-ready second adds no replica-seconds either: only 2000→3000.
    expect(curveOf({ samples, from: 0, to: 4000, points })).toEqual([
      { load: 2, requests: 1, failures: 0, ttft_ms_p95: 10, tpot_ms_p95: 10, e2e_ms_p95: 100, successful_rps_per_replica: 1 },
    ]);
  });

  it('drops a level its samples reached but no request started in', () => {
    const samples = [sample(0, 4, 1), sample(1000, 4, 2), sample(2000, 4, 2)];
    expect(curveOf({ samples, from: 0, to: 3000, points: [ok(1200, 10)] }).map((p) => p.load)).toEqual([2]);
  });

  it('gives no latencies, and rps 0, at a level where every request failed', () => {
    const samples = [sample(0, 3, 1), sample(1000, 3, 1)];
    expect(curveOf({ samples, from: 0, to: 2000, points: [failed(100), failed(200)] })).toEqual([
      { load: 3, requests: 2, failures: 2, successful_rps_per_replica: 0 },
    ]);
  });

  it('keeps a request without a first token out of TTFT and TPOT but in E2E', () => {
    const samples = [sample(0, 1, 1), sample(1000, 1, 1)];
    const points = [ok(100, 10, 20, 100), { t: 200, ok: true, ttft_ms: null, tpot_ms: null, e2e_ms: 300 }];
    // E2E [100, 300]: 100 + 0.95 × 200 = 290.
    expect(curveOf({ samples, from: 0, to: 2000, points })).toMatchObject([
      { load: 1, requests: 2, failures: 0, ttft_ms_p95: 10, tpot_ms_p95: 20, e2e_ms_p95: 290 },
    ]);
  });

  it('takes gauges per replica (KV-cache usage as it is), and not from samples with a Prometheus gap', () => {
    const samples = [
      sample(0, 4, 2, { in_flight: 4, server: { running: 2, waiting: 0, kv_cache_usage: 0.2 } }),
      sample(1000, 4, 2, { in_flight: 6, server: { running: 4, waiting: 2, kv_cache_usage: 0.4 } }),
      sample(2000, 4, 2, { in_flight: 100, server: { running: 100, waiting: 100, kv_cache_usage: 1 }, gap: 'timeout' }),
      sample(3000, 4, 2, { in_flight: 8, server: { running: null, waiting: null, kv_cache_usage: null } }),
    ];
    const [p] = curveOf({ samples, from: 0, to: 4000, points: [ok(2500, 10)] });
    // The gap sample still files the request (the load comes from the target, not Prometheus),
    // but opens no interval: 0→1000 and 1000→3000 at 2 replicas = 6 replica-seconds.
    expect(p).toEqual({
      load: 2,
      requests: 1,
      failures: 0,
      ttft_ms_p95: 10,
      tpot_ms_p95: 10,
      e2e_ms_p95: 100,
      successful_rps_per_replica: 0.167,
      in_flight_per_replica_mean: 3,
      running_per_replica_mean: 1.5,
      waiting_per_replica_mean: 0.5,
      kv_cache_usage_mean: 0.3,
    });
  });

  it('gives an empty curve for a cell without samples', () => {
    expect(curveOf({ samples: [], from: 0, to: 1000, points: [ok(100, 10)] })).toEqual([]);
  });
});
