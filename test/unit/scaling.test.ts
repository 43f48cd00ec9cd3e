import { describe, expect, it } from 'vitest';
import { summarizeScaling } from '../../src/analysis/scaling.js';
import type { Sample } from '../../src/results/samples.js';
import type { RunEvent } from '../../src/results/events.js';

/** One sample per second: offered load 2 for 10 s, 8 for 10 s, 2 again; ready replicas as given. */
function samples(ready: number[]): Sample[] {
  return ready.map((r, i) => ({
    t: i * 1000,
    elapsed_s: i,
    phase: 'load',
    offered: i < 10 ? 2 : i < 20 ? 8 : 2,
    replicas: { desired: r, current: r, ready: r },
    requests: 0,
    failures: 0,
  }));
}

describe('scaling analysis on a synthetic step', () => {
  // 1 replica until t=13 s, 2 from 13 s, back to 1 from 25 s.
  const ready = Array.from({ length: 30 }, (_, i) => (i >= 13 && i < 25 ? 2 : 1));
  const events: RunEvent[] = [
    { t: 11_500, kind: 'scale', from: 1, to: 2, reason: 'test' },
    { t: 12_800, kind: 'replica-ready', pod: 'p-1', startupMs: 0 },
    { t: 24_500, kind: 'scale', from: 2, to: 1, reason: 'test' },
    { t: 26_000, kind: 'scale', from: 1, to: 2, reason: 'test' },
  ];
  const s = summarizeScaling(samples(ready), events, { gpusPerReplica: 2, usdPerGpuHour: 4.5, loadStart: 0 });

  it('replica-seconds by the trapezoid rule over the 29 one-second intervals', () => {
    // [12,13] and [24,25] average 1.5; the 11 intervals of [13,24] hold 2; the other 16 hold 1.
    expect(s.replicaSeconds).toBe(16 + 2 * 1.5 + 11 * 2);
  });

  it('GPU-hours and cost from GPUs per replica and the price', () => {
    expect(s.gpuHours).toBeCloseTo((41 * 2) / 3600, 5);
    expect(s.costUsd).toBeCloseTo(((41 * 2) / 3600) * 4.5, 4);
  });

  it('scale-up lag: load rises at 10 s, decision at 11.5 s, the new replica ready at 12.8 s', () => {
    expect(s.scaleUpDecisionLagS).toBe(1.5);
    expect(s.scaleUpLagS).toBe(2.8);
  });

  it('scale-down lag: load falls at 20 s, first scale-down at 24.5 s', () => {
    expect(s.scaleDownLagS).toBe(4.5);
  });

  it('oscillations count direction changes: up, down, up = 2', () => {
    expect(s.oscillations).toBe(2);
    expect(s.replicasMax).toBe(2);
  });
});
