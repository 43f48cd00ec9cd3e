import { describe, expect, it } from 'vitest';
import { cellAnatomy, replicaSecondsAbove, sampledMetric, type RequestColumns } from '../../src/analysis/anatomy.js';
import { summarizeScaling } from '../../src/analysis/scaling.js';
import { expandCells } from '../../src/matrix/expand.js';
import { parseMatrix } from '../../src/matrix/load.js';
import type { ResolvedAutoscaler } from '../../src/matrix/types.js';
import type { Sample } from '../../src/results/samples.js';
import { projectCatalog } from '../../src/catalog/catalog.js';
import type { RunEvent } from '../../src/results/events.js';

const matrix = parseMatrix(
  `name: anatomy
slo: { ttft_ms_p95: 300ms }
workload: { profile: tiny }
deployments:
  - { name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 }, replicas: { start: 1, min: 1, max: 4 } }
autoscalers:
  - { name: fixed, kind: fixed }
  - { name: queue, kind: hpa-custom, metric: "vllm:num_requests_waiting", target: 2 }
load: { shape: step, low: 0.25, users: [16], duration: 30s }
sample_interval: 1s
`,
  'anatomy.yaml',
  projectCatalog(),
);
const [fixedCell, queueCell] = expandCells(matrix);
const T0 = 1_800_000_000_000;
const at = (s: number): number => T0 + s * 1000;

/**
 * The load steps up at 10 s and down at 20 s. The queue crosses its target in
 * the sample at 11 s, the HPA orders a replica at 12 s, it starts at 12.2 s
 * and is ready at 14 s; it goes at 25 s. Requests every 100 ms: TTFT 500 ms
 * from the step until 14.5 s, 40 ms otherwise.
 */
function synthetic(): { samples: Sample[]; events: RunEvent[]; requests: RequestColumns } {
  const samples: Sample[] = [];
  for (let s = 0; s <= 35; s++) {
    const replicas = s >= 14 && s < 25 ? 2 : 1;
    const waiting = s >= 11 && s < 15 ? 8 : 0;
    samples.push({
      t: at(s),
      elapsed_s: s,
      phase: 'load',
      offered: s >= 10 && s < 20 ? 16 : 4,
      replicas: { desired: replicas, current: replicas, ready: replicas },
      requests: 0,
      failures: 0,
      server: { waiting },
    });
  }
  const events: RunEvent[] = [
    { t: at(-1), kind: 'replica-started', pod: 'p-0' },
    { t: at(-0.5), kind: 'replica-ready', pod: 'p-0', startupMs: 0 },
    {
      t: at(12),
      kind: 'autoscaler',
      autoscaler: 'waiting',
      autoscalerKind: 'hpa-custom',
      loop: 'hpa',
      time: at(12),
      before: 1,
      after: 2,
      proposal: 2,
      stabilized: 2,
      metrics: [{ name: 'vllm_num_requests_waiting', value: 8, proposal: 2 }],
    },
    { t: at(12), kind: 'scale', from: 1, to: 2, reason: 'test' },
    { t: at(12.2), kind: 'replica-started', pod: 'p-1' },
    { t: at(14), kind: 'replica-ready', pod: 'p-1', startupMs: 0 },
    { t: at(25), kind: 'scale', from: 2, to: 1, reason: 'test' },
    { t: at(25), kind: 'replica-draining', pod: 'p-1' },
    { t: at(25.5), kind: 'replica-stopped', pod: 'p-1' },
  ];
  const t: number[] = [];
  const ttft: number[] = [];
  // Written in completion order, not start order: the anatomy must not assume sorted starts.
  for (let ms = 29_900; ms >= 0; ms -= 100) {
    t.push(at(ms / 1000) + 50);
    ttft.push(ms >= 10_000 && ms < 14_500 ? 500 : 40);
  }
  const n = t.length;
  return { samples, events, requests: { t, ok: new Uint8Array(n).fill(1), ttft, tpot: new Array<number>(n).fill(10), e2e: ttft.map((x) => x + 150) } };
}

describe('the anatomy of a scale-up and a scale-down', () => {
  const { samples, events, requests } = synthetic();
  const a = cellAnatomy({ cell: queueCell!, slo: matrix.slo, loadStart: T0, samples, events, requests, windowMs: 1000 });
  const [up, down] = a.episodes;

  it('times every milestone after the load change, in order, the first four stages summing to the scale-up lag', () => {
    expect(up!.marks).toEqual({ metric: 1, decision: 2, started: 2.2, ready: 4, served: 4.05 });
    expect(up!.crossing).toEqual({ source: 'samples', target: 2 });
    expect(up!.stages.map((s) => [s.name, s.fromS, s.toS])).toEqual([
      ['detect', 0, 1],
      ['decide', 1, 2],
      ['start', 2, 2.2],
      ['load', 2.2, 4],
      ['route', 4, 4.05],
      ['after', 4.05, 10],
    ]);
    const lag = summarizeScaling(samples, events, { gpusPerReplica: 1, loadStart: T0, riseAt: at(10), fallAt: at(20) }).scaleUpLagS;
    const firstFour = up!.stages.slice(0, 4).reduce((s, x) => s + (x.toS - x.fromS), 0);
    expect(up!.lagS).toBe(lag);
    expect(firstFour).toBeCloseTo(lag!, 9);
  });

  it('puts each SLO-violation second and request in the stage it fell in', () => {
    // Windows 10–15 s miss the SLO (their p95 TTFT is 500 ms): 1 s detect, 1 s decide, 0.2 start, 1.8 load, 0.05 route, 0.95 after.
    expect(up!.stages.map((s) => s.violationS)).toEqual([1, 1, 0.2, 1.8, 0.05, 0.95]);
    expect(up!.violationS).toBe(5);
    // Requests start at x.x50 s: 10 in each second; the slow ones are those started before 14.55 s.
    expect(up!.stages.map((s) => s.violating)).toEqual([10, 10, 2, 18, 0, 5]);
    expect(up!.violating).toBe(45);
  });

  it('follows the scale-down to the replica stopped, with the replica-seconds above the minimum', () => {
    expect(down!.marks).toEqual({ decision: 5, draining: 5, stopped: 5.5 });
    expect(down!.stages.map((s) => [s.name, s.fromS, s.toS, s.overProvisionedReplicaS])).toEqual([
      // From the samples, by the trapezoid rule as replica-seconds are: the count fell between the samples at 24 and 25 s.
      ['decide', 0, 5, 4.5],
      ['remove', 5, 5, 0],
      ['drain', 5, 5.5, 0],
      ['after', 5.5, 15, 0],
    ]);
    expect(down!.overProvisionedReplicaS).toBe(4.5);
    expect(down!.violationS).toBe(0);
  });

  it('a fixed deployment never scales: one unended stage holds every violation', () => {
    const f = cellAnatomy({ cell: fixedCell!, slo: matrix.slo, loadStart: T0, samples, events: events.slice(0, 2), requests, windowMs: 1000 });
    expect(f.episodes[0]!.stages).toEqual([{ name: 'detect', fromS: 0, toS: 10, ended: false, violationS: 5, requests: 100, violating: 45 }]);
    expect(f.episodes[0]!.marks).toEqual({});
  });

  it('on the kubernetes target (rescale and pod-Ready events only): start and load are one stage, the crossing from the samples', () => {
    const k8s: RunEvent[] = [
      { t: at(12), kind: 'scale', from: 1, to: 2, reason: 'test' },
      { t: at(14), kind: 'replica-ready', pod: 'sim-abc', startupMs: 0 },
    ];
    const [u] = cellAnatomy({ cell: queueCell!, slo: matrix.slo, loadStart: T0, samples, events: k8s, requests, windowMs: 1000 }).episodes;
    expect(u!.marks).toEqual({ metric: 1, decision: 2, started: 2, ready: 4, served: 4.05 });
    expect(u!.lagS).toBe(4);
    // Without the sampler's series either, the metric's crossing is placed at the decision that acted on it.
    const blind = samples.map((x) => ({ ...x, server: {} }));
    expect(
      cellAnatomy({ cell: queueCell!, slo: matrix.slo, loadStart: T0, samples: blind, events: k8s, requests, windowMs: 1000 }).episodes[0]!.marks.metric,
    ).toBe(2);
  });

  it('reads the metric as the sampler saw it, per ready replica (KEDA: the sum against threshold × replicas)', () => {
    const s = samples[12]!;
    expect(sampledMetric(queueCell!.autoscaler, s)).toEqual({ value: 8, target: 2 });
    expect(sampledMetric({ ...queueCell!.autoscaler, query: 'x' } as ResolvedAutoscaler, s)).toBeUndefined();
    expect(sampledMetric(fixedCell!.autoscaler, s)).toBeUndefined();
    expect(replicaSecondsAbove(samples, 1, at(0), at(35))).toBeCloseTo(11, 9);
  });
});
