import { describe, expect, it } from 'vitest';
import { mannWhitney, normalCdf } from '../../src/analysis/mann-whitney.js';

describe('Mann-Whitney U', () => {
  it('complete separation of 5 vs 5: U = 25, exact two-sided p = 2/252', () => {
    const r = mannWhitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]);
    expect(r).toEqual({ u: 25, p: 2 / 252, method: 'exact' });
  });

  it('interleaved samples are not significant', () => {
    const r = mannWhitney([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]);
    expect(r.u).toBe(10); // pairs with a > b: 0+1+2+3+4
    expect(r.p).toBeGreaterThan(0.5);
  });

  it('exact p matches the published table: n1 = n2 = 4, U = 1 → one-sided 2/70', () => {
    // U ≤ 1 for n1 = n2 = 4: C(U=0) = 1, C(U=1) = 1 of C(8,4) = 70 arrangements.
    const r = mannWhitney([1, 2, 3, 5], [4, 6, 7, 8]);
    expect(r.u).toBe(1);
    expect(r.p).toBeCloseTo((2 * 2) / 70, 12);
  });

  it('ties use midranks and the normal approximation with tie correction', () => {
    const r = mannWhitney([1, 2, 2, 3], [2, 3, 3, 4]);
    expect(r.method).toBe('normal');
    expect(r.u).toBe(3); // a=2 ties b=2 twice (2 × 0.5); a=3 beats 2 and ties 3, 3 (1 + 2 × 0.5)
    expect(r.p).toBeGreaterThan(0.1);
  });

  it('large samples: normal approximation', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = Array.from({ length: 30 }, (_, i) => i + 15);
    const r = mannWhitney(a, b);
    expect(r.method).toBe('normal');
    expect(r.p).toBeLessThan(0.001);
  });

  it('normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
  });
});
