import { expect, it } from 'vitest';
import { gateRates } from '../../src/bench/gate-rates.js';

it('the gate rarely cries wolf on unchanged nights and catches most 10 % shifts (5 repeats, 5 % noise)', () => {
  const r = gateRates();
  expect(r.nights).toBe(20);
  expect(r.falseAlarms).toBeLessThanOrEqual(1);
  expect(r.detections).toBeGreaterThanOrEqual(10); // seed 42: 13 detected, 6 inconclusive, 1 pass
});
