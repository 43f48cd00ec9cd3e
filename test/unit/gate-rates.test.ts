import { describe, expect, it } from 'vitest';
import { gateRates, type RateRow } from '../../src/bench/gate-rates.js';

describe('gate rates on synthetic nights (seeded: the figures in the README)', () => {
  const { rows } = gateRates();
  const row = (prefix: string, repeats: number): RateRow => rows.find((r) => r.test.startsWith(prefix) && r.repeats === repeats)!;

  it.each([3, 5, 10])('the gate false-alarms on at most 5 %% of unchanged nights with %i repeats', (repeats) => {
    expect(row('gate', repeats).falseAlarms).toBeLessThanOrEqual(0.05);
  });

  it('with 5 repeats a side it catches most 10 % shifts and all but a few 20 % ones, and says what it could detect', () => {
    const r = row('gate', 5);
    expect(r.detections['0.1']).toBeGreaterThan(0.8);
    expect(r.detections['0.2']).toBeGreaterThan(0.99);
    expect(r.detectable).toBeGreaterThan(0.09);
    expect(r.detectable).toBeLessThan(0.12);
  });

  it('no test on 5 v 5 values does much better: knowing the noise exactly reaches about 91 %', () => {
    const ceiling = row('ceiling', 5).detections['0.1']!;
    expect(ceiling).toBeGreaterThan(0.89);
    expect(ceiling).toBeLessThan(0.93);
    expect(row('gate', 5).detections['0.1']).toBeGreaterThan(row('before: Mann-Whitney two-sided, change > 5', 5).detections['0.1']!);
  });

  it('10 repeats a side catch 10 % shifts at least 9 times in 10', () => {
    expect(row('gate', 10).detections['0.1']).toBeGreaterThanOrEqual(0.9);
  });
});
