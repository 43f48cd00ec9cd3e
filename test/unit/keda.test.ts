import { describe, expect, it } from 'vitest';
import {
  kedaHpaSpec,
  kedaHpaSync,
  kedaPoll,
  kedaReadTrigger,
  kedaSpecFor,
  hasValidFallback,
  newKedaState,
  type KedaAction,
  type KedaSpec,
  type KedaState,
  type TriggerRead,
} from '../../src/targets/local/autoscalers/keda.js';
import { promTriggerValue, type PromQueryOutcome, type TriggerValue } from '../../src/targets/local/autoscalers/prometheus-trigger.js';
import { kedaReplay } from '../cluster/rig/keda-replay.js';

const Q = 'sum(vllm:num_requests_waiting)';
const one = (v: string): PromQueryOutcome => ({ result: [{ metric: {}, value: [1_700_000_000, v] }] });
const empty: PromQueryOutcome = { result: [] };
const down: PromQueryOutcome = { error: 'dial tcp 127.0.0.1:9090: connect: connection refused' };
const base: KedaSpec = { query: Q, threshold: 5, maxReplicaCount: 10 };

describe('promTriggerValue', () => {
  it.each<[string, PromQueryOutcome, boolean, TriggerValue]>([
    ['query result: one element "3.5" → 3.5 (prometheus_scaler.go ExecutePromQuery)', one('3.5'), true, { value: 3.5 }],
    [
      'multi-series query error: two elements → "returned multiple elements" (prometheus_scaler.go ExecutePromQuery)',
      { result: [{ value: [1, '1'] }, { value: [1, '2'] }] },
      true,
      { error: `prometheus query ${Q} returned multiple elements` },
    ],
    ['ignoreNullValues true (default): empty result → 0 (prometheus_scaler.go ExecutePromQuery)', empty, true, { value: 0 }],
    [
      'ignoreNullValues false: empty result → error (prometheus_scaler.go ExecutePromQuery)',
      empty,
      false,
      { error: "prometheus metrics 'prometheus' target may be lost, the result is empty" },
    ],
    ['ignoreNullValues true: "NaN" (idle histogram_quantile) → 0 (prometheus_scaler.go ExecutePromQuery)', one('NaN'), true, { value: 0 }],
    ['ignoreNullValues false: "NaN" → error (prometheus_scaler.go ExecutePromQuery)', one('NaN'), false, { error: 'prometheus query returns NaN' }],
    ['ignoreNullValues true: "+Inf" → 0 (prometheus_scaler.go ExecutePromQuery)', one('+Inf'), true, { value: 0 }],
    ['ignoreNullValues true: an element with an empty value list → 0 (prometheus_scaler.go ExecutePromQuery)', { result: [{ value: [] }] }, true, { value: 0 }],
    [
      'query transport error passes through (prometheus_scaler.go ExecutePromQuery)',
      down,
      true,
      { error: 'dial tcp 127.0.0.1:9090: connect: connection refused' },
    ],
  ])('%s', (_, outcome, ignoreNullValues, expected) => {
    expect(promTriggerValue(outcome, Q, ignoreNullValues)).toEqual(expected);
  });
});

describe('kedaReadTrigger: activation', () => {
  it.each<[string, number | undefined, string, boolean]>([
    ['activation: value exactly at activationThreshold 2 is not active (prometheus_scaler.go GetMetricsAndActivity)', 2, '2', false],
    ['activation: 2.001 > activationThreshold 2 is active (prometheus_scaler.go GetMetricsAndActivity)', 2, '2.001', true],
    ['activation: default activationThreshold 0, value 0 is not active (prometheus_scaler.go GetMetricsAndActivity)', undefined, '0', false],
    ['activation: default activationThreshold 0, value 0.5 is active (prometheus_scaler.go GetMetricsAndActivity)', undefined, '0.5', true],
  ])('%s', (_, activationThreshold, value, active) => {
    const spec: KedaSpec = activationThreshold === undefined ? base : { ...base, activationThreshold };
    const { read } = kedaReadTrigger(spec, newKedaState(0), one(value));
    expect(read).toEqual({ value: Number(value), active, fallback: false });
  });

  it('metric quantity: the served value has 3 decimals and no negatives (scaler.go quantityFromFloat64)', () => {
    expect(kedaReadTrigger(base, newKedaState(0), one('1.23456')).read).toMatchObject({ value: 1.235 });
    expect(kedaReadTrigger(base, newKedaState(0), one('-3')).read).toEqual({ value: 0, active: false, fallback: false });
  });
});

describe('kedaReadTrigger: fallback', () => {
  const spec: KedaSpec = { ...base, fallback: { failureThreshold: 3, replicas: 4 } };
  /** Reads in order, threading state; an error read is shown by its kind. */
  function reads(outcomes: PromQueryOutcome[]): (number | 'error')[] {
    let state = newKedaState(0);
    return outcomes.map((o) => {
      const r = kedaReadTrigger(spec, state, o);
      state = r.state;
      return 'error' in r.read ? 'error' : r.read.value;
    });
  }

  it.each<[string, PromQueryOutcome[], (number | 'error')[]]>([
    // failureThreshold 3: failures 1-3 are errors; the 4th (> 3) serves 4 replicas × threshold 5 = 20.
    [
      'fallback: after failureThreshold+1 failures the metric is fallback.replicas × threshold = 20 (fallback.go GetMetricsWithFallback)',
      [down, down, down, down, down],
      ['error', 'error', 'error', 20, 20],
    ],
    [
      'fallback recovery: a successful read serves the real value and resets the count (fallback.go GetMetricsWithFallback)',
      [down, down, down, down, one('7'), down, down, down, down],
      ['error', 'error', 'error', 20, 7, 'error', 'error', 'error', 20],
    ],
    [
      'fallback: a success between failures resets the count, so 2 + 3 failures stay below threshold 3 (fallback.go GetMetricsWithFallback)',
      [down, down, one('1'), down, down, down],
      ['error', 'error', 1, 'error', 'error', 'error'],
    ],
  ])('%s', (_, outcomes, expected) => {
    expect(reads(outcomes)).toEqual(expected);
  });

  it('fallback: the generated HPA turns the fallback value into fallback.replicas (fallback.go doFallback + replica_calculator.go)', () => {
    let state = newKedaState(0);
    let read: TriggerRead = { error: '' };
    for (let i = 0; i < 4; i++) ({ read, state } = kedaReadTrigger(spec, state, down));
    // 20 / (5 × 2) = 2 → ceil(20 / 5) = 4; legacy limit max(2×2, 4) = 4.
    const { decision } = kedaHpaSync(spec, state, { now: 0, currentReplicas: 2, read });
    expect(decision).toMatchObject({ proposal: 4, after: 4 });
  });
});

describe("kedaReadTrigger: KEDA's own fallback test cases (pkg/fallback/fallback_test.go, v2.21.0)", () => {
  const withFallback = (failureThreshold: number, replicas: number, threshold = 3): KedaSpec => ({
    ...base,
    threshold,
    fallback: { failureThreshold, replicas },
  });
  const failingAt = (n: number): KedaState => ({ ...newKedaState(0), failures: n });
  type Expected = { value: number } | { error: string };
  // Each row: upstream It(...) name, spec (metricSpec target = threshold), starting numberOfFailures, outcome,
  // then the value or error GetMetricsWithFallback returns and numberOfFailures after it.
  it.each<[string, KedaSpec, number, PromQueryOutcome, Expected, number]>([
    ['should return the expected metric when fallback is disabled', base, 0, one('5'), { value: 5 }, 0],
    ['should initialise the health status on success when fallback is enabled and status is empty', withFallback(3, 10), 0, one('6'), { value: 6 }, 0],
    ['should reset the health status when scaler metrics are available when fallback is enabled', withFallback(3, 10), 5, one('6'), { value: 6 }, 0],
    ['should not reset the health status when fallback is not enabled', base, 5, one('6'), { value: 6 }, 5],
    ['should propagate the error when fallback is disabled', base, 0, { error: 'some error' }, { error: 'some error' }, 0],
    ['should bump the number of failures when metrics call fails', withFallback(3, 10, 10), 0, { error: 'some error' }, { error: 'some error' }, 1],
    ['should return a normalised metric when number of failures are beyond threshold', withFallback(3, 10, 10), 3, { error: 'some error' }, { value: 100 }, 4],
    [
      'should return error when fallback is enabled but scaledobject has invalid parameter',
      withFallback(-3, 10, 10),
      3,
      { error: 'some error' },
      { error: 'some error' },
      3,
    ],
    // Not upstream cases, same rules: failureThreshold 0 is valid (HasValidFallback: >= 0), so the first failure falls back.
    ['failureThreshold 0: the first failure already exceeds it', withFallback(0, 2, 5), 0, { error: 'some error' }, { value: 10 }, 1],
    ['an invalid fallback is not tracked on success either', withFallback(3, -1), 5, one('6'), { value: 6 }, 5],
  ])('%s (fallback.go GetMetricsWithFallback)', (_, spec, start, outcome, expected, failuresAfter) => {
    const { read, state } = kedaReadTrigger(spec, failingAt(start), outcome);
    expect('error' in read ? { error: read.error } : { value: read.value }).toEqual(expected);
    expect(state.failures).toBe(failuresAfter);
  });

  it.each<[number, number, boolean]>([
    [3, 10, true],
    [0, 0, true],
    [-3, 10, false],
    [3, -1, false],
  ])('HasValidFallback: failureThreshold %i, replicas %i → %s (fallback.go HasValidFallback)', (failureThreshold, replicas, valid) =>
    expect(hasValidFallback({ failureThreshold, replicas })).toBe(valid),
  );
});

describe('kedaPoll', () => {
  const at = (lastActive?: number): KedaState => ({ ...newKedaState(0), ...(lastActive === undefined ? {} : { lastActiveTime: lastActive * 1000 }) });
  const active: TriggerRead = { value: 12, active: true, fallback: false };
  const idle: TriggerRead = { value: 0, active: false, fallback: false };
  const failing: TriggerRead = { error: 'prometheus query returned multiple elements' };

  it.each<[string, KedaSpec, KedaState, number, number, TriggerRead, KedaAction, number]>([
    ['scale from zero: active at 0 → max(min, 1) = 1 (scale_scaledobjects.go scaleFromZeroOrIdle)', base, at(), 10, 0, active, 'activate', 1],
    [
      'scale from zero: active at 0 with minReplicaCount 2 → 2 (scale_scaledobjects.go scaleFromZeroOrIdle)',
      { ...base, minReplicaCount: 2 },
      at(),
      10,
      0,
      active,
      'activate',
      2,
    ],
    ['activation: active above 0 leaves scaling to the HPA (scale_scaledobjects.go RequestScale)', base, at(), 10, 3, active, 'keepActive', 3],
    [
      'cooldown: inactive 200 s after last active, cooldown 300 s → stays 3 (scale_scaledobjects.go scaleToZeroOrIdle)',
      base,
      at(100),
      300,
      3,
      idle,
      'coolingDown',
      3,
    ],
    [
      'cooldown: exactly lastActive + cooldown is not yet past (Before is strict) → stays 3 (scale_scaledobjects.go scaleToZeroOrIdle)',
      base,
      at(100),
      400,
      3,
      idle,
      'coolingDown',
      3,
    ],
    ['cooldown: 301 s after last active → scale to zero (scale_scaledobjects.go scaleToZeroOrIdle)', base, at(100), 401, 3, idle, 'deactivate', 0],
    [
      'idleReplicaCount: inactive past cooldown → idle 1, not min 2 (scale_scaledobjects.go getIdleOrMinimumReplicaCount)',
      { ...base, minReplicaCount: 2, idleReplicaCount: 1 },
      at(0),
      301,
      3,
      idle,
      'deactivate',
      1,
    ],
    [
      'idleReplicaCount: active at idle 1 below min 2 → min 2 (scale_scaledobjects.go RequestScale)',
      { ...base, minReplicaCount: 2, idleReplicaCount: 1 },
      at(0),
      500,
      1,
      active,
      'activate',
      2,
    ],
    [
      'minReplicaCount 2 without idle: inactive at 3 stays, the HPA scales in (scale_scaledobjects.go RequestScale)',
      { ...base, minReplicaCount: 2 },
      at(0),
      1000,
      3,
      idle,
      'none',
      3,
    ],
    [
      'minReplicaCount 2 without idle: inactive below min → min (scale_scaledobjects.go RequestScale)',
      { ...base, minReplicaCount: 2 },
      at(0),
      1000,
      1,
      idle,
      'toMin',
      2,
    ],
    [
      'initialCooldownPeriod: never active, 30 s after creation with 60 s initial cooldown → stays (scale_scaledobjects.go scaleToZeroOrIdle)',
      { ...base, initialCooldownPeriodMs: 60_000 },
      at(),
      30,
      2,
      idle,
      'coolingDown',
      2,
    ],
    [
      'initialCooldownPeriod: never active, default 0 → scale to zero at once (scale_scaledobjects.go scaleToZeroOrIdle)',
      base,
      at(),
      1,
      2,
      idle,
      'deactivate',
      0,
    ],
    [
      'initialCooldownPeriod 0: created at 1.5 s, polled at 1.6 s → zero, the creationTimestamp being 1 s (metav1.Time whole seconds; scale_scaledobjects.go scaleToZeroOrIdle)',
      base,
      { ...newKedaState(1500) },
      1.6,
      2,
      idle,
      'deactivate',
      0,
    ],
    [
      'cooldown: lastActiveTime 100.9 s is stored as 100 s, so 110.5 s is past a 10 s cooldown (metav1.Time whole seconds; scale_scaledobjects.go scaleToZeroOrIdle)',
      { ...base, cooldownPeriodMs: 10_000 },
      { ...newKedaState(0), lastActiveTime: 100_900 },
      110.5,
      2,
      idle,
      'deactivate',
      0,
    ],
    ['trigger error without fallback: no scaling (scale_scaledobjects.go RequestScale)', base, at(0), 1000, 3, failing, 'triggerError', 3],
    [
      'trigger error with fallback pending: no scale to zero (scale_scaledobjects.go RequestScale)',
      { ...base, fallback: { failureThreshold: 3, replicas: 4 } },
      at(0),
      1000,
      3,
      failing,
      'awaitFallback',
      3,
    ],
    [
      'fallback active counts as active: at 0 → 1, the HPA takes it to fallback.replicas (scale_handler.go isActiveOrFallback)',
      { ...base, fallback: { failureThreshold: 3, replicas: 4 } },
      at(),
      10,
      0,
      { value: 20, active: true, fallback: true },
      'activate',
      1,
    ],
  ])('%s', (_, spec, state, tSec, cur, read, action, after) => {
    const { decision } = kedaPoll(spec, state, { now: tSec * 1000, currentReplicas: cur, read });
    expect(decision.action).toBe(action);
    expect(decision.after).toBe(after);
  });
});

describe('KEDA over time: operator poll and generated HPA together', () => {
  type Step = [loop: 'poll' | 'hpa', tSec: number, cur: number, query: PromQueryOutcome];
  function run(spec: KedaSpec, steps: Step[]): number[] {
    let state = newKedaState(0);
    return steps.map(([loop, t, cur, q]) => {
      const r = kedaReadTrigger(spec, state, q);
      state = r.state;
      const step =
        loop === 'poll'
          ? kedaPoll(spec, state, { now: t * 1000, currentReplicas: cur, read: r.read })
          : kedaHpaSync(spec, state, { now: t * 1000, currentReplicas: cur, read: r.read });
      state = step.state;
      return step.decision.after;
    });
  }

  it.each<[string, KedaSpec, Step[], number[]]>([
    // poll 0: 12 waiting, active at 0 → 1. hpa 15: 12/(5×1) → ceil(12/5) = 3 (limit max(2, 4)). poll 30: 0, cooling down.
    // hpa 45: proposal 0 but the 3 from t=15 holds (legacy window). poll 301: past 0 + 300 s → 0. hpa 315: at 0, scaling disabled.
    // poll 330: 6 > 0 → back to 1.
    [
      'scale to zero and back up from zero (scale_scaledobjects.go RequestScale, horizontal.go reconcileAutoscaler)',
      base,
      [
        ['poll', 0, 0, one('12')],
        ['hpa', 15, 1, one('12')],
        ['poll', 30, 3, one('0')],
        ['hpa', 45, 3, one('0')],
        ['poll', 301, 3, one('0')],
        ['hpa', 315, 0, one('0')],
        ['poll', 330, 0, one('6')],
      ],
      [1, 3, 3, 3, 0, 0, 1],
    ],
    // An active poll at 200 renews lastActiveTime, so at 301 the cooldown runs until 500.
    [
      'cooldown: an active poll restarts the cooldown (scale_scaledobjects.go RequestScale)',
      base,
      [
        ['poll', 0, 0, one('12')],
        ['poll', 200, 2, one('1')],
        ['poll', 301, 2, one('0')],
        ['poll', 501, 2, one('0')],
      ],
      [1, 2, 2, 0],
    ],
  ])('%s', (_, spec, steps, afters) => {
    expect(run(spec, steps)).toEqual(afters);
  });
});

describe('generated HPA', () => {
  it.each<[string, KedaSpec, { minReplicas?: number; maxReplicas: number }]>([
    [
      'generated HPA: minReplicas = max(1, minReplicaCount 0) = 1, maxReplicas = maxReplicaCount (scaledobject_types.go GetHPAMinReplicas)',
      { query: Q, threshold: 5, maxReplicaCount: 8 },
      { minReplicas: 1, maxReplicas: 8 },
    ],
    [
      'generated HPA: minReplicaCount 3 carries over; maxReplicaCount defaults to 100 (scaledobject_types.go GetHPAMaxReplicas)',
      { query: Q, threshold: 5, minReplicaCount: 3 },
      { minReplicas: 3, maxReplicas: 100 },
    ],
  ])('%s', (_, spec, expected) => {
    expect(kedaHpaSpec(spec)).toEqual(expected);
  });

  it('generated HPA: behavior from advanced, none → the legacy path (controllers/keda/hpa.go newHPAForScaledObject)', () => {
    const behavior = { scaleUp: { selectPolicy: 'Max' as const } };
    expect(kedaHpaSpec({ ...base, behavior }).behavior).toBe(behavior);
    // With a behavior the default policies cap 1 → max(1+4, 2) = 5; the legacy path caps at max(2×1, 4) = 4.
    const sync = (spec: KedaSpec): number =>
      kedaHpaSync(spec, newKedaState(0), { now: 0, currentReplicas: 1, read: { value: 50, active: true, fallback: false } }).decision.after;
    expect(sync({ ...base, behavior: {} })).toBe(5);
    expect(sync(base)).toBe(4);
  });

  it('matrix mapping: a keda autoscaler becomes a ScaledObject, maxReplicaCount from the deployment (scaledobject_types.go ScaledObjectSpec)', () => {
    const a = {
      kind: 'keda',
      name: 'k',
      query: Q,
      threshold: 5,
      activationThreshold: 0,
      pollingIntervalMs: 30_000,
      cooldownPeriodMs: 300_000,
      minReplicas: 0,
      syncPeriodMs: 15_000,
      tolerance: 0.1,
      fallback: { failureThreshold: 3, replicas: 2 },
    } as const;
    expect(kedaSpecFor(a, { replicas: { start: 1, min: 1, max: 6 } })).toEqual({
      query: Q,
      threshold: 5,
      activationThreshold: 0,
      minReplicaCount: 0,
      maxReplicaCount: 6,
      cooldownPeriodMs: 300_000,
      fallback: { failureThreshold: 3, replicas: 2 },
    });
  });
});

describe('kedaReplay: the emulator on a recorded signal', () => {
  // Signal: 0 until 10 s, 2 held requests from 10 s to 14 s, 0 after. Poll 5 s, sync 3 s, cooldown 10 s, min 0.
  const spec: KedaSpec = { query: Q, threshold: 3, minReplicaCount: 0, maxReplicaCount: 4, cooldownPeriodMs: 10_000 };
  const signal = (t: number): PromQueryOutcome => one(t >= 10_000 && t < 14_000 ? '2' : '0');
  const steps = kedaReplay({ spec, startMs: 0, endMs: 40_000, pollingIntervalMs: 5000, syncPeriodMs: 3000, startReplicas: 1, outcomeAt: signal });

  it('never active: to zero at the first poll strictly after creation + initialCooldownPeriod 0 (5 s); active at the 10 s poll → 1 (scale_scaledobjects.go RequestScale)', () => {
    expect(steps[0]).toMatchObject({ t: 0, loop: 'poll', replicas: 1 });
    expect(steps.find((x) => x.replicas === 0)).toMatchObject({ t: 5000, loop: 'poll' });
    expect(steps.find((x) => x.t > 5000 && x.replicas > 0)).toMatchObject({ t: 10_000, loop: 'poll', replicas: 1 });
  });

  it('back to zero at the first poll strictly after lastActiveTime + cooldown: 10 s + 10 s → 25 s (scale_scaledobjects.go scaleToZeroOrIdle)', () => {
    expect(steps.find((x) => x.t > 10_000 && x.replicas === 0)).toMatchObject({ t: 25_000, loop: 'poll' });
  });
});
