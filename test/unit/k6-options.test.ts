import { describe, expect, it } from 'vitest';
import { k6Args, k6Options, offeredAt, stages } from '../../src/load/k6-options.js';
import type { ResolvedLoad } from '../../src/matrix/types.js';

const base = { levels: [8], durationMs: 30_000, warmupMs: 0, settle: { kind: 'until-idle' as const, timeoutMs: 60_000 } };

describe('k6 options as values', () => {
  it('constant: one constant-vus scenario for the duration', () => {
    const load: ResolvedLoad = { ...base, shape: 'constant' };
    expect(k6Options({ load, level: 8 })).toEqual({
      scenarios: {
        main: { executor: 'constant-vus', vus: 8, duration: '30000ms', startTime: '0ms', gracefulStop: '30000ms', tags: { phase: 'main' } },
      },
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
      discardResponseBodies: true,
      noUsageReport: true,
    });
  });

  it('warm-up runs first as its own scenario and the main phase starts after it', () => {
    const load: ResolvedLoad = { ...base, warmupMs: 5000, shape: 'constant' };
    const o = k6Options({ load, level: 8 }) as { scenarios: Record<string, Record<string, unknown>> };
    expect(Object.keys(o.scenarios)).toEqual(['warmup', 'main']);
    expect(o.scenarios.warmup).toMatchObject({ executor: 'constant-vus', vus: 8, duration: '5000ms' });
    expect(o.scenarios.main).toMatchObject({ startTime: '5000ms' });
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
    expect(o.scenarios.main).toMatchObject({ executor: 'constant-arrival-rate', rate: 2500, timeUnit: '1000s', preAllocatedVUs: 3, maxVUs: 50 });
  });

  it('ramp: from 0 to the level over the duration', () => {
    const load: ResolvedLoad = { ...base, shape: 'ramp' };
    expect(offeredAt({ load, level: 10 }, 15_000)).toBe(5);
  });

  it('command line', () => {
    expect(k6Args({ options: '/r/o.json', script: '/p/s.js' })).toEqual(['run', '--quiet', '--no-color', '--config', '/r/o.json', '/p/s.js']);
  });
});
