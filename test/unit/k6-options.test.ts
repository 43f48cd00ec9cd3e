import { describe, expect, it } from 'vitest';
import { k6Args, k6Options, offeredAt, scenarioWorkload, stages } from '../../src/load/k6-options.js';
import type { ResolvedLoad } from '../../src/matrix/types.js';

const base = { levels: [8], durationMs: 30_000, warmupMs: 0, settle: { kind: 'until-idle' as const, timeoutMs: 60_000, estimateMs: 15_000 } };

describe('k6 options as values', () => {
  it('constant: one constant-vus scenario for the duration', () => {
    const load: ResolvedLoad = { ...base, shape: 'constant' };
    expect(k6Options({ load, level: 8 })).toEqual({
      scenarios: {
        load: { executor: 'constant-vus', vus: 8, duration: '30000ms', startTime: '0ms', gracefulStop: '30000ms', tags: { phase: 'load' } },
      },
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
      discardResponseBodies: true,
      noUsageReport: true,
    });
  });

  it('the warm-up is the start of one uninterrupted scenario: nothing ends at its edge', () => {
    const load: ResolvedLoad = { ...base, warmupMs: 5000, shape: 'constant' };
    const o = k6Options({ load, level: 8 }) as { scenarios: Record<string, Record<string, unknown>> };
    expect(Object.keys(o.scenarios)).toEqual(['load']);
    expect(o.scenarios.load).toMatchObject({ executor: 'constant-vus', vus: 8, duration: '35000ms', startTime: '0ms' });
  });

  it('step with a warm-up: the low users hold through the warm-up, then the step stages follow', () => {
    const load: ResolvedLoad = { ...base, warmupMs: 5000, shape: 'step', low: 0.25 };
    const o = k6Options({ load, level: 8 }) as { scenarios: { load: { startVUs: number; stages: Array<{ duration: string; target: number }> } } };
    expect(o.scenarios.load.startVUs).toBe(2);
    expect(o.scenarios.load.stages).toEqual([{ duration: '5000ms', target: 2 }, ...stages(load, 8)]);
    expect(offeredAt({ load, level: 8 }, 2000)).toBe(2);
    expect(offeredAt({ load, level: 8 }, 5000 + 15_000)).toBe(8);
  });

  it('ramp with a warm-up: one user through it, then from one to the level', () => {
    const load: ResolvedLoad = { ...base, warmupMs: 4000, shape: 'ramp' };
    const o = k6Options({ load, level: 10 }) as { scenarios: { load: { startVUs: number; stages: Array<{ duration: string; target: number }> } } };
    expect(o.scenarios.load.startVUs).toBe(1);
    expect(o.scenarios.load.stages).toEqual([
      { duration: '4000ms', target: 1 },
      { duration: '30000ms', target: 10 },
    ]);
    expect(offeredAt({ load, level: 10 }, 4000 + 15_000)).toBe(6);
  });

  it('the scenario is told the warm-up and, for an open loop, the rate it schedules at', () => {
    const files = { points: '/c/points.jsonl', meta: '/c/k6-meta.jsonl', summary: '/c/s.json' };
    const w = { profile: 'tiny', prompt: { mean: 1, stdev: 0, min: 1, max: 1 }, output: { mean: 1, stdev: 0, min: 1, max: 1 }, seed: 7 } as never;
    const closed = scenarioWorkload({ load: { ...base, warmupMs: 3000, shape: 'constant' }, repeat: 0, level: 4 }, w, 'http://x', 'm', files);
    expect(closed).toMatchObject({ warmupMs: 3000, meta: '/c/k6-meta.jsonl' });
    expect(closed.ratePerS).toBeUndefined();
    const open = scenarioWorkload({ load: { ...base, shape: 'arrival-rate', maxVus: 50 }, repeat: 0, level: 2.5 }, w, 'http://x', 'm', files);
    expect(open.ratePerS).toBe(2.5);
  });

  it('step: low for a third, the level for a third, low again', () => {
    const load: ResolvedLoad = { ...base, shape: 'step', low: 0.25 };
    expect(stages(load, 8)).toEqual([
      { duration: '10000ms', target: 2 },
      { duration: '1000ms', target: 8 },
      { duration: '9000ms', target: 8 },
      { duration: '1000ms', target: 2 },
      { duration: '9000ms', target: 2 },
    ]);
    expect(offeredAt({ load, level: 8 }, 5000)).toBe(2);
    expect(offeredAt({ load, level: 8 }, 15_000)).toBe(8);
    expect(offeredAt({ load, level: 8 }, 25_000)).toBe(2);
    expect(offeredAt({ load, level: 8 }, 31_000)).toBe(0);
  });

  it('arrival-rate: requests per second with a VU ceiling', () => {
    const load: ResolvedLoad = { ...base, shape: 'arrival-rate', maxVus: 50 };
    const o = k6Options({ load, level: 2.5 }) as { scenarios: Record<string, Record<string, unknown>> };
    expect(o.scenarios.load).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 2500,
      timeUnit: '1000s',
      duration: '30000ms',
      preAllocatedVUs: 10,
      maxVUs: 50,
    });
  });

  it('ramp: from 0 to the level over the duration', () => {
    const load: ResolvedLoad = { ...base, shape: 'ramp' };
    expect(offeredAt({ load, level: 10 }, 15_000)).toBe(5);
  });

  it('command line', () => {
    expect(k6Args({ options: '/r/o.json', script: '/p/s.js' })).toEqual(['run', '--quiet', '--no-color', '--config', '/r/o.json', '/p/s.js']);
  });
});
