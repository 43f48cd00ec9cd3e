import { describe, expect, it } from 'vitest';
import { capacityOf, crossing, fitLine, judgePoint, type CurvePoint } from '../../src/analysis/capacity.js';
import { errorStats } from '../../src/recommend/accuracy.js';
import { capacityAtSlo, loadFactor, predictAt } from '../../src/recommend/capacity-model.js';
import { deriveTargets, valuesAtCapacity } from '../../src/recommend/targets.js';

const params = { ttftMs: 20, itlMs: 10, timeFactorUnderLoad: 3, maxNumSeqs: 5, outputTokens: 11 };

describe('capacity model', () => {
  it('follows the simulator load factor: 1 + (F − 1)(r − 1)/(N − 1)', () => {
    expect(loadFactor(params, 1)).toBe(1);
    expect(loadFactor(params, 3)).toBe(2);
    expect(loadFactor(params, 5)).toBe(3);
    expect(loadFactor({ timeFactorUnderLoad: 3, maxNumSeqs: 1 }, 4)).toBe(1);
  });

  it('predicts latencies below max_num_seqs (no queue)', () => {
    // f = 2: TTFT 40, TPOT 20, E2E 40 + 10 × 20 = 240 ms; 3 users / 0.24 s = 12.5 requests/s.
    expect(predictAt(params, 3)).toEqual({ ttftMs: 40, tpotMs: 20, e2eMs: 240, rps: 12.5, running: 3, waiting: 0 });
  });

  it('queues users beyond max_num_seqs at the replica throughput', () => {
    // f = 3: service 60 + 10 × 30 = 360 ms; cycle 10 × 360 / 5 = 720 ms; TTFT 60 + 720 − 360.
    const p = predictAt(params, 10);
    expect(p).toMatchObject({ ttftMs: 420, tpotMs: 30, e2eMs: 720, running: 5, waiting: 5 });
    expect(p.rps).toBeCloseTo(5000 / 360, 9);
  });

  it('finds the most users meeting the SLO', () => {
    // TPOT 10 × f(r) ≤ 25 ⇔ f ≤ 2.5 ⇔ r ≤ 4.
    const c = capacityAtSlo(params, { tpot_ms_p95: 25 });
    expect(c).toMatchObject({ ok: true, users: 4 });
  });

  it('says by how much a replica misses when one user is already too many', () => {
    const c = capacityAtSlo(params, { ttft_ms_p95: 15 });
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.metric).toBe('ttft');
      expect(c.miss).toBeCloseTo(1 / 3, 9);
    }
  });
});

const pt = (load: number, tpot: number, requests = 50): CurvePoint => ({
  load,
  requests,
  failures: 0,
  tpot_ms_p95: tpot,
  successful_rps_per_replica: load,
  running_per_replica_mean: load,
  waiting_per_replica_mean: 0,
});
const slo = { tpot_ms_p95: 25 };

describe('capacity at SLO from a measured curve', () => {
  it('is the interval [last pass, first fail], with the crossing interpolated', () => {
    const c = capacityOf([pt(8, 40), pt(2, 12), pt(6, 30), pt(4, 20), pt(5, 99, 10)], slo);
    // 4 passes (20 ms), 6 fails (30 ms): 4 + (25 − 20)/(30 − 20) × 2 = 5; the thin point at 5 is left out.
    expect(c).toMatchObject({ kind: 'interval', lo: 4, hi: 6, estimate: 5, binding: ['tpot p95 30 ms > 25 ms'] });
  });

  it.each([
    ['every level fails', [pt(2, 30), pt(4, 40)], { kind: 'below-lowest', lowest: 2 }],
    ['every level passes', [pt(2, 10), pt(4, 12)], { kind: 'above-highest', highest: 4 }],
    ['every level is thin', [pt(2, 10, 3)], { kind: 'no-data', reason: 'every load level has fewer than 20 requests' }],
    ['nothing was measured', [], { kind: 'no-data', reason: 'no load level was measured' }],
  ])('gives a verdict, not a number, when %s', (_, curve, expected) => {
    expect(capacityOf(curve, slo)).toMatchObject(expected);
  });

  it('takes the highest passing load, listing lower failures as transients', () => {
    const c = capacityOf([pt(2, 30), pt(4, 20), pt(6, 30)], slo);
    expect(c).toMatchObject({ kind: 'interval', lo: 4, hi: 6, failedBelow: [2] });
  });

  it('fails a level on errors or saturation whatever its p95', () => {
    expect(judgePoint({ ...pt(2, 10), failures: 3 }, slo)).toEqual({ kind: 'fail', misses: ['errors 6 %'] });
    expect(judgePoint({ ...pt(2, 10), saturated: true }, slo).kind).toBe('fail');
    expect(crossing(pt(2, 10), { ...pt(4, 10), saturated: true }, slo)).toBe(2);
  });

  it('fits latency against load by least squares', () => {
    // y = 2 + 5x exactly.
    expect(fitLine([pt(1, 7), pt(2, 12), pt(4, 22)], 'tpot_ms_p95')).toEqual({ slope: 5, intercept: 2 });
    expect(fitLine([pt(1, 7)], 'tpot_ms_p95')).toBeUndefined();
  });
});

describe('autoscaler targets from the values at capacity', () => {
  it('leaves room for the tolerance and the growth during the scale-up lag', () => {
    // (1 + 0.1) × (1 + 0.2 × 30 / 60) = 1.21; 20 / 1.21 = 16.5; 5 / 1.21 = 4.1.
    const t = deriveTargets({ running: 20, waiting: 5, scaleUpLagS: 30, growthPerMin: 0.2 });
    expect(t).toMatchObject({ headroom: 1.21, hpaRunning: 16.5, keda: { metric: 'vllm:num_requests_waiting', threshold: 4.1 } });
  });

  it('scales KEDA on running when the queue is still empty at capacity', () => {
    const t = deriveTargets({ running: 20, waiting: 0.2, scaleUpLagS: 30, growthPerMin: 0.2 });
    expect(t.keda).toEqual({ metric: 'vllm:num_requests_running', threshold: 16.5 });
    expect(t.notes.join(' ')).toMatch(/waiting stays at 0.2 per replica/);
  });

  it('splits the requests in flight at capacity at max_num_seqs', () => {
    expect(valuesAtCapacity({ load: 30, in_flight_per_replica_mean: 29.5, running_per_replica_mean: 12 }, 64)).toEqual({ running: 29.5, waiting: 0 });
    expect(valuesAtCapacity({ load: 30, in_flight_per_replica_mean: 30 }, 8)).toEqual({ running: 8, waiting: 22 });
    expect(valuesAtCapacity({ load: 30 }, 64)).toEqual({ running: 30, waiting: 0 });
  });

  it('assumes a lag, and says so, when nothing scaled', () => {
    const t = deriveTargets({ running: 11, waiting: 0, growthPerMin: 0 });
    expect(t.headroom).toBe(1.1);
    expect(t.hpaRunning).toBe(10);
    expect(t.notes[0]).toMatch(/no scale-up was measured/);
  });
});

describe('predicted against measured', () => {
  it('gives bias and MAPE in percent', () => {
    // (+10 %, −10 %, −50 %): bias −16.7 %, MAPE 23.3 %; a zero measurement is left out.
    const e = errorStats('capacity', [
      { predicted: 110, measured: 100 },
      { predicted: 90, measured: 100 },
      { predicted: 50, measured: 100 },
      { predicted: 5, measured: 0 },
    ]);
    expect(e).toEqual({ metric: 'capacity', n: 3, biasPct: -16.7, mapePct: 23.3 });
    expect(errorStats('x', [])).toBeUndefined();
  });
});
