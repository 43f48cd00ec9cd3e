import { describe, expect, it } from 'vitest';
import { distribution, quantileSorted } from '../../src/analysis/stats.js';
import { summarizePoints } from '../../src/analysis/cell-summary.js';
import type { RawPoint } from '../../src/results/points.js';

describe('quantiles (linear interpolation, type 7)', () => {
  it.each([
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.95, 3.85],
    [[10], 0.99, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
  ])('%j at %d is %d', (values, q, want) => {
    expect(quantileSorted(values, q)).toBeCloseTo(want, 9);
  });

  it('is undefined on no data', () => {
    expect(quantileSorted([], 0.5)).toBeUndefined();
    expect(distribution([])).toEqual({ count: 0 });
  });

  it('distribution sorts its input', () => {
    expect(distribution([5, 1, 3])).toEqual({ count: 3, mean: 3, p50: 3, p90: 4.6, p95: 4.8, p99: 4.96, max: 5 });
  });
});

const point = (over: Partial<RawPoint>): RawPoint => ({
  t: 0,
  phase: 'main',
  ok: true,
  status: 200,
  ttft_ms: 100,
  tpot_ms: 10,
  e2e_ms: 1000,
  itl_ms: [10, 10],
  prompt_tokens: 5,
  output_tokens: 3,
  ...over,
});

describe('cell summary from raw points', () => {
  const points = [
    point({ ttft_ms: 100 }),
    point({ ttft_ms: 200 }),
    point({ ttft_ms: 600 }), // misses the 500 ms TTFT objective
    point({ ok: false, status: 503, error: 'HTTP 503: busy', ttft_ms: null, tpot_ms: null, itl_ms: [], output_tokens: null }),
    point({ phase: 'warmup', ttft_ms: 9999 }), // warm-up is not counted
  ];
  const s = summarizePoints(points, { ttft_ms_p95: 500 }, 2000);

  it('counts main-phase requests and errors', () => {
    expect([s.requests, s.errors, s.errorRate]).toEqual([4, 1, 0.25]);
    expect(s.errorKinds).toEqual([{ message: 'HTTP 503: busy', count: 1 }]);
  });

  it('rates are per second of the nominal duration', () => {
    expect(s.rps).toBe(2);
    expect(s.outputTokensPerS).toBe(4.5);
  });

  it('SLO attainment counts failed requests as missing every objective', () => {
    expect(s.slo.attainment).toBe(0.5);
    expect(s.slo.goodputRps).toBe(1);
    expect(s.slo.pass).toEqual({ ttft: false });
  });

  it('latencies come from successful requests only', () => {
    expect(s.ttftMs.count).toBe(3);
    expect(s.ttftMs.p50).toBe(200);
    expect(s.itlMs.count).toBe(6);
  });
});
