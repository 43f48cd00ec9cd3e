import { describe, expect, it } from 'vitest';
import { groupPods, type PodInfo, type PodSamples } from '../../src/targets/local/autoscalers/pods.js';
import {
  externalAverageValueReplicas,
  externalValueReplicas,
  isWithinTolerance,
  podsAverageValueReplicas,
  resourceUtilizationReplicas,
  type Proposal,
} from '../../src/targets/local/autoscalers/replica-calculator.js';

// Pods started an hour before NOW, well past the 5 min CPU initialization period.
const START = 1_000_000;
const NOW = START + 3_600_000;

function pod(name: string, over: Partial<PodInfo> = {}): PodInfo {
  return { name, phase: 'Running', ready: true, startTime: START, everReady: true, ...over };
}
/** Samples taken 15 s ago over a 15 s window. */
function samples(values: Record<string, number>): PodSamples {
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, timestamp: NOW - 15_000, window: 15_000 }]));
}
const replicas = (p: Proposal): number | string => ('error' in p ? p.error : p.replicas);

// A pod started 60 s ago: still inside the CPU initialization period.
const young = (name: string, over: Partial<PodInfo> = {}): PodInfo => pod(name, { startTime: NOW - 60_000, ...over });

describe('tolerance', () => {
  it.each([
    ['tolerance band: 0.9 is the lower edge, within (replica_calculator.go Tolerances.isWithin)', 1 - 0.1, true],
    ['tolerance band: 1.1 is the upper edge, within (replica_calculator.go Tolerances.isWithin)', 1 + 0.1, true],
    ['tolerance band: 0.89 is below the band (replica_calculator.go Tolerances.isWithin)', 0.89, false],
    ['tolerance band: 1.11 is above the band (replica_calculator.go Tolerances.isWithin)', 1.11, false],
  ])('%s', (_, ratio, within) => {
    expect(isWithinTolerance(ratio, 0.1)).toBe(within);
  });
});

describe('resourceUtilizationReplicas (CPU, request 1000m)', () => {
  // [name, pods, usage millicores, current replicas, target %, expected]
  it.each<[string, PodInfo[], Record<string, number>, number, number, number | string]>([
    [
      'tolerance band: 54% vs 50% is ratio 1.08, within 0.1 → keeps 3 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 540, b: 540, c: 540 },
      3,
      50,
      3,
    ],
    [
      'tolerance band: 55%/50% is exactly 1.1, within (<=) → keeps 3 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 550, b: 550, c: 550 },
      3,
      50,
      3,
    ],
    [
      'tolerance band: 56%/50% = 1.12 is outside → ceil(1.12×3) = 4 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 560, b: 560, c: 560 },
      3,
      50,
      4,
    ],
    [
      'tolerance band: 45%/50% is exactly 0.9, within (>=) → keeps 3 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 450, b: 450, c: 450 },
      3,
      50,
      3,
    ],
    [
      'tolerance band: 44%/50% = 0.88 on 10 pods → ceil(8.8) = 9 (replica_calculator.go GetResourceReplicas)',
      Array.from({ length: 10 }, (_, i) => pod(`p${i}`)),
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, 440])),
      10,
      50,
      9,
    ],
    // 1659m of 3000m is 55.3%, truncated to 55% → 1.1, within; unrounded 1.106 would scale.
    [
      'utilization truncation: int(55.3%) = 55% → ratio 1.1 within → keeps 3 (metrics/utilization.go GetResourceUtilizationRatio)',
      [pod('a'), pod('b'), pod('c')],
      { a: 553, b: 553, c: 553 },
      3,
      50,
      3,
    ],
    // Ratio 1.6 on a, b; c missing counts 0: int(1600·100/3000) = 53% → 1.06 within. The fast path would say ceil(1.6×2) = 4.
    [
      'missing pods on scale up: a missing pod counts as 0% → 53%/50% within → keeps 3 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 800, b: 800 },
      3,
      50,
      3,
    ],
    // Ratio 0.2 on three pods; d missing counts 100% of its request: int(1300·100/4000) = 32% → 0.64 → ceil(2.56) = 3, not ceil(0.6) = 1.
    [
      'missing pods on scale down: a missing pod counts max(100, target)% = 100% → ceil(0.64×4) = 3 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c'), pod('d')],
      { a: 100, b: 100, c: 100 },
      4,
      50,
      3,
    ],
    // Target 150%: missing pods count 1500m each: int(3600·100/4000) = 90% → 0.6 → ceil(2.4) = 3 (at 100% they would give 2).
    [
      'missing pods on scale down: above-100% target fills missing pods at the target, 150% → 3 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c'), pod('d')],
      { a: 300, b: 300 },
      4,
      150,
      3,
    ],
    // 40% on one pod (0.8) but three missing at 100%: int(3400·100/4000) = 85% → 1.7, the other side of 1 → keep.
    [
      'direction reversal: filling missing pods flips ratio 0.8 to 1.7 → keeps 4 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c'), pod('d')],
      { a: 400 },
      4,
      50,
      4,
    ],
    // 4 pods listed while spec says 2: recomputed 0.64 → ceil(2.56) = 3 > 2 on a scale down → keep 2.
    [
      'direction guard: a scale-down recompute above current replicas → keeps 2 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c'), pod('d')],
      { a: 100, b: 100, c: 100 },
      2,
      50,
      2,
    ],
    // a, b at 100% (ratio 2); c is not Ready 60 s after start so its 1000m is dropped and set to 0: int(2000·100/3000) = 66% → 1.32 → ceil(3.96) = 4.
    [
      'CPU readiness: a not-Ready pod in its first 5 min is unready, counted 0 on scale up → 4 (replica_calculator.go groupPods)',
      [pod('a'), pod('b'), young('c', { ready: false, everReady: false })],
      { a: 1000, b: 1000, c: 1000 },
      3,
      50,
      4,
    ],
    // c is Ready, but its sample (taken 15 s ago over 15 s) began before the Ready transition 20 s ago + window → unready → 4.
    [
      'CPU readiness: a sample older than Ready transition + window is unready even when Ready → 4 (replica_calculator.go groupPods)',
      [pod('a'), pod('b'), young('c', { lastReadyTransition: NOW - 20_000 })],
      { a: 1000, b: 1000, c: 1000 },
      3,
      50,
      4,
    ],
    // Past the initialization period a pod that was ready and went unready 60 s ago still counts: 3 pods at ratio 2 → 6.
    [
      'CPU readiness: after 5 min an unready pod that was once ready counts → ceil(2×3) = 6 (replica_calculator.go groupPods)',
      [pod('a'), pod('b'), pod('c', { ready: false, lastReadyTransition: NOW - 60_000 })],
      { a: 1000, b: 1000, c: 1000 },
      3,
      50,
      6,
    ],
    [
      'CPU readiness: after 5 min a never-ready pod is unready, counted 0 on scale up → 4 (replica_calculator.go groupPods)',
      [pod('a'), pod('b'), pod('c', { ready: false, everReady: false })],
      { a: 1000, b: 1000, c: 1000 },
      3,
      50,
      4,
    ],
    // Ratio 0.2 with an unready (Pending) pod: no scale-up, no missing → fast path ceil(0.2×2) = 1.
    [
      'unready pods on scale down: a Pending pod is left out → ceil(0.2×2) = 1 (replica_calculator.go GetResourceReplicas)',
      [pod('a'), pod('b'), pod('c', { phase: 'Pending', ready: false })],
      { a: 100, b: 100 },
      3,
      50,
      1,
    ],
    [
      'ignored pods: Failed and terminating pods are dropped → ceil(2×2) = 4 (replica_calculator.go groupPods)',
      [pod('a'), pod('b'), pod('c', { phase: 'Failed' }), pod('d', { phase: 'Deleted' })],
      { a: 1000, b: 1000, c: 0, d: 0 },
      4,
      50,
      4,
    ],
    [
      'no metrics: every pod Pending → an error, not a throw (replica_calculator.go GetResourceReplicas)',
      [pod('a', { phase: 'Pending', ready: false })],
      {},
      1,
      50,
      'did not receive metrics for targeted pods (pods might be unready)',
    ],
    [
      'no pods: an error, not a throw (replica_calculator.go GetResourceReplicas)',
      [],
      {},
      1,
      50,
      'no pods returned by selector while calculating replica count',
    ],
  ])('%s', (_, pods, usage, currentReplicas, targetUtilization, expected) => {
    const p = resourceUtilizationReplicas({ currentReplicas, targetUtilization, pods, usage: samples(usage), requestMillis: 1000, now: NOW });
    expect(replicas(p)).toBe(expected);
  });

  it('reports utilization as the HPA status does: int(100·usage/request) % (metrics/utilization.go GetResourceUtilizationRatio)', () => {
    const p = resourceUtilizationReplicas({
      currentReplicas: 3,
      targetUtilization: 50,
      pods: [pod('a'), pod('b'), pod('c')],
      usage: samples({ a: 553, b: 553, c: 553 }),
      requestMillis: 1000,
      now: NOW,
    });
    expect(p).toEqual({ replicas: 3, ratio: 1.1, value: 55 });
  });
});

describe('podsAverageValueReplicas (target 5 per pod)', () => {
  it.each<[string, PodInfo[], Record<string, number>, number, number | string]>([
    // The same not-Ready young pod CPU drops: for a Pods metric its sample counts: avg 10 → ratio 2 → ceil(2×3) = 6.
    [
      'Pods metric readiness: a Running not-Ready pod with a sample counts (no CPU rule) → 6 (replica_calculator.go groupPods)',
      [pod('a'), pod('b'), young('c', { ready: false, everReady: false })],
      { a: 10, b: 10, c: 10 },
      3,
      6,
    ],
    ['tolerance band: average 5.5 vs 5 is 1.1, within → keeps 2 (replica_calculator.go calcPlainMetricReplicas)', [pod('a'), pod('b')], { a: 5, b: 6 }, 2, 2],
    ['tolerance band: average 4.5 vs 5 is 0.9, within → keeps 2 (replica_calculator.go calcPlainMetricReplicas)', [pod('a'), pod('b')], { a: 4, b: 5 }, 2, 2],
    ['Pods metric: average 12 vs 5 → ceil(2.4×2) = 5 (replica_calculator.go calcPlainMetricReplicas)', [pod('a'), pod('b')], { a: 12, b: 12 }, 2, 5],
    // avg 1 → 0.2; c missing is taken at the target 5: (1+1+5)/3 = 2.333 → 0.4666 → ceil(1.3998) = 2, not ceil(0.4) = 1.
    [
      'missing pods on scale down: a missing pod counts at the target → 2 (replica_calculator.go calcPlainMetricReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 1, b: 1 },
      3,
      2,
    ],
    // avg 8 → 1.6 (fast path would be ceil(3.2) = 4); c missing counts 0: 16/3 = 5.333 → 1.067 within → keep 3.
    [
      'missing pods on scale up: a missing pod counts 0 → within → keeps 3 (replica_calculator.go calcPlainMetricReplicas)',
      [pod('a'), pod('b'), pod('c')],
      { a: 8, b: 8 },
      3,
      3,
    ],
    // avg 10 → 2; Pending c set to 0 on scale up: 20/3 = 6.666 → 1.3332 → ceil(3.9996) = 4.
    [
      'unready pods on scale up: a Pending pod counts 0 → ceil(1.333×3) = 4 (replica_calculator.go calcPlainMetricReplicas)',
      [pod('a'), pod('b'), pod('c', { phase: 'Pending', ready: false })],
      { a: 10, b: 10 },
      3,
      4,
    ],
  ])('%s', (_, pods, values, currentReplicas, expected) => {
    const p = podsAverageValueReplicas({ currentReplicas, target: 5, pods, samples: samples(values), now: NOW });
    expect(replicas(p)).toBe(expected);
  });
});

describe('external metrics', () => {
  it.each<[string, number, number[], number | string]>([
    ['External AverageValue: 23/(5×4) = 1.15 outside → ceil(23/5) = 5 (replica_calculator.go GetExternalPerPodMetricReplicas)', 4, [23], 5],
    ['tolerance band: External AverageValue 21/(5×4) = 1.05 within → status.replicas 4 (replica_calculator.go GetExternalPerPodMetricReplicas)', 4, [21], 4],
    ['External AverageValue: series are summed, (10+12)/(5×2) = 2.2 → ceil(22/5) = 5 (replica_calculator.go GetExternalPerPodMetricReplicas)', 2, [10, 12], 5],
    ['External AverageValue: status.replicas 0 never within → ceil(7/5) = 2 (replica_calculator.go GetExternalPerPodMetricReplicas)', 0, [7], 2],
    ['External AverageValue: 0 with 3 replicas → ceil(0/5) = 0 (replica_calculator.go GetExternalPerPodMetricReplicas)', 3, [0], 0],
    [
      'no metrics: empty series → an error, not a throw (metrics/rest_metrics_client.go GetExternalMetric)',
      3,
      [],
      'no metrics returned from external metrics API',
    ],
  ])('%s', (_, statusReplicas, values, expected) => {
    expect(replicas(externalAverageValueReplicas({ statusReplicas, target: 5, values }))).toBe(expected);
  });

  it.each<[string, number, number[], PodInfo[], number | string]>([
    // (6+6)/4 = 3 → ceil(3 × 2 ready pods) = 6; the not-Ready pod is not counted.
    [
      'External Value: ratio 3 times ready pods 2 → 6 (replica_calculator.go getUsageRatioReplicaCount)',
      2,
      [6, 6],
      [pod('a'), pod('b'), pod('c', { ready: false })],
      6,
    ],
    ['tolerance band: External Value 4.2/4 = 1.05 within → keeps 2 (replica_calculator.go getUsageRatioReplicaCount)', 2, [4.2], [pod('a'), pod('b')], 2],
    ['External Value at 0 replicas: no tolerance, ceil(4.2/4) = 2 (replica_calculator.go getUsageRatioReplicaCount)', 0, [4.2], [], 2],
  ])('%s', (_, currentReplicas, values, pods, expected) => {
    expect(replicas(externalValueReplicas({ currentReplicas, target: 4, values, pods }))).toBe(expected);
  });
});

describe('groupPods', () => {
  it('sorts pods into counted, unready, missing and ignored (replica_calculator.go groupPods)', () => {
    const pods = [pod('a'), pod('b', { phase: 'Pending', ready: false }), pod('c'), pod('d', { phase: 'Failed' }), young('e', { ready: false })];
    const s = samples({ a: 1, e: 1 });
    expect(groupPods(pods, s, NOW, true)).toEqual({ counted: ['a'], unready: ['b', 'e'], missing: ['c'], ignored: ['d'] });
    expect(groupPods(pods, s, NOW, false)).toEqual({ counted: ['a', 'e'], unready: ['b'], missing: ['c'], ignored: ['d'] });
  });
});
