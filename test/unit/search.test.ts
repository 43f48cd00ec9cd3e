import { describe, expect, it } from 'vitest';
import { clearlyFailing, nextStep, type Probe } from '../../src/search/bisect.js';

const bounds = { min: 4, max: 40, resolution: 0.05, integer: true };

/** Runs the search against a replica whose capacity is `capacity` users (a level passes iff ≤ capacity). */
function simulate(capacity: number, b = bounds): { probes: Probe[]; end: ReturnType<typeof nextStep> } {
  const probes: Probe[] = [];
  for (;;) {
    const s = nextStep(probes, b);
    if (s.kind !== 'probe') return { probes, end: s };
    probes.push({ level: s.level, pass: s.level <= capacity });
  }
}

describe('capacity bisection', () => {
  it('doubles from the lowest level, then bisects to one user', () => {
    // 4 ✓, 8 ✓, 16 ✓, 32 ✗, 24 ✗, 20 ✗, 18 ✓, 19 ✗ → [18, 19].
    const { probes, end } = simulate(18);
    expect(probes.map((p) => p.level)).toEqual([4, 8, 16, 32, 24, 20, 18, 19]);
    expect(end).toEqual({ kind: 'interval', lo: 18, hi: 19 });
  });

  it('stops at the resolution when the interval is narrow relative to its lower end', () => {
    // resolution 0.2: at [16, 20] the width 4 is ≤ 0.2 × 16 = 3.2? no; [16, 18] is.
    const { end } = simulate(17, { ...bounds, resolution: 0.2 });
    expect(end).toEqual({ kind: 'interval', lo: 16, hi: 18 });
  });

  it.each([
    [2, { kind: 'below-lowest', lowest: 4 }, [4]],
    [100, { kind: 'above-highest', highest: 40 }, [4, 8, 16, 32, 40]],
  ])('gives a verdict at capacity %s outside the bounds', (capacity, end, levels) => {
    const r = simulate(capacity);
    expect(r.end).toEqual(end);
    expect(r.probes.map((p) => p.level)).toEqual(levels);
  });

  it('bisects rates in tenths', () => {
    const { end } = simulate(2.34, { min: 0.5, max: 8, resolution: 0, integer: false });
    expect(end).toEqual({ kind: 'interval', lo: 2.3, hi: 2.4 });
  });
});

describe('early stop of a clearly failing level', () => {
  const slo = { tpotP95Ms: 20 };
  const many = (v: number, n = 40): number[] => Array.from({ length: n }, () => v);

  it('waits for enough requests', () => {
    expect(clearlyFailing({ ttft: [], tpot: many(100, 10), e2e: [], requests: 10, errors: 0 }, slo)).toBeUndefined();
  });

  it('stops when a p95 is past 1.5 × its objective', () => {
    expect(clearlyFailing({ ttft: [], tpot: many(31), e2e: [], requests: 40, errors: 0 }, slo)).toBe('tpot p95 31 ms after 40 requests, over 1.5 × the objective 20 ms');
    expect(clearlyFailing({ ttft: [], tpot: many(29), e2e: [], requests: 40, errors: 0 }, slo)).toBeUndefined();
  });

  it('stops when a fifth of the requests fail', () => {
    expect(clearlyFailing({ ttft: [], tpot: [], e2e: [], requests: 40, errors: 8 }, slo)).toBe('8 of 40 requests failed');
  });
});
