import { describe, expect, it } from 'vitest';
import { firstScaleDown, firstScaleUp, replicaTimeline, timelineAgreement, valueAt } from '../cluster/rig/fidelity.js';

const tl = (pairs: Array<[number, number]>) => pairs.map(([s, desired]) => ({ s, desired }));

describe('replica timeline fidelity', () => {
  it('puts samples on the load clock, dropping those before the load', () => {
    const samples = [1000, 2000, 3500].map((t, i) => ({ t, replicas: { desired: i + 1 } }));
    expect(replicaTimeline(samples, 2000)).toEqual(
      tl([
        [0, 2],
        [1.5, 3],
      ]),
    );
  });

  it('reads a step-wise value: the last point at or before the time', () => {
    const t = tl([
      [0, 1],
      [5, 3],
      [10, 2],
    ]);
    expect(valueAt(t, -1)).toBeUndefined();
    expect(valueAt(t, 4.9)).toBe(1);
    expect(valueAt(t, 5)).toBe(3);
    expect(valueAt(t, 99)).toBe(2);
  });

  it('finds the first scale-up above the starting count', () => {
    expect(
      firstScaleUp(
        tl([
          [0, 2],
          [1, 1],
          [3, 2],
          [4, 3],
        ]),
      ),
    ).toBe(4);
    expect(
      firstScaleUp(
        tl([
          [0, 1],
          [1, 1],
        ]),
      ),
    ).toBeUndefined();
  });

  it('finds the first scale-down: below the peak, after the peak was first reached', () => {
    expect(
      firstScaleDown(
        tl([
          [0, 1],
          [2, 3],
          [3, 2],
          [5, 4],
          [8, 3],
          [9, 1],
        ]),
      ),
    ).toBe(8);
    expect(
      firstScaleDown(
        tl([
          [0, 1],
          [2, 3],
        ]),
      ),
    ).toBeUndefined();
    expect(firstScaleDown([])).toBeUndefined();
  });

  it('counts the points differing by more than the tolerance, within both spans', () => {
    // a: 1 1 4 4 1 at 0..4 s; b: 1 2 2 4 at 0..3 s → compared at 0,1,2,3: |4-2| = 2 at s=2 differs.
    const a = tl([
      [0, 1],
      [1, 1],
      [2, 4],
      [3, 4],
      [4, 1],
    ]);
    const b = tl([
      [0, 1],
      [1, 2],
      [2, 2],
      [3, 4],
    ]);
    const f = timelineAgreement(a, b, 1);
    expect(f.compared).toBe(4);
    expect(f.shareDifferingByMoreThanOne).toBe(0.25);
    expect(f.firstScaleUpS).toEqual({ a: 2, b: 1 });
    expect(f.firstScaleUpDifferenceS).toBe(1);
    expect(f.firstScaleDownS).toEqual({ a: 4 });
    expect(f.firstScaleDownDifferenceS).toBeUndefined();
    expect(f.max).toEqual({ a: 4, b: 4 });
  });
});
