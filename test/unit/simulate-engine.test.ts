import { describe, expect, it } from 'vitest';
import { expandCells } from '../../src/matrix/expand.js';
import { parseMatrix } from '../../src/matrix/load.js';
import type { Cell, ResolvedMatrix } from '../../src/matrix/types.js';
import { simulateCell, type SimCellOutcome, type SimPoint } from '../../src/simulate/engine.js';
import { simLoad } from '../../src/simulate/load.js';
import { capacityModelService } from '../../src/simulate/service.js';
import { projectCatalog } from '../../src/catalog/catalog.js';
import type { SimTiming } from '../../src/simulate/timing.js';

/** A matrix of one deployment, from YAML lines for the parts a test varies. */
function matrix(o: { seqs: number; replicas: string; autoscaler?: string; load: string; slo?: string; scrape?: string; itl?: string }): {
  m: ResolvedMatrix;
  cells: Cell[];
} {
  const m = parseMatrix(
    `name: t
target: { kind: local, scrape_interval: ${o.scrape ?? '1s'} }
slo: ${o.slo ?? '{ ttft_ms_p95: 1s }'}
workload: { profile: tiny }
deployments:
  - name: d
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: ${o.seqs} }
    replicas: ${o.replicas}
    simulator: { ttft: 50ms, itl: ${o.itl ?? '10ms'}, time_factor_under_load: 1, startup: 2s }
autoscalers:
  - ${o.autoscaler ?? '{ name: fixed, kind: fixed }'}
load: ${o.load}
sample_interval: 1s
`,
    't.yaml',
    projectCatalog(),
  );
  return { m, cells: expandCells(m) };
}

function run(
  m: ResolvedMatrix,
  cell: Cell,
  timing: Partial<SimTiming> = {},
): { out: SimCellOutcome; points: SimPoint[]; events: Array<Record<string, unknown>> } {
  const points: SimPoint[] = [];
  const events: Array<Record<string, unknown>> = [];
  const out = simulateCell({
    cell,
    matrix: m,
    service: capacityModelService(projectCatalog(), cell.deployment, m),
    load: simLoad(cell, m.workload),
    startMs: 0,
    timing: { clientOverheadMs: 0, iterationOverheadMs: 0, queryMs: 0, ...timing },
    sink: { point: (p) => points.push({ ...p }), event: (e) => events.push(e) },
  });
  return { out, points, events };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe('simulateCell: queueing', () => {
  it("closed loop below max_num_seqs: every request takes TTFT + 15 ITL, throughput is Little's law", () => {
    const { m, cells } = matrix({ seqs: 16, replicas: '{ start: 1, min: 1, max: 1 }', load: '{ shape: constant, users: [8], duration: 60s, settle: 0s }' });
    const { points } = run(m, cells[0]!);
    const main = points.filter((p) => p.main);
    const service = 50 + 15 * 10; // tiny: 16 output tokens
    for (const p of main) {
      expect(p.ttftMs).toBeCloseTo(50, 6);
      expect(p.e2eMs).toBeCloseTo(service, 6);
    }
    // N = X · R: 8 users over a 200 ms cycle.
    expect(main.length / 60).toBeCloseTo(8 / (service / 1000), 0);
  });

  it('closed loop above max_num_seqs: the extra users wait in the queue (cycle = users × service / slots)', () => {
    const { m, cells } = matrix({ seqs: 4, replicas: '{ start: 1, min: 1, max: 1 }', load: '{ shape: constant, users: [12], duration: 60s, settle: 0s }' });
    const { points, out } = run(m, cells[0]!);
    const from = out.scenarioStartMs + 5000;
    const to = out.scenarioStartMs + 60_000;
    const main = points.filter((p) => p.main && p.t >= from && p.t < to);
    expect(mean(main.map((p) => p.e2eMs))).toBeCloseTo((12 * 200) / 4, -1);
    // X = slots / service: 20 requests/s started in the window.
    expect(main.length / 55).toBeCloseTo(4 / 0.2, 0);
  });

  it('M/D/1: Poisson arrivals on one slot wait ρS / 2(1 − ρ) on average', () => {
    // S = 200 ms, λ = 3.5/s: ρ = 0.7, Wq = 0.7 × 200 / 0.6 = 233 ms.
    const { m, cells } = matrix({
      seqs: 1,
      replicas: '{ start: 1, min: 1, max: 1 }',
      load: '{ shape: arrival-rate, rates: [3.5], arrival: { process: poisson }, duration: 2h, settle: 0s }',
    });
    const { points } = run(m, cells[0]!);
    const wait = mean(points.filter((p) => p.main).map((p) => p.ttftMs - 50));
    expect(wait).toBeGreaterThan(233 * 0.93);
    expect(wait).toBeLessThan(233 * 1.07);
  });

  it('M/D/c: one replica with 4 slots and a shared queue waits as M/D/4 (half the M/M/4 wait, Cosmetatos)', () => {
    // S = 200 ms, c = 4, λ = 16/s: ρ = 0.8. M/M/4 Wq = C(4, 3.2) S / (c(1 − ρ)) with Erlang C = 0.5964 → 149 ms; M/D/4 ≈ 75 ms.
    const { m, cells } = matrix({
      seqs: 4,
      replicas: '{ start: 1, min: 1, max: 1 }',
      load: '{ shape: arrival-rate, rates: [16], arrival: { process: poisson }, duration: 1h, settle: 0s }',
    });
    const { points } = run(m, cells[0]!);
    const wait = mean(points.filter((p) => p.main).map((p) => p.ttftMs - 50));
    expect(wait).toBeGreaterThan(75 * 0.85);
    expect(wait).toBeLessThan(75 * 1.15);
  });

  it('the router spreads by least requests: two replicas at 12 users carry 6 each, no queue', () => {
    const { m, cells } = matrix({ seqs: 8, replicas: '{ start: 2, min: 2, max: 2 }', load: '{ shape: constant, users: [12], duration: 30s, settle: 0s }' });
    const { points } = run(m, cells[0]!);
    expect(Math.max(...points.map((p) => p.ttftMs))).toBeCloseTo(50, 6);
  });
});

describe('simulateCell: the autoscaler through the metric pipeline', () => {
  const hpa = matrix({
    seqs: 64,
    replicas: '{ start: 1, min: 1, max: 8 }',
    autoscaler: '{ name: hpa, kind: hpa-custom, metric: "vllm:num_requests_running", target: 10 }',
    load: '{ shape: step, low: 0.25, users: [60], duration: 90s, settle: until-idle }',
  });

  it('syncs every sync period from the load start, sees nothing before Prometheus has discovered the pod, then scales on the scraped gauge', () => {
    const { events, out } = run(hpa.m, hpa.cells[0]!);
    const syncs = events.filter((e) => e.kind === 'autoscaler');
    const times = syncs.map((e) => (e.t as number) - out.loadStart);
    expect(times.slice(0, 3)).toEqual([15_000, 30_000, 45_000]);
    const started = events.find((e) => e.kind === 'replica-started')!.t as number;
    // Prometheus started 100 ms before the replica: its discovery ticks fall at 4900, 9900, … ms after the start.
    const tick = started + 4900;
    for (const e of syncs) {
      const seen = (e.metrics as Array<{ value: number | null }>)[0]!.value;
      if ((e.t as number) < tick) expect(seen).toBeNull();
      else if ((e.t as number) >= tick + 1000) expect(seen).not.toBeNull(); // a scrape (1 s) later
    }
    // 15 users on one replica: 15 running, target 10 → 2; 60 users → 6 (ceil(60/10) at most, within max).
    const scales = events.filter((e) => e.kind === 'scale').map((e) => e.to);
    expect(scales[0]).toBe(2);
    expect(Math.max(...(scales as number[]))).toBeLessThanOrEqual(8);
    expect(Math.max(...(scales as number[]))).toBeGreaterThanOrEqual(6);
  });

  it('a scaled-up replica serves only after its start-up (2 s) plus the ready overhead', () => {
    const { events } = run(hpa.m, hpa.cells[0]!);
    const started = new Map(events.filter((e) => e.kind === 'replica-started').map((e) => [e.pod, e.t as number]));
    for (const e of events.filter((x) => x.kind === 'replica-ready')) expect((e.t as number) - started.get(e.pod)!).toBe(2170);
  });

  it('KEDA: the operator and its HPA poll on their own periods; a queue-free load never activates a waiting trigger', () => {
    const { m, cells } = matrix({
      seqs: 64,
      replicas: '{ start: 1, min: 1, max: 8 }',
      autoscaler: `{ name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="scalebench"})', threshold: 5, min_replicas: 1 }`,
      load: '{ shape: constant, users: [20], duration: 120s, settle: 0s }',
    });
    const { events, out } = run(m, cells[0]!);
    const polls = events.filter((e) => e.loop === 'keda-operator').map((e) => (e.t as number) - out.loadStart);
    expect(polls.slice(0, 2)).toEqual([30_000, 60_000]);
    expect(events.filter((e) => e.kind === 'scale')).toEqual([]);
  });

  it("a new pod's series appear at Prometheus's next discovery tick (every 5 s from its start), then the next scrape", () => {
    const fast = matrix({
      seqs: 64,
      replicas: '{ start: 1, min: 1, max: 8 }',
      autoscaler: '{ name: hpa, kind: hpa-custom, metric: "vllm:num_requests_running", target: 10, sync_period: 1s }',
      load: '{ shape: constant, users: [15], duration: 30s, settle: 0s }',
    });
    const firstSeen = (prometheusStartMs: number): { at: number; loadStart: number } => {
      const { events, out } = run(fast.m, fast.cells[0]!, { prometheusStartMs });
      const e = events.find((x) => x.kind === 'autoscaler' && (x.metrics as Array<{ value: number | null }>)[0]!.value !== null)!;
      return { at: e.t as number, loadStart: out.loadStart };
    };
    // The replica starts at 0, is ready (the load starts) at 2170; scrapes every 1 s from 0, syncs every 1 s from 2170.
    const early = firstSeen(-4900); // ticks at 100, 5100, …: discovered at 100, scraped at 1000, seen by the first sync
    expect(early.at).toBe(early.loadStart + 1000);
    const late = firstSeen(-100); // ticks at 4900, …: scraped at 5000, seen at the sync after (5170)
    expect(late.at).toBe(late.loadStart + 3000);
  });

  it('is deterministic: the same cell twice gives the same events', () => {
    expect(run(hpa.m, hpa.cells[0]!).events).toEqual(run(hpa.m, hpa.cells[0]!).events);
  });
});

describe('simulateCell: the client as k6 runs it', () => {
  it("a scheduled load's due request waits for a free VU of the pool (sent late, t_sched kept), none dropped", () => {
    // One slot, 200 ms a request, Poisson at 10/s: overloaded; the pool is max_vus 4.
    const { m, cells } = matrix({
      seqs: 1,
      replicas: '{ start: 1, min: 1, max: 1 }',
      load: '{ shape: arrival-rate, rates: [10], arrival: { process: poisson }, duration: 20s, warmup: 0s, settle: 0s, max_vus: 4 }',
    });
    const { points, out } = run(m, cells[0]!);
    expect(out.dropped).toBe(0);
    const late = points.filter((p) => p.t - p.tSched > 1);
    expect(late.length).toBeGreaterThan(points.length / 2);
    // Never more than 4 requests in flight.
    const edges = points
      .flatMap(
        (p) =>
          [
            [p.t, 1],
            [p.t + p.e2eMs, -1],
          ] as const,
      )
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    let most = 0;
    for (const [, d] of edges) most = Math.max(most, (n += d));
    expect(most).toBeLessThanOrEqual(4);
    // Sent in due order.
    for (let i = 1; i < points.length; i++) if (points[i]!.t < points[i - 1]!.t) expect(points[i]!.tSched).toBeGreaterThanOrEqual(points[i - 1]!.tSched);
  });

  it('going down, deactivated VUs finish the request they are in (k6 ramping-vus), so in-flight falls no faster than those requests end', () => {
    // 40 → 10 users over 1 s; a request takes 50 + 15 × 100 = 1550 ms: half-way down the edge (25 users) the
    // 15 deactivated VUs have finished only the requests that were near their end.
    const { m, cells } = matrix({
      seqs: 64,
      itl: '100ms',
      replicas: '{ start: 1, min: 1, max: 1 }',
      load: '{ shape: step, low: 0.25, users: [40], duration: 30s, warmup: 0s, settle: 0s }',
    });
    const { points, out } = run(m, cells[0]!);
    const inFlight = (t: number): number => points.filter((p) => p.t <= t && p.t + p.e2eMs > t).length;
    const midEdge = out.scenarioStartMs + 20_500;
    // Uniform residuals: about 15 × (1 − 0.5 / 1.55 × …) still running; the earliest-finisher rule would leave ~27.
    expect(inFlight(midEdge)).toBeGreaterThan(25 + 5);
    expect(inFlight(out.scenarioStartMs + 23_000)).toBe(10);
  });
});
