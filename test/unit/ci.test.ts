import { describe, expect, it } from 'vitest';
import { meanCi95, tCritical975 } from '../../src/analysis/ci.js';
import { distributionInPlace, quantileSorted, quantilesInPlace } from '../../src/analysis/stats.js';

describe('t critical values, two-sided 95 %', () => {
  it.each([
    [1, 12.706],
    [2, 4.303],
    [10, 2.228],
    [30, 2.042],
    // beyond the table, the Cornish-Fisher expansion against published values
    [40, 2.021],
    [60, 2.0],
    [120, 1.98],
  ])('df %d → %d', (df, t) => {
    expect(tCritical975(df)).toBeCloseTo(t, 3);
  });
});

describe('mean and 95 % CI over repeats', () => {
  it('three repeats 10, 12, 14: s = 2, half-width = 4.303 · 2 / √3', () => {
    const ci = meanCi95([10, 12, 14])!;
    expect(ci.mean).toBe(12);
    expect(ci.halfWidth).toBeCloseTo((4.303 * 2) / Math.sqrt(3), 9);
    expect([ci.lo, ci.hi]).toEqual([12 - ci.halfWidth!, 12 + ci.halfWidth!]);
  });
  it('one value has a mean and no interval; repeats that measured nothing are left out', () => {
    expect(meanCi95([5, undefined])).toEqual({ n: 1, mean: 5 });
    expect(meanCi95([undefined])).toBeUndefined();
  });
});

describe('quantiles by selection', () => {
  it('match the sorted (type 7) quantiles on random data, typed or not', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 1000;
    for (const n of [1, 2, 3, 10, 601, 5000]) {
      const values = Array.from({ length: n }, rnd);
      const sorted = [...values].sort((a, b) => a - b);
      const qs = [0, 0.5, 0.9, 0.95, 0.99, 1];
      expect(quantilesInPlace(Float64Array.from(values), qs)).toEqual(qs.map((q) => quantileSorted(sorted, q)));
      expect(quantilesInPlace([...values], qs)).toEqual(qs.map((q) => quantileSorted(sorted, q)));
    }
  });
  it('distributionInPlace on float32 gaps: 1…100 ms', () => {
    const d = distributionInPlace(Float32Array.from({ length: 100 }, (_, i) => 100 - i));
    // h = 99·q: p50 = 50.5, p90 = 90.1, p95 = 95.05, p99 = 99.01
    expect(d).toEqual({ count: 100, mean: 50.5, p50: 50.5, p90: 90.1, p95: 95.05, p99: 99.01, max: 100 });
  });
});
