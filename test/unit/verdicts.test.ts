import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/util/random.js';
import { compareSetups, formatDifference, levelVerdicts, paretoSetups, verdictSentences, welchInterval, type VerdictRow } from '../../src/analysis/verdicts.js';

/** A seeded generator, so the synthetic runs are the same every time. */
const rng = mulberry32;

/** Normal noise by Box–Muller. */
function normal(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A setup's repeats: true attainment and replica-seconds, with run-to-run noise (sd 2 pp and 4 s). */
function setup(name: string, attainment: number, replicaSeconds: number, repeats: number, noise: () => number, level = 16): VerdictRow[] {
  return Array.from({ length: repeats }, (_, i) => ({
    cell_id: `d.${name}.step${level}.r${i + 1}`,
    status: 'done',
    validity: 'valid',
    deployment: 'd',
    shape: 'step',
    level,
    autoscaler: name,
    repeat: i + 1,
    slo_attainment: attainment + 0.02 * noise(),
    replica_seconds: replicaSeconds + 4 * noise(),
    goodput_rps: 10 * attainment + 0.2 * noise(),
    ttft_ms_p95: 200 + 10 * noise(),
    tpot_ms_p95: 20 + noise(),
    cost_usd: replicaSeconds / 4500,
  }));
}

describe('Welch interval of a difference of means', () => {
  it('is Δ ± t·SE with Welch–Satterthwaite df (floored), and absent with one value a side', () => {
    // a: mean 2, s² 1; b: mean 5, s² 1 (n 3 each): SE √(2/3), ν = 4 → t 2.776.
    const iv = welchInterval([1, 2, 3], [4, 5, 6]);
    expect(iv.delta).toBe(3);
    expect(iv.df).toBe(4);
    expect(iv.hi! - iv.delta).toBeCloseTo(2.776 * Math.sqrt(2 / 3), 9);
    expect(welchInterval([1], [4, 5])).toEqual({ delta: 3.5 });
    expect(welchInterval([2, 2], [3, 3])).toMatchObject({ delta: 1, lo: 1, hi: 1 });
  });

  it.each([
    [
      { metric: { field: 'slo_attainment', label: 'SLO attainment', better: 'higher', unit: 'share' }, delta: -0.1234, lo: -0.15, hi: -0.09 },
      '−12.3 pp [−15 pp, −9 pp]',
    ],
    [{ metric: { field: 'replica_seconds', label: 'replica-seconds', better: 'lower', unit: 's' }, delta: 12.5, lo: -1.25, hi: 26 }, '+12.5 s [−1.3 s, 26 s]'],
    [{ metric: { field: 'replica_seconds', label: 'replica-seconds', better: 'lower', unit: 's' }, delta: 3 }, '+3 s'],
  ] as const)('formats %j as %s', (d, text) => {
    expect(formatDifference(d)).toBe(text);
  });
});

describe('the Pareto front of attainment × replica-seconds', () => {
  it('keeps setups nothing beats on both, cheapest first; ties on both stay', () => {
    const s = (name: string, attainment: number, replicaSeconds: number): { name: string; rows: never[]; attainment: number; replicaSeconds: number } => ({
      name,
      rows: [],
      attainment,
      replicaSeconds,
    });
    expect(paretoSetups([s('fixed', 0.5, 30), s('cpu', 0.5, 40), s('keda', 0.9, 50), s('custom', 0.8, 60)])).toEqual(['fixed', 'keda']);
    expect(paretoSetups([s('a', 0.9, 50), s('b', 0.9, 50)])).toEqual(['a', 'b']);
  });
});

describe('verdicts on a synthetic run with known differences', () => {
  const noise = normal(rng(15));
  // keda: 95 % attainment for 100 replica-s; hpa: 80 % for 110 (both worse, by 15 pp and 10 s); fixed: 60 % for 60.
  const records = [...setup('fixed', 0.6, 60, 5, noise), ...setup('hpa', 0.8, 110, 5, noise), ...setup('keda', 0.95, 100, 5, noise)];
  const [v] = levelVerdicts(records);

  it('puts the setups nothing beats on the front, and names what the others lose, with intervals that contain the true difference', () => {
    expect(v!.front).toEqual(['fixed', 'keda']);
    expect(v!.dominated).toHaveLength(1);
    const d = v!.dominated[0]!;
    expect(d).toMatchObject({ setup: 'hpa', by: 'keda', confidence: 'significant' });
    const att = d.differences.find((x) => x.metric.field === 'slo_attainment')!;
    const rs = d.differences.find((x) => x.metric.field === 'replica_seconds')!;
    expect(att.lo!).toBeLessThan(-0.15);
    expect(att.hi!).toBeGreaterThan(-0.15);
    expect(att.favours).toBe('a');
    expect(rs.lo!).toBeLessThan(10);
    expect(rs.hi!).toBeGreaterThan(10);
    expect(v!.noSignificantDifference).toBe(false);
    const text = verdictSentences(v!).join('\n');
    expect(text).toContain('Pareto front (SLO attainment × replica-seconds): fixed, keda');
    expect(text).toMatch(/^keda over fixed: SLO attainment \+3\d(\.\d)? pp \[.*\] for replica-seconds \+\d+(\.\d)? s \[.*\]\.$/m);
    expect(text).toMatch(
      /^hpa loses to keda: SLO attainment −1\d\.\d pp \[−\d+(\.\d)? pp, −\d+(\.\d)? pp\], replica-seconds \+\d+(\.\d)? s \[.*\] \(significant at 95 %\)\.$/m,
    );
  });

  it('compares every pair on every metric it has, b − a', () => {
    expect(v!.pairs.map((p) => `${p.a}/${p.b}`)).toEqual(['fixed/hpa', 'fixed/keda', 'hpa/keda']);
    expect(v!.pairs[0]!.differences.map((d) => d.metric.field)).toEqual([
      'slo_attainment',
      'replica_seconds',
      'goodput_rps',
      'ttft_ms_p95',
      'tpot_ms_p95',
      'cost_usd',
    ]);
  });

  it('says "no significant difference" when the setups are the same', () => {
    const same = normal(rng(7));
    const [w] = levelVerdicts([...setup('a', 0.9, 100, 5, same), ...setup('b', 0.9, 100, 5, same)]);
    expect(w!.noSignificantDifference).toBe(true);
    expect(verdictSentences(w!)[0]).toBe(
      "No significant difference: every pair's 95 % intervals of SLO attainment and replica-seconds contain 0 (5 repeats each).",
    );
    // Whichever is nominally behind is reported, but as not significant.
    expect(w!.dominated.every((d) => d.confidence === 'not-significant')).toBe(true);
  });

  it('with one repeat says that no interval is possible', () => {
    const none = (): number => 0;
    const [w] = levelVerdicts([...setup('fixed', 0.5, 30, 1, none), ...setup('keda', 0.9, 40, 1, none), ...setup('cpu', 0.5, 45, 1, none)]);
    expect(w!.singleRepeat).toBe(true);
    expect(w!.dominated[0]).toMatchObject({ setup: 'cpu', confidence: 'no-interval' });
    expect(verdictSentences(w!).at(-1)).toMatch(/^With one repeat no interval is possible/);
    expect(compareSetups([records[0]!], [records[5]!, records[6]!]).every((d) => d.favours === undefined && d.lo === undefined)).toBe(true);
  });

  it('leaves invalid cells out and lists them; levels are judged apart', () => {
    const more = [...records, { ...records[0]!, cell_id: 'bad', validity: 'invalid', slo_attainment: 0 }, ...setup('keda', 0.9, 200, 2, noise, 32)];
    const vs = levelVerdicts(more);
    expect(vs.map((x) => x.level)).toEqual([16, 32]);
    expect(vs[0]!.leftOut).toEqual(['bad']);
    expect(vs[0]!.repeats).toEqual({ fixed: 5, hpa: 5, keda: 5 });
    expect(verdictSentences(vs[1]!)).toEqual(['Only keda has valid cells: nothing to compare.']);
  });
});
