import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/results/events.js';
import { analyzeCell, type CellAnalysis } from '../../src/analysis/cell-analysis.js';
import { PointAccumulator } from '../../src/analysis/cell-summary.js';
import type { RawPoint } from '../../src/results/points.js';
import { setOverProvisioning } from '../../src/analysis/run-analysis.js';
import { loadSteps, replicaSeconds } from '../../src/analysis/scaling.js';
import { serverStats } from '../../src/analysis/server.js';
import { recovery, sloWindows } from '../../src/analysis/windows.js';
import { expandCells } from '../../src/matrix/expand.js';
import { parseMatrix } from '../../src/matrix/load.js';
import type { Sample, ServerFigures } from '../../src/results/samples.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const matrix = (load: string): ReturnType<typeof parseMatrix> =>
  parseMatrix(
    `name: t
slo: { ttft_ms_p95: 200ms }
deployments: [{ name: d, model: m, gpu: { type: L4, count: 2 }, simulator: { ttft: 30ms, itl: 10ms } }]
load: ${load}
sample_interval: 1s
`,
    't.yaml',
    projectCatalog(),
  );
const point = (t: number, ttft: number, ok = true): RawPoint => ({
  t,
  phase: 'main',
  ok,
  status: ok ? 200 : 503,
  ttft_ms: ok ? ttft : null,
  tpot_ms: ok ? 10 : null,
  e2e_ms: ttft + 100,
  itl_ms: [],
  prompt_tokens: 32,
  output_tokens: 16,
});
const sample = (s: number, replicas: number, server: ServerFigures = {}): Sample => ({
  t: s * 1000,
  elapsed_s: s,
  phase: 'load',
  offered: 8,
  replicas: { desired: replicas, current: replicas, ready: replicas },
  requests: 0,
  failures: 0,
  server,
});

describe('load steps from the shape k6 is given', () => {
  it.each([
    // step: low for a third, up (1 s edge), down after two thirds
    ['{ shape: step, low: 0.25, users: [8], duration: 30s }', { upMs: 10_000, downMs: 20_000 }],
    ['{ shape: step, low: 0.25, users: [8], duration: 30s, warmup: 5s }', { upMs: 15_000, downMs: 25_000 }],
    // spike of 6 s in the middle of 30 s
    ['{ shape: spike, low: 0.25, users: [8], duration: 30s, spike: 6s }', { upMs: 12_000, downMs: 18_000 }],
    ['{ shape: constant, users: [8], duration: 30s, warmup: 5s }', { upMs: 0, downMs: 35_000 }],
    ['{ shape: ramp, users: [8], duration: 30s, warmup: 5s }', { upMs: 5_000, downMs: 35_000 }],
  ])('%s', (load, want) => {
    expect(loadSteps(expandCells(matrix(load))[0]!)).toEqual(want);
  });
});

describe('client windows after a step, and recovery', () => {
  const acc = new PointAccumulator({ ttft_ms_p95: 200 }, 4000);
  // window 0: p95 of [100, 300] = 100 + 0.95·200 = 290 (miss); window 1: [150, 250] → 245 (miss)
  // window 2: [100, 120] → 119; window 3: [90] and a failure → 90. Requests before the step are not in any window.
  for (const [t, ttft] of [
    [9_500, 999],
    [10_000, 100],
    [10_900, 300],
    [11_000, 150],
    [11_500, 250],
    [12_100, 120],
    [12_200, 100],
    [13_000, 90],
  ] as const)
    acc.add(point(t, ttft));
  acc.add(point(13_500, 0, false));
  const windows = sloWindows(acc, 10_000, 14_000, 1000, acc.slo);

  it('bins requests by start time and takes each window’s p95', () => {
    expect(windows.map((w) => [w.startMs, w.requests, w.errors, w.ttft_ms_p95, w.meets])).toEqual([
      [0, 2, 0, 290, false],
      [1000, 2, 0, 245, false],
      [2000, 2, 0, 119, true],
      [3000, 2, 1, 90, true],
    ]);
  });

  it('recovery ends with the last window that missed: 2 s after the step', () => {
    expect(recovery(windows, 1000)).toEqual({ recovered: true, recoveryS: 2 });
    expect(recovery(windows.slice(2), 1000)).toEqual({ recovered: true, recoveryS: 0 });
    expect(recovery(windows.slice(0, 2), 1000)).toEqual({ recovered: false });
    expect(recovery([], 1000)).toEqual({});
  });
});

describe('replica-seconds', () => {
  const s = [sample(0, 1), sample(10, 1), sample(11, 3), sample(20, 3)];
  it('trapezoids between samples, clipped to the span', () => {
    // 10·1 + (1+3)/2·1 + 9·3 = 39
    expect(replicaSeconds(s, 0)).toBe(39);
    // from 10.5 s: the count at 10.5 s is 2 → (2+3)/2·0.5 + 27 = 28.25; to 15 s: 1.25 + 4·3 = 13.25
    expect(replicaSeconds(s, 10_500)).toBe(28.25);
    expect(replicaSeconds(s, 10_500, 15_000)).toBe(13.25);
  });
});

describe('server quantiles from samples', () => {
  it('the median of the windowed values, the worst window, and the bucket holding the median', () => {
    const st = serverStats(
      [
        sample(0, 1, { server_ttft_ms_p95: 39, waiting: 0 }),
        sample(1, 1, { server_ttft_ms_p95: 120, waiting: 2 }),
        sample(2, 1, { server_ttft_ms_p95: 70, waiting: 4 }),
        sample(3, 1, { server_ttft_ms_p95: null, waiting: 6 }),
      ],
      3000,
    );
    expect(st.ttft.p95).toEqual({ ms: 70, maxMs: 120, bucketMs: [60, 80] });
    expect(st.waiting).toEqual({ mean: 3, p95: 5.7, max: 6 });
    // least squares slope of waiting over elapsed seconds is 2/s, over the 3 s main phase
    expect(st.waitingGrowth).toBe(6);
  });
});

describe('one cell, analysed', () => {
  const cell = expandCells(matrix('{ shape: step, low: 0.25, users: [8], duration: 30s }'))[0]!;
  const samples = Array.from({ length: 31 }, (_, s) => sample(s, s >= 13 && s < 25 ? 2 : 1));
  const events: RunEvent[] = [
    { t: 11_500, kind: 'scale', from: 1, to: 2, reason: 'test' },
    { t: 12_800, kind: 'replica-ready', pod: 'p-1', startupMs: 0 },
    { t: 24_500, kind: 'scale', from: 2, to: 1, reason: 'test' },
  ];
  const acc = new PointAccumulator({ ttft_ms_p95: 200 }, 30_000);
  for (let t = 0; t < 30_000; t += 250) acc.add(point(t, t >= 10_000 && t < 13_000 ? 400 : 50));
  const a = analyzeCell({
    cell,
    entry: { id: cell.id, index: 0, status: 'done', attempts: 1 },
    samples,
    events,
    client: acc.summary(),
    windows: sloWindows(acc, 10_000, 20_000, 1000, acc.slo),
    windowMs: 1000,
    gpuUsdPerHour: 0.8,
  });

  it('scale-up lag on the synthetic step: decision 1.5 s, replica ready 2.8 s, SLO met again 3 s after the step', () => {
    expect(a.scaling).toMatchObject({ scaleUpDecisionLagS: 1.5, scaleUpLagS: 2.8, recovered: true, recoveryS: 3, scaleDownLagS: 4.5, oscillations: 1 });
  });

  it('replica-seconds, GPU-hours (2 GPUs a replica) and cost', () => {
    // 30 one-second intervals: 17 at 1 replica, [12,13] and [24,25] at 1.5, the 11 of [13,24] at 2 → 42
    expect(a.scaling).toMatchObject({ replicaSeconds: 42, gpuHours: 0.023333, costUsd: 0.018667, replicasMax: 2, mainReplicaSeconds: 42 });
  });

  it('attainment: 12 of 120 requests over 200 ms TTFT', () => {
    expect(a.client?.slo.attainment).toBe(0.9);
    expect(a.saturation).toBe('stable');
  });

  it('over-provisioning against the best cell of the deployment', () => {
    // this cell: 108 good requests in 42 replica-seconds; a cell twice as tight (21) sets the capacity, 108 / 21
    const tight: CellAnalysis = { ...a, scaling: { ...a.scaling!, mainReplicaSeconds: 21 } };
    const cells = [a, tight];
    expect(setOverProvisioning(cells)).toEqual({ d: 5.1429 });
    expect([cells[0]!.overProvisioning, cells[1]!.overProvisioning]).toEqual([1, 0]);
  });
});
