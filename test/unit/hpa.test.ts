import { describe, expect, it } from 'vitest';
import { hpaReconcile, hpaSpecFor, newHpaState, type HpaDecision, type HpaSpec } from '../../src/targets/local/autoscalers/hpa.js';
import type { Proposal } from '../../src/targets/local/autoscalers/replica-calculator.js';

const ok = (replicas: number): Proposal => ({ replicas, ratio: 1, value: 1 });
const bad: Proposal = { error: 'unable to get metric' };

/** One sync at second t: current replicas and each metric's proposal (a number, or an error). */
type Sync = [t: number, cur: number, proposals: (number | 'error')[]];

/** Runs the syncs in order on one HPA, threading its state; returns every decision. */
function run(spec: HpaSpec, syncs: Sync[]): HpaDecision[] {
  let state = newHpaState();
  return syncs.map(([t, cur, ps]) => {
    const metrics = ps.map((p, i) => ({ name: `m${i}`, proposal: p === 'error' ? bad : ok(p) }));
    const step = hpaReconcile(spec, state, { now: t * 1000, currentReplicas: cur, metrics });
    state = step.state;
    return step.decision;
  });
}

describe('hpaReconcile: one sync', () => {
  it.each<[string, HpaSpec, Sync, number, string | undefined]>([
    [
      'cur==0 with min!=0: scaling disabled, stays 0 (horizontal.go reconcileAutoscaler)',
      { minReplicas: 1, maxReplicas: 10 },
      [0, 0, [5]],
      0,
      'scalingDisabled',
    ],
    [
      'cur==0 with minReplicas unset: min defaults to 1, scaling disabled (horizontal.go reconcileAutoscaler)',
      { maxReplicas: 10 },
      [0, 0, [5]],
      0,
      'scalingDisabled',
    ],
    // min 0 (HPAScaleToZero): metrics are consulted; max(3, seed 0) = 3 ≤ max(2×0, 4).
    ['cur==0 with minReplicas 0: metrics decide, 0 → 3 (horizontal.go reconcileAutoscaler)', { minReplicas: 0, maxReplicas: 10 }, [0, 0, [3]], 3, undefined],
    [
      'min/max clamping: cur 12 above max 10 → 10 without metrics (horizontal.go reconcileAutoscaler)',
      { minReplicas: 1, maxReplicas: 10 },
      [0, 12, [20]],
      10,
      'maxReplicas',
    ],
    [
      'min/max clamping: cur 1 below min 2 → 2 without metrics (horizontal.go reconcileAutoscaler)',
      { minReplicas: 2, maxReplicas: 10 },
      [0, 1, [1]],
      2,
      'minReplicas',
    ],
    ['max over metrics: proposals 3 and 5 → 5 (horizontal.go computeReplicasForMetrics)', { maxReplicas: 10 }, [0, 3, [3, 5]], 5, undefined],
    ['invalid metrics: all metrics failed → no scale (horizontal.go computeReplicasForMetrics)', { maxReplicas: 10 }, [0, 4, ['error']], 4, 'invalidMetrics'],
    [
      'invalid metrics: one failed and the other says 2 < spec 4 → no scale (horizontal.go computeReplicasForMetrics)',
      { maxReplicas: 10 },
      [0, 4, ['error', 2]],
      4,
      'invalidMetrics',
    ],
    [
      'invalid metrics: one failed and the other says 6 ≥ spec 4 → scale to 6 (horizontal.go computeReplicasForMetrics)',
      { maxReplicas: 10 },
      [0, 4, ['error', 6]],
      6,
      undefined,
    ],
    ['legacy scale-up limit: cur 1 wants 10 → max(2×1, 4) = 4 (horizontal.go calculateScaleUpLimit)', { maxReplicas: 20 }, [0, 1, [10]], 4, 'scaleUpLimit'],
    ['legacy scale-up limit: cur 3 wants 10 → max(2×3, 4) = 6 (horizontal.go calculateScaleUpLimit)', { maxReplicas: 20 }, [0, 3, [10]], 6, 'scaleUpLimit'],
    [
      'legacy min/max clamping: max 5 is below the 2×3 limit → 5 (horizontal.go convertDesiredReplicasWithRules)',
      { maxReplicas: 5 },
      [0, 3, [10]],
      5,
      'maxReplicas',
    ],
    // behavior: {} means every default: Pods 4/15s → 2+4 = 6, Percent 100/15s → ceil(2×2) = 4.
    [
      'scale-up policies Max (default): cur 2 wants 20 → max(2+4, 4) = 6 (horizontal.go calculateScaleUpLimitWithScalingRules)',
      { maxReplicas: 100, behavior: {} },
      [0, 2, [20]],
      6,
      'scaleUpLimit',
    ],
    [
      'scale-up policies Min: cur 2 wants 20 → min(2+4, 4) = 4 (horizontal.go calculateScaleUpLimitWithScalingRules)',
      { maxReplicas: 100, behavior: { scaleUp: { selectPolicy: 'Min' } } },
      [0, 2, [20]],
      4,
      'scaleUpLimit',
    ],
    [
      'scale-up policies Disabled: cur 2 wants 20 → stays 2 (horizontal.go calculateScaleUpLimitWithScalingRules)',
      { maxReplicas: 100, behavior: { scaleUp: { selectPolicy: 'Disabled' } } },
      [0, 2, [20]],
      2,
      'scaleUpLimit',
    ],
    [
      'Percent rounding on scale up: 50% of 3 → ceil(4.5) = 5 (horizontal.go calculateScaleUpLimitWithScalingRules)',
      { maxReplicas: 100, behavior: { scaleUp: { policies: [{ type: 'Percent', value: 50, periodMs: 60_000 }] } } },
      [0, 3, [10]],
      5,
      'scaleUpLimit',
    ],
    // int32(4 × 0.8) = 3; rounding up would keep 4.
    [
      'Percent truncation on scale down: 20% of 4 → int(3.2) = 3 (horizontal.go calculateScaleDownLimitWithBehaviors)',
      { maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowMs: 0, policies: [{ type: 'Percent', value: 20, periodMs: 60_000 }] } } },
      [0, 4, [1]],
      3,
      'scaleDownLimit',
    ],
    [
      'Percent truncation on scale down: 30% of 5 → int(3.5) = 3 (horizontal.go calculateScaleDownLimitWithBehaviors)',
      { maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowMs: 0, policies: [{ type: 'Percent', value: 30, periodMs: 60_000 }] } } },
      [0, 5, [1]],
      3,
      'scaleDownLimit',
    ],
    [
      'scale-down policies Min: Pods 1 vs Percent 50 of 6 → max(5, 3) = 5 (horizontal.go calculateScaleDownLimitWithBehaviors)',
      {
        maxReplicas: 10,
        behavior: {
          scaleDown: {
            stabilizationWindowMs: 0,
            selectPolicy: 'Min',
            policies: [
              { type: 'Pods', value: 1, periodMs: 60_000 },
              { type: 'Percent', value: 50, periodMs: 60_000 },
            ],
          },
        },
      },
      [0, 6, [1]],
      5,
      'scaleDownLimit',
    ],
    [
      'min/max clamping with behavior: limit 4+4 = 8 above max 5 → 5 (horizontal.go convertDesiredReplicasWithBehaviorRate)',
      { maxReplicas: 5, behavior: {} },
      [0, 4, [20]],
      5,
      'maxReplicas',
    ],
    // Percent 100 allows int(4 × 0) = 0, so min 2 is what holds.
    [
      'min/max clamping with behavior: scale down to 1 stops at min 2 (horizontal.go convertDesiredReplicasWithBehaviorRate)',
      { minReplicas: 2, maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowMs: 0 } } },
      [0, 4, [1]],
      2,
      'minReplicas',
    ],
  ])('%s', (_, spec, sync, after, limitedBy) => {
    const [d] = run(spec, [sync]);
    expect(d!.after).toBe(after);
    expect(d!.limitedBy).toBe(limitedBy);
  });
});

describe('hpaReconcile: syncs over time', () => {
  it.each<[string, HpaSpec, Sync[], number[]]>([
    // Seed 5 at t=0; d=2 from t=60. At t=300 the t=0 records are at the cutoff, still in (Before is strict); at 301 they are out.
    [
      'legacy scale-down stabilization: highest recommendation of the last 300 s holds, forgotten after (horizontal.go stabilizeRecommendation)',
      { maxReplicas: 10 },
      [
        [0, 5, [5]],
        [60, 5, [2]],
        [240, 5, [2]],
        [300, 5, [2]],
        [301, 5, [2]],
      ],
      [5, 5, 5, 5, 2],
    ],
    [
      'legacy initial recommendation: the first sync seeds current 4, so a first proposal of 1 waits 300 s (horizontal.go recordInitialRecommendation)',
      { maxReplicas: 10 },
      [
        [0, 4, [1]],
        [299, 4, [1]],
        [301, 4, [1]],
      ],
      [4, 4, 1],
    ],
    [
      'legacy downscale stabilization parameter: a 60 s window forgets the seed after 60 s (horizontal.go stabilizeRecommendation)',
      { maxReplicas: 10, downscaleStabilizationWindowMs: 60_000 },
      [
        [0, 4, [1]],
        [60, 4, [1]],
        [61, 4, [1]],
      ],
      [4, 4, 1],
    ],
    // Window 60 s: the t=0 records (5) cover t=30; at t=60 they are at the cutoff, out (After is strict); Percent 100 allows the drop.
    [
      'scale-down stabilization window (behavior): highest in window holds, forgotten after it (horizontal.go stabilizeRecommendationWithBehaviors)',
      { maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowMs: 60_000 } } },
      [
        [0, 5, [5]],
        [30, 5, [2]],
        [60, 5, [2]],
      ],
      [5, 5, 2],
    ],
    [
      'scale-down window default (behavior without scaleDown): 300 s, then Percent 100 allows 4 → 1 (horizontal.go maybeInitScaleDownStabilizationWindow)',
      { maxReplicas: 10, behavior: { scaleUp: { selectPolicy: 'Max' } } },
      [
        [0, 4, [1]],
        [299, 4, [1]],
        [300, 4, [1]],
      ],
      [4, 4, 1],
    ],
    // Window 60 s: at t=15 the lowest recent recommendation (2) holds; at t=61 only 6 is in the window; default policies allow 2+4 = 6.
    [
      'scale-up stabilization window: lowest recommendation in window holds (horizontal.go stabilizeRecommendationWithBehaviors)',
      { maxReplicas: 10, behavior: { scaleUp: { stabilizationWindowMs: 60_000 } } },
      [
        [0, 2, [2]],
        [15, 2, [6]],
        [61, 2, [6]],
      ],
      [2, 2, 6],
    ],
    // Pods 4 per 60 s: 2 → 6 at t=0; at t=30 the period started at 6 - 4 = 2, limit 6; at t=60 the event is at the cutoff, out.
    [
      'Pods policy period accounting: replicas added earlier in the period count against the limit (horizontal.go getReplicasChangePerPeriod)',
      { maxReplicas: 100, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 4, periodMs: 60_000 }] } } },
      [
        [0, 2, [20]],
        [30, 6, [20]],
        [60, 6, [20]],
      ],
      [6, 6, 10],
    ],
    // Pods 1 per 60 s down: 5 → 4 at t=0; at t=30 the period started at 4 + 1 = 5, limit 4; at t=61 → 3.
    [
      'Pods policy period accounting on scale down: replicas removed earlier count (horizontal.go calculateScaleDownLimitWithBehaviors)',
      { maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowMs: 0, policies: [{ type: 'Pods', value: 1, periodMs: 60_000 }] } } },
      [
        [0, 5, [1]],
        [30, 4, [1]],
        [61, 4, [1]],
      ],
      [4, 4, 3],
    ],
  ])('%s', (_, spec, syncs, afters) => {
    expect(run(spec, syncs).map((d) => d.after)).toEqual(afters);
  });

  it('writes the decision record the runner logs (horizontal.go normalizeDesiredReplicas)', () => {
    const [, second] = run({ maxReplicas: 10 }, [
      [0, 5, [5]],
      [15, 5, [2, 'error']],
    ]);
    expect(second).toEqual({
      time: 15_000,
      metrics: [
        { name: 'm0', value: 1, proposal: 2 },
        { name: 'm1', value: null, proposal: null, error: 'unable to get metric' },
      ],
      proposal: null,
      stabilized: null,
      limitedBy: 'invalidMetrics',
      error: 'm1: unable to get metric',
      before: 5,
      after: 5,
    });
    const [, third] = run({ maxReplicas: 10 }, [
      [0, 5, [5]],
      [15, 5, [2]],
    ]);
    expect(third).toMatchObject({ proposal: 2, stabilized: 5, limitedBy: 'scaleDownStabilization', before: 5, after: 5 });
  });

  it('pure state: the given state is untouched and equal inputs give equal steps (horizontal.go keeps this in controller memory; here it is passed in)', () => {
    const state = newHpaState();
    const input = { now: 0, currentReplicas: 2, metrics: [{ name: 'm', proposal: ok(8) }] };
    const a = hpaReconcile({ maxReplicas: 10, behavior: {} }, state, input);
    const b = hpaReconcile({ maxReplicas: 10, behavior: {} }, state, input);
    expect(state).toEqual(newHpaState());
    expect(a).toEqual(b);
    expect(a.state.scaleUpEvents).toEqual([{ time: 0, change: 4 }]);
  });
});

describe('hpaSpecFor', () => {
  it('matrix mapping: bounds from the deployment, behavior from the autoscaler (horizontal.go reconcileAutoscaler reads spec.minReplicas/maxReplicas)', () => {
    const a = { kind: 'hpa-custom', name: 'q', metric: 'vllm:num_requests_waiting', target: 5, syncPeriodMs: 15_000, tolerance: 0.1 } as const;
    expect(hpaSpecFor(a, { replicas: { start: 1, min: 1, max: 4 } })).toEqual({ minReplicas: 1, maxReplicas: 4 });
  });
});
