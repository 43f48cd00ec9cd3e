import { describe, expect, it } from 'vitest';
import { compareMetric, type GateRule } from '../../src/analysis/regression.js';
import { tCdf, tQuantile } from '../../src/analysis/student-t.js';

const ttft: GateRule = { metric: 'ttft_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 0, confidence: 0.95 };

/** Five repeats around a level with ±2 % spread. */
const five = (level: number): number[] => [0.98, 0.99, 1, 1.01, 1.02].map((f) => level * f);

describe("Student's t", () => {
  it.each([
    [1, 0.975, 12.7062047],
    [8, 0.95, 1.859548],
    [8, 0.9, 1.3968153],
    [30, 0.99, 2.4572615],
  ])('df %i: the %f quantile is %f (tables)', (df, p, t) => {
    expect(tQuantile(p, df)).toBeCloseTo(t, 6);
    expect(tCdf(t, df)).toBeCloseTo(p, 8);
  });
});

describe('gate decision per metric', () => {
  it('a 10 % p95 TTFT regression with 5 repeats a side is a regression, with its one-sided p and detectable change', () => {
    const r = compareMetric(five(100), five(110), ttft);
    expect(r.verdict).toBe('regression');
    expect(r.relChange).toBeCloseTo(0.1, 9);
    expect(r.method).toBe('welch');
    expect(r.p).toBeLessThan(1e-4);
    // SE = 1.58 × sqrt(1/5 + 1.21/5) ≈ 1.05 on 100: (t.95 + t.9) × SE ≈ 3.4 %
    expect(r.detectable).toBeCloseTo(0.034, 2);
  });

  it('the same 10 % shift inside run-to-run noise is inconclusive: a 10 % regression is not ruled out', () => {
    const noisy = (level: number): number[] => [0.75, 0.9, 1, 1.1, 1.25].map((f) => level * f);
    const r = compareMetric(noisy(100), noisy(110), ttft);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/within run-to-run noise, but a worsening up to .* is not ruled out/);
    expect(r.detectable).toBeGreaterThan(0.2);
  });

  it('an improvement is reported as such', () => {
    expect(compareMetric(five(100), five(85), ttft).verdict).toBe('improvement');
  });

  it('the tolerance is what must be caught: a significant change of half of it fails, under half passes', () => {
    expect(compareMetric(five(100), five(106), ttft).verdict).toBe('regression');
    const small = compareMetric(five(100), five(104), ttft);
    expect(small.verdict).toBe('pass');
    expect(small.reason).toMatch(/significant but under half the tolerance 10.0 %/);
  });

  it('an unchanged metric passes: a regression of the tolerance is ruled out', () => {
    const r = compareMetric(five(100), five(100.5), ttft);
    expect(r.verdict).toBe('pass');
    expect(r.reason).toMatch(/a regression of 10.0 % ruled out/);
  });

  it('higher-is-better metrics regress downwards', () => {
    const attainment: GateRule = { ...ttft, metric: 'slo_attainment', better: 'higher', relTolerance: 0.02 };
    expect(compareMetric(five(0.9), five(0.8), attainment).verdict).toBe('regression');
  });

  it('with one value per side only the tolerances decide, and the reason says so', () => {
    const r = compareMetric([100], [111], ttft);
    expect(r).toMatchObject({ verdict: 'regression', method: 'tolerance' });
    expect(r.p).toBeUndefined();
    expect(r.detectable).toBeUndefined();
    expect(r.reason).toBe('one value on a side: tolerance only (11.0 % vs ±10.0 %)');
  });

  it('the absolute tolerance keeps tiny values from flapping; identical repeats decide without noise', () => {
    const errors: GateRule = { metric: 'error_rate', better: 'lower', relTolerance: 0.05, absTolerance: 0.01, confidence: 0.95 };
    expect(compareMetric(five(0.001), five(0.004), errors).verdict).toBe('pass');
    const osc: GateRule = { metric: 'oscillations', better: 'lower', relTolerance: 0, absTolerance: 1, confidence: 0.95 };
    expect(compareMetric([0, 0, 0], [0, 0, 0], osc).verdict).toBe('pass');
    expect(compareMetric([0, 0, 0], [2, 2, 2], osc).verdict).toBe('regression');
  });
});
