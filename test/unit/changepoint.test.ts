import { describe, expect, it } from 'vitest';
import { findChangePoint } from '../../src/analysis/changepoint.js';

/** Deterministic ±2 % wiggle around a level. */
const nights = (level: number, n: number, offset = 0): number[] =>
  Array.from({ length: n }, (_, i) => level * (1 + 0.02 * Math.sin(1.7 * (i + offset) + 0.3)));

describe('change points in nightly series (E-divisive)', () => {
  it('a sustained 10 % shift after night 12 is found there', () => {
    const series = [...nights(100, 12), ...nights(110, 8, 12)];
    const cp = findChangePoint(series);
    expect(cp?.index).toBe(12);
    expect(cp!.p).toBeLessThan(0.05);
    expect(cp!.after.mean / cp!.before.mean).toBeCloseTo(1.1, 1);
  });

  it('one bad night is not a change point', () => {
    const series = nights(100, 20);
    series[9] = 130;
    expect(findChangePoint(series)).toBeUndefined();
  });

  it('an unchanged noisy series has none', () => {
    expect(findChangePoint(nights(100, 20))).toBeUndefined();
  });

  it('a series shorter than two segments has none', () => {
    expect(findChangePoint([1, 2, 3, 10, 11])).toBeUndefined();
  });

  it('is reproducible: the same seed gives the same p', () => {
    const series = [...nights(100, 6), ...nights(104, 6, 6)];
    expect(findChangePoint(series, { alpha: 1 })?.p).toBe(findChangePoint(series, { alpha: 1 })?.p);
  });
});
