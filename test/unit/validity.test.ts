import { describe, expect, it } from 'vitest';
import { PointAccumulator, summarizePoints } from '../../src/analysis/cell-summary.js';
import type { RawPoint } from '../../src/results/points.js';
import { judgeValidity, type ValidityInput } from '../../src/analysis/validity.js';
import type { ResolvedLoad } from '../../src/matrix/types.js';

const base = { levels: [8], durationMs: 10_000, warmupMs: 0, settle: { kind: 'until-idle' as const, timeoutMs: 60_000, estimateMs: 15_000 } };
const constant: ResolvedLoad = { ...base, shape: 'constant' };
const rate: ResolvedLoad = { ...base, shape: 'arrival-rate', maxVus: 50 };

const point = (t: number, e2e: number, o: Partial<RawPoint> = {}): RawPoint => ({
  t,
  phase: 'main',
  ok: true,
  status: 200,
  error: null,
  ttft_ms: 50,
  tpot_ms: 10,
  e2e_ms: e2e,
  itl_ms: [],
  prompt_tokens: 10,
  output_tokens: 5,
  ...o,
});

/** n users each running back-to-back requests of `e2e` ms over 10 s, starting at 0. */
function closedLoop(n: number, e2e: number, extra: RawPoint[] = []): RawPoint[] {
  const out: RawPoint[] = [];
  for (let u = 0; u < n; u++) for (let t = 0; t < 10_000; t += e2e) out.push(point(t, e2e));
  return [...out, ...extra];
}

function input(points: RawPoint[], o: Partial<ValidityInput> & { load?: ResolvedLoad; level?: number } = {}): ValidityInput {
  const acc = new PointAccumulator({}, 10_000);
  for (const p of points) acc.add(p);
  return {
    cell: { load: o.load ?? constant, level: o.level ?? 8 },
    harnessSources: ['aborted', 'connection', 'upstream'],
    client: acc.summary(),
    inFlight: acc.inFlight(0, 10_000),
    offeredMean: 8,
    samples: 10,
    sampleGaps: 0,
    expectedSamples: 10,
    ...o,
  };
}

describe('the client in-flight timeline', () => {
  it('counts overlapping requests: mean over the window, max over the load', () => {
    const acc = new PointAccumulator({}, 10_000);
    acc.add(point(0, 1000));
    acc.add(point(500, 1000));
    acc.add(point(1500, 500, { phase: 'warmup' }));
    const f = acc.inFlight(0, 2000);
    expect(f.max).toBe(2);
    // 0–500: 1, 500–1000: 2, 1000–1500: 1, 1500–2000: 1 → 2500 / 2000
    expect(f.mean).toBeCloseTo(1.25, 3);
  });

  it('a request ending as another starts is not two in flight', () => {
    const acc = new PointAccumulator({}, 10_000);
    acc.add(point(0, 100));
    acc.add(point(100, 100));
    expect(acc.inFlight(0, 200).max).toBe(1);
  });
});

describe('the validity verdict', () => {
  it('a closed loop that kept its users busy, without errors, is valid', () => {
    const v = judgeValidity(input(closedLoop(8, 250)));
    expect(v).toMatchObject({ verdict: 'valid', reasons: [] });
    expect(v.figures.inFlightMean).toBeCloseTo(8, 1);
  });

  it('more requests in flight than users is invalid: the load generator overlapped them', () => {
    const v = judgeValidity(input(closedLoop(8, 250, [point(100, 300)])));
    expect(v.verdict).toBe('invalid');
    expect(v.reasons[0]).toMatch(/9 requests in flight at once, above the 8/);
  });

  it.each([
    [7.8, 'valid'],
    [7, 'warn'],
    [5, 'invalid'],
  ] as const)('users kept busy: %f of 8 on average is %s', (busy, verdict) => {
    const v = judgeValidity({ ...input(closedLoop(8, 250)), inFlight: { mean: busy, max: 8 } });
    expect(v.verdict).toBe(verdict);
  });

  it('harness-made errors: a few warn, more than 1 % invalidate; the system’s own errors do not count', () => {
    const errs = (n: number, source: string): RawPoint[] => Array.from({ length: n }, (_, i) => point(i, 1, { ok: false, error: 'x', error_source: source }));
    // The error points' own spans are not what is judged here: the users stay busy.
    const judge = (points: RawPoint[], o: Partial<ValidityInput> = {}): ReturnType<typeof judgeValidity> =>
      judgeValidity({ ...input(points), inFlight: { mean: 8, max: 8 }, ...o });
    expect(judge(closedLoop(8, 250, errs(1, 'upstream'))).verdict).toBe('warn');
    const bad = judge(closedLoop(8, 250, errs(10, 'aborted')));
    expect(bad.verdict).toBe('invalid');
    expect(bad.reasons.join()).toMatch(/10 of 330 requests failed by the harness \(aborted 10\)/);
    expect(judge(closedLoop(8, 250, errs(10, 'http'))).verdict).toBe('valid');
    expect(judge(closedLoop(8, 250, errs(10, 'timeout'))).verdict).toBe('valid');
    // On a cluster the router is not ours: a 502 there is the system's.
    expect(judge(closedLoop(8, 250, errs(10, 'upstream')), { harnessSources: ['aborted'] }).verdict).toBe('valid');
  });

  it('an open loop on schedule is valid; behind it, invalid with the achieved rate and the drops', () => {
    const onTime = Array.from({ length: 80 }, (_, i) => point(i * 125 + 0.5, 200, { t_sched: i * 125 }));
    expect(judgeValidity(input(onTime, { load: rate, level: 8, droppedIterations: 0 })).verdict).toBe('valid');
    const behind = Array.from({ length: 40 }, (_, i) => point(i * 250 + 200, 200, { t_sched: i * 125 }));
    const v = judgeValidity(input(behind, { load: rate, level: 8, droppedIterations: 40 }));
    expect(v.verdict).toBe('invalid');
    expect(v.figures).toMatchObject({ achievedRps: 4, offeredRps: 8, droppedIterations: 40 });
    expect(v.reasons).toEqual([
      'the client sent 4 requests/s against 8 offered (50 %)',
      'k6 dropped 40 of 80 requests due (no free VU: raise max_vus, or the client cannot keep up)',
      expect.stringMatching(/^requests were sent late: p95 [\d.]+ ms after they were due/),
    ]);
  });

  it('Prometheus gaps warn, and invalidate past a quarter of the samples; too few samples warn', () => {
    expect(judgeValidity({ ...input(closedLoop(8, 250)), sampleGaps: 1 }).verdict).toBe('warn');
    expect(judgeValidity({ ...input(closedLoop(8, 250)), sampleGaps: 3 }).verdict).toBe('invalid');
    expect(judgeValidity({ ...input(closedLoop(8, 250)), samples: 5 }).reasons).toEqual(['5 samples taken of about 10 expected']);
  });

  it('a saturated machine warns, naming the load generator’s and the router’s CPU', () => {
    const v = judgeValidity({
      ...input(closedLoop(8, 250)),
      harnessCpu: {
        cores: 2,
        processes: { k6: { meanPct: 80, maxPct: 95 }, router: { meanPct: 45, maxPct: 60 } },
        machineBusyPct: { meanPct: 97, maxPct: 100 },
      },
    });
    expect(v.verdict).toBe('warn');
    expect(v.reasons[0]).toMatch(/2 CPUs were 97 % busy during the load \(k6 80 %, router 45 % of one core\)/);
  });

  it('errors are counted by source in the client summary', () => {
    const s = summarizePoints(
      [
        point(0, 1, { ok: false, error_source: 'no_replica', error: 'r' }),
        point(1, 1, { ok: false, error_source: 'no_replica', error: 'r' }),
        point(2, 1, { ok: false, error: 'old' }),
      ],
      {},
      1000,
    );
    expect(s.errorSources).toEqual({ no_replica: 2, unknown: 1 });
  });
});
