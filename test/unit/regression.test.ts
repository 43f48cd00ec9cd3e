import { describe, expect, it } from 'vitest';
import { compareMetric, type GateRule } from '../../src/analysis/regression.js';

const ttft: GateRule = { metric: 'ttft_p95_ms', better: 'lower', relTolerance: 0.05, absTolerance: 0, confidence: 0.95 };

/** Five repeats around a level with ±2 % spread. */
const five = (level: number): number[] => [0.98, 0.99, 1, 1.01, 1.02].map((f) => level * f);

describe('gate decision per metric', () => {
  it('a 10 % p95 TTFT regression with 5 repeats each side is a regression', () => {
    const r = compareMetric(five(100), five(110), ttft);
    expect(r.verdict).toBe('regression');
    expect(r.relChange).toBeCloseTo(0.1, 9);
    expect(r.p).toBeCloseTo(2 / 252, 9); // complete separation
  });

  it('the same 10 % shift inside run-to-run noise is inconclusive', () => {
    // ±25 % spread: the samples overlap.
    const noisy = (level: number): number[] => [0.75, 0.9, 1, 1.1, 1.25].map((f) => level * f);
    const r = compareMetric(noisy(100), noisy(110), ttft);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/within run-to-run noise/);
  });

  it('an improvement is reported as such', () => {
    expect(compareMetric(five(100), five(85), ttft).verdict).toBe('improvement');
  });

  it('a change within tolerance passes, however significant', () => {
    expect(compareMetric(five(100), five(103), ttft).verdict).toBe('pass');
  });

  it('higher-is-better metrics regress downwards', () => {
    const attainment: GateRule = { ...ttft, metric: 'slo_attainment', better: 'higher', relTolerance: 0.02 };
    expect(compareMetric(five(0.9), five(0.8), attainment).verdict).toBe('regression');
  });

  it('with one value per side only the tolerances decide, and the reason says so', () => {
    const r = compareMetric([100], [111], ttft);
    expect(r).toMatchObject({ verdict: 'regression', method: 'tolerance' });
    expect(r.p).toBeUndefined();
    expect(r.reason).toBe('one value on a side: tolerance only (11.0 % vs ±5.0 %)');
  });

  it('the absolute tolerance keeps tiny values from flapping', () => {
    const errors: GateRule = { metric: 'error_rate', better: 'lower', relTolerance: 0.05, absTolerance: 0.01, confidence: 0.95 };
    expect(compareMetric(five(0.001), five(0.004), errors).verdict).toBe('pass');
  });
});
