import { describe, expect, it } from 'vitest';
import { compareHtml, compareMarkdown, compareRuns, formatDelta } from '../../src/report/compare.js';
import type { BenchmarkRecord } from '../../src/results/records.js';

const rec = (key: string, ttft: number, attainment: number, over: Partial<BenchmarkRecord> = {}): BenchmarkRecord => ({
  cell_key: key,
  status: 'done',
  ttft_ms_p95: ttft,
  slo_attainment: attainment,
  ...over,
});

describe('compare two runs', () => {
  const a = {
    id: 'night-1',
    records: [rec('d/cpu/step/8', 300, 0.9), rec('d/cpu/step/8', 340, 0.8), rec('d/keda/step/8', 200, 0.99), rec('d/gone/step/8', 1, 1)],
  };
  const b = {
    id: 'night-2',
    records: [rec('d/cpu/step/8', 250, 0.95), rec('d/keda/step/8', 220, 0.99), rec('d/new/step/8', 1, 1), rec('d/cpu/step/8', 1, 1, { status: 'failed' })],
  };
  const c = compareRuns(a, b);

  it('matches cells by content, averages repeats, and gives B − A with a verdict by the better direction', () => {
    expect(c.cells.map((x) => [x.key, x.repeats])).toEqual([
      ['d/cpu/step/8', { a: 2, b: 1 }],
      ['d/keda/step/8', { a: 1, b: 1 }],
    ]);
    const [cpu, keda] = c.cells;
    const ttft = cpu!.metrics.find((m) => m.metric.field === 'ttft_ms_p95')!;
    expect(ttft).toMatchObject({ a: 320, b: 250, delta: -70, verdict: 'better' });
    expect(ttft.rel).toBeCloseTo(-70 / 320, 12);
    expect(cpu!.metrics.find((m) => m.metric.field === 'slo_attainment')).toMatchObject({ delta: expect.closeTo(0.1, 9), verdict: 'better' });
    expect(keda!.metrics.find((m) => m.metric.field === 'ttft_ms_p95')).toMatchObject({ delta: 20, verdict: 'worse' });
    expect(keda!.metrics.find((m) => m.metric.field === 'slo_attainment')!.verdict).toBe('same');
  });

  it('with repeats on both sides, calls a change better or worse only when its 95 % interval excludes 0', () => {
    const x = { id: 'x', records: [rec('k', 300, 0.9), rec('k', 310, 0.91), rec('k', 305, 0.89)] };
    const y = { id: 'y', records: [rec('k', 250, 0.91), rec('k', 255, 0.93), rec('k', 245, 0.89)] };
    const [cell] = compareRuns(x, y).cells;
    const ttft = cell!.metrics.find((m) => m.metric.field === 'ttft_ms_p95')!;
    // −55 ms ± t(0.975, 3) · √(25/3 + 25/3): Welch's ν = 4 → 2.776 · 4.08 = 11.3
    expect(ttft).toMatchObject({ delta: -55, verdict: 'better', lo: expect.closeTo(-66.33, 2), hi: expect.closeTo(-43.67, 2) });
    expect(cell!.metrics.find((m) => m.metric.field === 'slo_attainment')).toMatchObject({ verdict: 'no significant difference' });
    expect(compareMarkdown(compareRuns(x, y))).toContain(
      'Verdict: 1 better and 0 worse beyond their 95 % interval, 1 with no significant difference, 0 without an interval',
    );
  });

  it('lists the cells only one run has (failed cells do not count)', () => {
    expect([c.onlyInA, c.onlyInB]).toEqual([['d/gone/step/8'], ['d/new/step/8']]);
  });

  it('Markdown and HTML: one table per cell, names as text', () => {
    expect(formatDelta(c.cells[0]!.metrics.find((m) => m.metric.field === 'ttft_ms_p95')!)).toBe('−70 ms (−21.9 %)');
    const md = compareMarkdown(c);
    expect(md).toContain('| TTFT p95 (lower) | 320 ms | 250 ms | −70 ms (−21.9 %) | one repeat: none | **better** |');
    expect(md).toContain(
      'Verdict: 0 better and 0 worse beyond their 95 % interval, 0 with no significant difference, 4 without an interval (one repeat on a side: single measurements).',
    );
    expect(md).toContain('Only in night-1: d/gone/step/8');
    const evil = compareRuns({ id: '<script>x</script>', records: a.records }, b);
    expect(compareHtml(evil)).not.toContain('<script>x');
    expect(compareMarkdown(evil)).not.toContain('<script>');
  });
});
