import { describe, expect, it } from 'vitest';
import { oracleReplicaSeconds } from '../../src/simulate/oracle.js';
import { interpolate } from '../../src/simulate/service.js';
import { LogHistogram } from '../../src/simulate/summary.js';

describe('oracleReplicaSeconds', () => {
  const base = { stepMs: 1000, startupMs: 1500, mainFromMs: 0 };
  it.each([
    { name: 'one replica throughout, in place at the start: no start-up paid', needed: [1, 1, 1, 1], expected: 4 },
    { name: 'a second replica for 2 s in the middle: its start-up is paid before it', needed: [1, 1, 2, 2, 1, 1, 1, 1, 1, 1], expected: 10 + 2 + 1.5 },
    { name: 'a gap shorter than the start-up is bridged (keeping is cheaper)', needed: [1, 1, 1, 2, 1, 2, 1, 1], expected: 8 + (3 + 1.5) },
    { name: 'a gap longer than the start-up: stop and start again', needed: [1, 1, 2, 1, 1, 1, 1, 2], expected: 8 + (1 + 1.5) + (1 + 1.5) },
    { name: 'needed from the start: free of start-up', needed: [3, 3, 1, 1], expected: 3 + 3 + 1 + 1 },
    { name: 'nothing needed', needed: [0, 0, 0], expected: 0 },
  ])('$name', ({ needed, expected }) => {
    expect(oracleReplicaSeconds({ ...base, needed, mainToMs: needed.length * 1000 })).toBe(expected);
  });

  it('counts the main phase only: a warm-up before it and start-up paid before it are left out', () => {
    // Main phase from 2 s: the second replica (needed at 4 s) starts at 1 s, 1 s of it before the main phase.
    expect(oracleReplicaSeconds({ needed: [1, 1, 1, 1, 2, 2], stepMs: 1000, startupMs: 3000, mainFromMs: 2000, mainToMs: 6000 })).toBe(4 + 4);
  });
});

describe('interpolate', () => {
  it.each([
    [0, 10],
    [1, 10],
    [2, 15],
    [3, 20],
    [5, 30],
  ])('at %d running: %d ms', (x, y) => {
    expect(interpolate([1, 3], [10, 20], x)).toBe(y);
  });
});

describe('LogHistogram', () => {
  it('answers quantiles within 0.5 %', () => {
    const h = new LogHistogram();
    for (let i = 1; i <= 1000; i++) h.add(i);
    const p95 = h.quantile(0.95)!;
    expect(p95).toBeGreaterThanOrEqual(950);
    expect(p95).toBeLessThan(950 * 1.005);
  });
});
