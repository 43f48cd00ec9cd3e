import { describe, expect, it } from 'vitest';
import { summarizePoints } from '../../src/analysis/cell-summary.js';
import type { RawPoint } from '../../src/results/points.js';
import { projectCatalog } from '../../src/catalog/catalog.js';
import { parseMatrix } from '../../src/matrix/load.js';
import type { ResolvedMatrix } from '../../src/matrix/types.js';
import { clearlyFailing, nextStep, type Probe } from '../../src/search/bisect.js';
import { probePassed, searchMatrix } from '../../src/search/search.js';
import type { CellResult } from '../../src/results/cell-result.js';

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
  const slo = { tpot_ms_p95: 20 };
  const many = (v: number, n = 40): number[] => Array.from({ length: n }, () => v);

  it('waits for enough requests', () => {
    expect(clearlyFailing({ ttft: [], tpot: many(100, 10), e2e: [], requests: 10, errors: 0 }, slo)).toBeUndefined();
  });

  it('stops when a p95 is past 1.5 × its objective', () => {
    expect(clearlyFailing({ ttft: [], tpot: many(31), e2e: [], requests: 40, errors: 0 }, slo)).toBe(
      'tpot p95 31 ms after 40 requests, over 1.5 × the objective 20 ms',
    );
    expect(clearlyFailing({ ttft: [], tpot: many(29), e2e: [], requests: 40, errors: 0 }, slo)).toBeUndefined();
  });

  it('stops when a fifth of the requests fail', () => {
    expect(clearlyFailing({ ttft: [], tpot: [], e2e: [], requests: 40, errors: 8 }, slo)).toBe('8 of 40 requests failed');
  });
});

describe('the probes a search runs', () => {
  const matrixText = (target = '{ kind: local }', load = '{ shape: step, users: [4, 16], duration: 30s, warmup: 5s }') => `name: cap
target: ${target}
slo: { ttft_ms_p95: 200ms }
deployments:
  - { name: a, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 }, replicas: { start: 2, min: 1, max: 6 }, simulator: { ttft: 30ms, itl: 10ms } }
  - { name: b, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 }, simulator: { ttft: 30ms, itl: 10ms } }
autoscalers: [{ name: q, kind: hpa-custom, metric: "vllm:num_requests_waiting", target: 5 }]
load: ${load}
repeats: 3
`;
  const parse = (text: string): ResolvedMatrix => parseMatrix(text, 'cap.yaml', projectCatalog());

  it("probe one deployment at its starting replicas, fixed, under a constant load of the matrix's length", () => {
    const m = parse(matrixText());
    const { matrix, deployment } = searchMatrix(m, 'a');
    expect(deployment.replicas).toEqual({ start: 2, min: 2, max: 2 });
    expect(matrix.deployments).toEqual([deployment]);
    expect(matrix.autoscalers).toEqual([{ kind: 'fixed', name: 'fixed' }]);
    expect(matrix.load).toEqual({ shape: 'constant', levels: [4, 16], durationMs: 30_000, warmupMs: 5000, settle: m.load.settle });
    expect(matrix.repeats).toBe(1);
    expect(matrix.name).toBe('cap-search');
  });

  it('keep an arrival-rate load open-loop, with its VU bound', () => {
    const { matrix } = searchMatrix(parse(matrixText(undefined, '{ shape: arrival-rate, rates: [1, 2.5], duration: 30s, max_vus: 50 }')), 'b');
    expect(matrix.load).toMatchObject({ shape: 'arrival-rate', levels: [1, 2.5], maxVus: 50 });
  });

  it.each([
    ['an unknown deployment', matrixText(), 'c', /cap\.yaml: --deployment c: no such deployment \(the matrix has a, b\)/],
    ['a cluster target', matrixText('{ kind: kubernetes, namespace: x }'), 'a', /cap\.yaml: target\.kind: search runs on the local target only/],
  ])('refuse %s, naming the fix', (_, text, name, message) => {
    expect(() => searchMatrix(parse(text), name)).toThrow(message);
  });

  describe('a probe passes only when its cell met the SLO', () => {
    const slo = { ttft_ms_p95: 200 };
    const m = { ...parse(matrixText()), slo };
    const point = (i: number, ttft: number, ok = true): RawPoint => ({
      t: 1000 + i,
      phase: 'main',
      ok,
      status: ok ? 200 : 503,
      ttft_ms: ok ? ttft : null,
      tpot_ms: ok ? 10 : null,
      e2e_ms: ttft + 100,
      itl_ms: [],
      prompt_tokens: 32,
      output_tokens: 16,
    });
    const result = (points: RawPoint[], over: Partial<CellResult> = {}): CellResult => ({
      id: 'c',
      status: 'done',
      loadStart: 0,
      loadEnd: 1,
      k6ExitCode: 0,
      client: summarizePoints(points, slo, 30_000),
      replicas: { max: 2, mean: 2, final: 2 },
      samples: 30,
      sampleGaps: 0,
      ...over,
    });
    const fast = Array.from({ length: 40 }, (_, i) => point(i, 50));

    it.each([
      ['every request fast', result(fast), true],
      ['a p95 TTFT over the objective', result(Array.from({ length: 40 }, (_, i) => point(i, i < 30 ? 50 : 400))), false],
      ['one in ten requests failing', result(fast.map((p, i) => (i % 10 === 0 ? point(i, 0, false) : p))), false],
      ['a cell that failed', result(fast, { status: 'failed', reason: 'k6 exited 1' }), false],
      ['a level stopped early', result(fast, { stoppedEarly: 'ttft p95 400 ms after 40 requests' }), false],
    ])('%s: %s', (_, r, pass) => {
      expect(probePassed(r, m)).toBe(pass);
    });
  });
});
