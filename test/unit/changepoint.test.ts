import { describe, expect, it } from 'vitest';
import { findChangePoint } from '../../src/analysis/changepoint.js';
import type { Acknowledgement } from '../../src/gate/acknowledgements.js';
import { defaultRules, type ResolvedGateRule } from '../../src/gate/gate-file.js';
import { historyChanges, historyText, type HistoryRun } from '../../src/gate/history.js';

/** Deterministic ±2 % wiggle around a level. */
const nights = (level: number, n: number, offset = 0): number[] => Array.from({ length: n }, (_, i) => level * (1 + 0.02 * Math.sin(1.7 * (i + offset) + 0.3)));

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

  it.each([
    ['the last two', (s: number[]) => s.map((v, i) => (i >= 18 ? v * 1.3 : v))],
    ['the last four', (s: number[]) => s.map((v, i) => (i >= 16 ? v * 1.3 : v))],
    ['the first three', (s: number[]) => s.map((v, i) => (i < 3 ? v * 1.3 : v))],
  ])('a shift in %s runs is not a change point: a regime needs the window on both sides', (_, shift) => {
    expect(findChangePoint(shift(nights(100, 20)))).toBeUndefined();
  });

  it('a shift with exactly the window after it is found', () => {
    expect(findChangePoint([...nights(100, 15), ...nights(110, 5, 15)])?.index).toBe(15);
  });

  it('an unchanged noisy series has none', () => {
    expect(findChangePoint(nights(100, 20))).toBeUndefined();
  });

  it('a series shorter than two windows has none', () => {
    expect(findChangePoint([1, 2, 3, 4, 10, 11, 12, 13, 14])).toBeUndefined();
  });

  it('is reproducible: the same seed gives the same p', () => {
    const series = [...nights(100, 6), ...nights(104, 6, 6)];
    expect(findChangePoint(series, { alpha: 1 })?.p).toBe(findChangePoint(series, { alpha: 1 })?.p);
  });
});

describe('history: change points per cell and metric, acknowledged and corroborated', () => {
  /** 20 nightly runs of one cell; `shift` scales a metric from run 12 on. */
  const runs = (shift: Record<string, number>): HistoryRun[] =>
    Array.from({ length: 20 }, (_, i) => ({
      id: `nightly-${100 + i}`,
      records: [
        {
          cell_key: 'sim/keda/step/8',
          status: 'done',
          ...Object.fromEntries(
            ['ttft_ms_p95', 'replica_seconds', 'scale_up_lag_s', 'oscillations', 'slo_attainment'].map((m, k) => [
              m,
              100 * (1 + 0.02 * Math.sin(1.7 * i + k)) * (i >= 12 ? (shift[m] ?? 1) : 1),
            ]),
          ),
        },
      ],
    }));
  const ttft: ResolvedGateRule[] = defaultRules.filter((r) => r.metric === 'ttft_ms_p95');
  const ack: Acknowledgement = {
    metric: 'ttft_ms_p95',
    cells: 'sim/*',
    runs: { from: 'nightly-110', to: 'nightly-115' },
    reason: 'new vLLM',
    expires: '2026-03-01',
    at: 'ack.yaml:2',
  };

  it('a change fails the history gate, naming the cell, metric and run', () => {
    const o = historyChanges(runs({ ttft_ms_p95: 1.1 }), ttft);
    expect(o.passed).toBe(false);
    expect(o.changes).toMatchObject([{ cell: 'sim/keda/step/8', metric: 'ttft_ms_p95', run: 'nightly-112', status: 'counts' }]);
  });

  it('an acknowledged change is listed and does not fail; it fails again after its expiry', () => {
    const before = historyChanges(runs({ ttft_ms_p95: 1.1 }), ttft, { acknowledgements: [ack], now: new Date('2026-02-01T00:00:00Z') });
    expect(before.passed).toBe(true);
    expect(before.changes[0]!.status).toBe('acknowledged');
    expect(historyText(before)).toContain('sim/keda/step/8 ttft_ms_p95: changed at run nightly-112');
    expect(historyText(before)).toContain('acknowledged until 2026-03-01: new vLLM (ack.yaml:2)');
    const after = historyChanges(runs({ ttft_ms_p95: 1.1 }), ttft, { acknowledgements: [ack], now: new Date('2026-03-02T00:00:00Z') });
    expect(after.passed).toBe(false);
    expect(historyText(after)).toContain('COUNTS: its acknowledgement expired 2026-03-01 (ack.yaml:2)');
  });

  it('a change point whose rule needs a correlated one counts only with it', () => {
    const rule = defaultRules.filter((r) => r.metric === 'replica_seconds');
    const alone = historyChanges(runs({ replica_seconds: 1.3 }), rule);
    expect(alone.passed).toBe(true);
    expect(alone.changes).toMatchObject([{ metric: 'replica_seconds', status: 'uncorroborated' }]);
    const withLag = historyChanges(runs({ replica_seconds: 1.3, scale_up_lag_s: 1.5 }), rule);
    expect(withLag.passed).toBe(false);
    expect(withLag.changes).toMatchObject([{ metric: 'replica_seconds', status: 'counts', corroboration: { found: 'scale_up_lag_s' } }]);
  });
});
