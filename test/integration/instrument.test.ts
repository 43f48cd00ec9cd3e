import type { z } from 'zod';
import { mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PointAccumulator, summarizePoints } from '../../src/analysis/cell-summary.js';
import { pointSchema } from '../../src/results/points.js';
import { median, quantileSorted } from '../../src/analysis/stats.js';
import { runK6 } from '../../src/load/k6-process.js';
import { expandCells } from '../../src/matrix/expand.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { PromClient } from '../../src/metrics/prom.js';
import { readJsonl } from '../../src/results/files.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { findTool } from '../../src/util/tools.js';
import { scratch, writeMatrix } from './helpers.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/**
 * The instrument measures what it should, against a simulator whose truth is
 * configured: one replica, TTFT T and inter-token latency L fixed, 16 output
 * tokens (the tiny profile), the time factor under load 1.
 *
 * - Light load (4 and 32 users ≤ max_num_seqs): client TTFT p95 within 5 % of
 *   T plus the system's own overhead, measured first by a plain Node client
 *   through the same router at the same concurrency (the simulator and the
 *   router serve 32 streams at once slower than one: that is theirs, not
 *   k6's); p50 within 3 ms of it; every user's first request no slower than
 *   the rest (p50 within 3 ms): no first-request tax.
 * - Overload (12 users on 4 sequences): a closed loop of N users on S slots
 *   with a service time E keeps N − S waiting, so by Little's law each
 *   request waits (N / S − 1) × E; client TTFT p50 within 5 % of that plus
 *   the unloaded TTFT.
 * - Prometheus saw every request the client sent, each in the right bucket.
 */
const T = 70; // ms: inside TTFT bucket (0.06, 0.08]
const L = 20; // ms: inside ITL bucket (0.01, 0.025]

type Point = z.output<typeof pointSchema>;

interface Reference {
  /** p50 TTFT and E2E. */
  ttftMs: number;
  e2eMs: number;
  ttft_ms_p95: number;
}

/**
 * TTFT and E2E of `n` requests per stream sent by a plain Node client over
 * `streams` keep-alive connections at once (after one request each to open them).
 */
async function reference(endpoint: string, model: string, n: number, streams = 1): Promise<Reference> {
  const agent = new Agent({ keepAlive: true, maxSockets: streams });
  const body = JSON.stringify({
    model,
    stream: true,
    max_tokens: 16,
    ignore_eos: true,
    messages: [{ role: 'user', content: 'the model serves a request with tokens from cache and queue batch' }],
  });
  const one = (): Promise<{ ttftMs: number; e2eMs: number }> =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      let ttft = NaN;
      let text = '';
      const req = request(`${endpoint}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.on('data', (c: Buffer) => {
          if (Number.isNaN(ttft)) {
            text += c.toString();
            if (/"content":"[^"]/.test(text)) ttft = performance.now() - start;
          }
        });
        res.on('end', () => resolve({ ttftMs: ttft, e2eMs: performance.now() - start }));
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(Array.from({ length: streams }, () => one()));
  const seen: Array<{ ttftMs: number; e2eMs: number }> = [];
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let i = 0; i < n; i++) seen.push(await one());
    }),
  );
  agent.destroy();
  return {
    ttftMs: median(seen.map((s) => s.ttftMs))!,
    e2eMs: median(seen.map((s) => s.e2eMs))!,
    ttft_ms_p95: p(
      seen.map((s) => s.ttftMs),
      0.95,
    ),
  };
}

interface Measured {
  points: Point[];
  ref: Reference;
  /** The reference client at the cell's concurrency (light loads). */
  atUsers: Reference;
  prom: PromClient;
  sel: string;
  close: () => Promise<void>;
}

/** One replica at T/L with `seqs` sequences; the reference client first (one stream, and `users` streams), then k6 with `users` for `durationS` (after `warmupS`). */
async function measure(name: string, o: { users: number; seqs: number; durationS: number; warmupS: number }): Promise<Measured> {
  const dir = scratch();
  const file = writeMatrix(
    dir,
    `${name}.yaml`,
    `name: ${name}
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: ${o.seqs} }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: ${T}ms, itl: ${L}ms }
load: { shape: constant, users: [${o.users}], duration: ${o.durationS}s, warmup: ${o.warmupS}s }
`,
  );
  const matrix = loadMatrix(file, projectCatalog());
  const cell = expandCells(matrix)[0]!;
  const cellDir = join(dir, 'cell');
  mkdirSync(cellDir, { recursive: true });
  const target = await LocalTarget.open({
    simBinary: findTool('sim'),
    prometheusBinary: findTool('prometheus'),
    routerBinary: findTool('router'),
    catalog: projectCatalog(),
    scrapeIntervalMs: 500,
    logDir: join(dir, 'logs'),
  });
  try {
    await target.deploy({ cell, workload: matrix.workload, dir: cellDir, onEvent: () => {} });
    await target.waitReady(30_000);
    const ref = await reference(target.endpoint(), target.model(), 20);
    const atUsers = o.users > 1 && o.users <= o.seqs ? await reference(target.endpoint(), target.model(), 6, o.users) : ref;
    const k6 = await runK6({ k6: findTool('k6'), cell, workload: matrix.workload, endpoint: target.endpoint(), model: target.model(), cellDir });
    expect(k6.failure).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1500)); // three scrapes after the last request
    return {
      points: readJsonl(join(cellDir, 'points.jsonl'), pointSchema),
      ref,
      atUsers,
      prom: new PromClient(target.prometheusUrl),
      sel: target.selector(),
      close: () => target.close(),
    };
  } catch (err) {
    await target.close();
    throw err;
  }
}

const p = (xs: number[], q: number): number =>
  quantileSorted(
    [...xs].sort((a, b) => a - b),
    q,
  )!;

/** Each user's first request, and all the others. */
function firstWave(points: readonly Point[]): { first: number[]; rest: number[] } {
  const seen = new Set<number>();
  const first: number[] = [];
  const rest: number[] = [];
  for (const pt of [...points].sort((a, b) => a.t - b.t)) {
    (seen.has(pt.vu!) ? rest : first).push(pt.ttft_ms!);
    seen.add(pt.vu!);
  }
  return { first, rest };
}

describe.each([4, 32])('%i users at fixed TTFT and ITL, below max_num_seqs', (users) => {
  let m: Measured;
  beforeAll(async () => {
    m = await measure(`instrument-${users}`, { users, seqs: 64, durationS: 8, warmupS: 0 });
  }, 120_000);
  afterAll(async () => {
    await m?.close();
  });

  it('ran enough requests, all successful, never more in flight than the users', () => {
    expect(m.points.length).toBeGreaterThan(users * 15);
    expect(m.points.filter((pt) => !pt.ok)).toEqual([]);
    const acc = new PointAccumulator({}, 8000);
    for (const pt of m.points) acc.add(pt);
    expect(acc.inFlight(0, 1).max).toBeLessThanOrEqual(users);
  });

  it(`client TTFT p95 within 5 % of ${T} ms plus the system's own overhead; p50 within 3 ms of it`, () => {
    // T + the simulator's and router's own time: p50 one request at a time, p95 at the cell's concurrency.
    const truth = m.ref.ttftMs;
    const truthP95 = Math.max(truth, m.atUsers.ttft_ms_p95);
    expect(truth).toBeGreaterThanOrEqual(T);
    const s = summarizePoints(m.points, {}, 8000);
    console.log(
      `[instrument] ${users} users: reference TTFT p50 ${truth.toFixed(2)} ms (one stream), p95 ${m.atUsers.ttft_ms_p95.toFixed(2)} ms (${users} streams); client TTFT p50 ${s.ttftMs.p50} ms, p95 ${s.ttftMs.p95} ms (bound ${(1.05 * truthP95).toFixed(2)})`,
    );
    expect(s.ttftMs.p95!).toBeLessThanOrEqual(1.05 * truthP95);
    expect(Math.abs(s.ttftMs.p50! - truth)).toBeLessThanOrEqual(3);
  });

  it('no first-request tax: each user’s first request p50 within 3 ms of the others', () => {
    const { first, rest } = firstWave(m.points);
    expect(first).toHaveLength(users);
    console.log(`[instrument] ${users} users: first-wave TTFT p50 ${p(first, 0.5).toFixed(2)} ms, the rest ${p(rest, 0.5).toFixed(2)} ms`);
    expect(Math.abs(p(first, 0.5) - p(rest, 0.5))).toBeLessThanOrEqual(3);
  });

  it(`client inter-token latency and TPOT p50 within 5 % or 3 ms of ${L} ms`, () => {
    const s = summarizePoints(m.points, {}, 8000);
    expect(Math.abs(s.itlMs.p50! - L)).toBeLessThanOrEqual(Math.max(0.05 * L, 3));
    expect(Math.abs(s.tpotMs.p50! - L)).toBeLessThanOrEqual(Math.max(0.05 * L, 3));
  });

  it('Prometheus saw every request the client sent, each TTFT in the bucket (0.06 s, 0.08 s]', async () => {
    const sent = m.points.length + 21 + (users > 1 ? users * 7 : 0); // and the reference client's
    const count = await m.prom.scalar(`sum(vllm:time_to_first_token_seconds_count{${m.sel}})`);
    const below = await m.prom.scalar(`sum(vllm:time_to_first_token_seconds_bucket{${m.sel},le="0.06"})`);
    const upTo = await m.prom.scalar(`sum(vllm:time_to_first_token_seconds_bucket{${m.sel},le="0.08"})`);
    expect(count).toBe(sent);
    expect(below).toBe(0);
    expect(upTo).toBe(count);
  });

  it('Prometheus inter-token latencies all lie in the bucket (0.01 s, 0.025 s], as many as the clients saw', async () => {
    const count = await m.prom.scalar(`sum(vllm:inter_token_latency_seconds_count{${m.sel}})`);
    const below = await m.prom.scalar(`sum(vllm:inter_token_latency_seconds_bucket{${m.sel},le="0.01"})`);
    const upTo = await m.prom.scalar(`sum(vllm:inter_token_latency_seconds_bucket{${m.sel},le="0.025"})`);
    const clientGaps = m.points.reduce((n, pt) => n + pt.itl_ms.length, 0) + (21 + (users > 1 ? users * 7 : 0)) * 15;
    expect(below).toBe(0);
    expect(upTo).toBe(count);
    expect(count).toBe(clientGaps);
  });
});

describe('overload: 12 users on 4 sequences, with a warm-up', () => {
  const N = 12;
  const S = 4;
  let m: Measured;
  beforeAll(async () => {
    m = await measure('instrument-overload', { users: N, seqs: S, durationS: 12, warmupS: 4 });
  }, 120_000);
  afterAll(async () => {
    await m?.close();
  });

  it('no request failed, none was cut at the warm-up edge, and never more than 12 in flight', () => {
    expect(m.points.filter((pt) => !pt.ok)).toEqual([]);
    expect(m.points.some((pt) => pt.phase === 'warmup')).toBe(true);
    const acc = new PointAccumulator({}, 12_000);
    for (const pt of m.points) acc.add(pt);
    expect(acc.inFlight(0, 1).max).toBeLessThanOrEqual(N);
  });

  it("client TTFT p50 within 5 % of the queueing delay Little's law predicts, plus the unloaded TTFT", () => {
    // Service time E: a request alone, end to end. N users on S slots: each waits (N/S − 1) × E.
    const E = m.ref.e2eMs;
    const predicted = (N / S - 1) * E + m.ref.ttftMs;
    const s = summarizePoints(m.points, {}, 12_000);
    console.log(`[instrument] overload: E ${E.toFixed(1)} ms, predicted TTFT ${predicted.toFixed(1)} ms, client TTFT p50 ${s.ttftMs.p50} ms`);
    expect(Math.abs(s.ttftMs.p50! - predicted)).toBeLessThanOrEqual(0.05 * predicted);
  });

  it('the server queue time accounts for the wait, and its TTFT histogram leaves the queue out', async () => {
    const q = await m.prom.scalar(`histogram_quantile(0.5, sum by (le) (vllm:request_queue_time_seconds_bucket{${m.sel}}))`);
    const ttft = await m.prom.scalar(`histogram_quantile(0.5, sum by (le) (vllm:time_to_first_token_seconds_bucket{${m.sel}}))`);
    expect(q! * 1000).toBeGreaterThan(0.5 * (N / S - 1) * m.ref.e2eMs);
    expect(ttft! * 1000).toBeLessThan(100);
  });
});
