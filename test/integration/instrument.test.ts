import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizePoints, type RawPoint } from '../../src/analysis/cell-summary.js';
import { runK6 } from '../../src/load/k6-process.js';
import { expandCells } from '../../src/matrix/expand.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { PromClient } from '../../src/metrics/prom.js';
import { readJsonl } from '../../src/results/files.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { findTool } from '../../src/util/tools.js';
import { scratch, writeMatrix } from './helpers.js';

/**
 * The instrument measures what it should: one replica, light load (users ≤
 * max_num_seqs), simulator TTFT T and inter-token latency L. The client's p50
 * must be within 5 % or 3 ms of T (and L), and the simulator's own Prometheus
 * histograms must put every observation in the bucket that holds T (and L).
 */
const T = 70; // ms: inside TTFT bucket (0.06, 0.08]
const L = 20; // ms: inside ITL bucket (0.01, 0.025]

describe('client-side timing against the simulator and Prometheus', () => {
  const dir = scratch();
  let target: LocalTarget;
  let points: RawPoint[] = [];
  let prom: PromClient;
  let sel: string;

  beforeAll(async () => {
    const file = writeMatrix(
      dir,
      'instrument.yaml',
      `name: instrument
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 8 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: ${T}ms, itl: ${L}ms }
load: { shape: constant, users: [4], duration: 8s }
`,
    );
    const matrix = loadMatrix(file);
    const cell = expandCells(matrix)[0]!;
    const cellDir = join(dir, 'cell');
    mkdirSync(cellDir, { recursive: true });
    target = await LocalTarget.open({
      simBinary: findTool('sim'),
      prometheusBinary: findTool('prometheus'),
      routerBinary: findTool('router'),
      scrapeIntervalMs: 500,
      logDir: join(dir, 'logs'),
    });
    await target.deploy({ cell, workload: matrix.workload, dir: cellDir, onEvent: () => {} });
    await target.waitReady(30_000);
    const k6 = await runK6({ k6: findTool('k6'), cell, workload: matrix.workload, endpoint: target.endpoint(), model: target.model(), cellDir });
    expect(k6.failure).toBeUndefined();
    points = readJsonl<RawPoint>(join(cellDir, 'points.jsonl'));
    prom = new PromClient(target.prometheusUrl);
    sel = target.selector();
    await new Promise((r) => setTimeout(r, 1500)); // three scrapes after the last request
  }, 90_000);

  afterAll(async () => {
    await target?.close();
  });

  it('ran enough requests, all successful', () => {
    expect(points.length).toBeGreaterThan(50);
    expect(points.filter((p) => !p.ok)).toEqual([]);
  });

  it(`client TTFT p50 is within 5 % or 3 ms of the simulator's ${T} ms`, () => {
    const s = summarizePoints(points, {}, 8000);
    expect(Math.abs(s.ttftMs.p50! - T)).toBeLessThanOrEqual(Math.max(0.05 * T, 3));
  });

  it(`client inter-token latency p50 is within 5 % or 3 ms of the simulator's ${L} ms`, () => {
    const s = summarizePoints(points, {}, 8000);
    expect(Math.abs(s.itlMs.p50! - L)).toBeLessThanOrEqual(Math.max(0.05 * L, 3));
    expect(Math.abs(s.tpotMs.p50! - L)).toBeLessThanOrEqual(Math.max(0.05 * L, 3));
  });

  it('Prometheus saw every request, each TTFT in the bucket (0.06 s, 0.08 s]', async () => {
    const count = await prom.scalar(`sum(vllm:time_to_first_token_seconds_count{${sel}})`);
    const below = await prom.scalar(`sum(vllm:time_to_first_token_seconds_bucket{${sel},le="0.06"})`);
    const upTo = await prom.scalar(`sum(vllm:time_to_first_token_seconds_bucket{${sel},le="0.08"})`);
    expect(count).toBe(points.length);
    expect(below).toBe(0);
    expect(upTo).toBe(count);
  });

  it('Prometheus inter-token latencies all lie in the bucket (0.01 s, 0.025 s], as many as the client saw', async () => {
    const count = await prom.scalar(`sum(vllm:inter_token_latency_seconds_count{${sel}})`);
    const below = await prom.scalar(`sum(vllm:inter_token_latency_seconds_bucket{${sel},le="0.01"})`);
    const upTo = await prom.scalar(`sum(vllm:inter_token_latency_seconds_bucket{${sel},le="0.025"})`);
    const clientGaps = points.reduce((n, p) => n + p.itl_ms.length, 0);
    expect(below).toBe(0);
    expect(upTo).toBe(count);
    expect(count).toBe(clientGaps);
  });
});
