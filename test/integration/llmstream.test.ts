import type { z } from 'zod';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointSchema } from '../../src/results/points.js';
import { readJsonl } from '../../src/results/files.js';
import { RouterProcess } from '../../src/targets/local/router.js';
import { freePort } from '../../src/util/ports.js';
import { findTool, projectRoot } from '../../src/util/tools.js';
import { scratch } from './helpers.js';

/**
 * k6 with k6/x/llmstream and the scenario, run directly against small local
 * servers: what a reasoning model's stream gives (TTFT on the first token of
 * any kind, TTFC on the first content), and the source every kind of failure
 * is filed under.
 */
const dir = scratch();
let seq = 0;

type Point = z.output<typeof pointSchema>;

/** Runs the scenario for `iterations` requests (1 VU) against url; returns its points. */
async function k6Points(url: string, o: { iterations?: number; timeoutMs?: number } = {}): Promise<Point[]> {
  const n = ++seq;
  const points = join(dir, `points-${n}.jsonl`);
  const workload = join(dir, `workload-${n}.json`);
  const options = join(dir, `options-${n}.json`);
  writeFileSync(
    workload,
    JSON.stringify({
      url: `${url}/v1/chat/completions`,
      model: 'm',
      prompt: { mean: 8, stdev: 0, min: 8, max: 8 },
      output: { mean: 4, stdev: 0, min: 4, max: 4 },
      seed: 1,
      timeoutMs: o.timeoutMs ?? 10_000,
      warmupMs: 0,
      points,
      meta: join(dir, `meta-${n}.jsonl`),
      summary: join(dir, `summary-${n}.json`),
    }),
  );
  writeFileSync(
    options,
    JSON.stringify({ scenarios: { load: { executor: 'shared-iterations', vus: 1, iterations: o.iterations ?? 3, maxDuration: '30s' } }, noUsageReport: true }),
  );
  await new Promise<void>((resolve, reject) =>
    execFile(
      findTool('k6'),
      ['run', '--quiet', '--no-color', '--config', options, join(projectRoot, 'scenarios', 'openai-chat.js')],
      { env: { ...process.env, SCALEBENCH_WORKLOAD: workload, K6_NO_USAGE_REPORT: 'true', K6_AUTO_EXTENSION_RESOLUTION: 'false' } },
      (err, _out, stderr) => (err ? reject(new Error(`k6: ${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  return readJsonl(points, pointSchema);
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/v1/models') return void res.end('{"data":[]}');
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const sse = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
const delta = (d: Record<string, string>): unknown => ({ choices: [{ index: 0, delta: d, finish_reason: null }] });

describe('a reasoning model: reasoning_content streamed before content', () => {
  const servers: Server[] = [];
  let points: Point[] = [];
  const REASON_MS = 60;
  const GAP_MS = 30;

  beforeAll(async () => {
    // Reasoning token at once, a second after GAP_MS, then content after REASON_MS more.
    const { server, url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse(delta({ role: 'assistant', content: '' })));
      res.write(sse(delta({ reasoning_content: 'Let' })));
      // Chained, so each gap is at least its length whatever the timers' lateness.
      setTimeout(() => {
        res.write(sse(delta({ reasoning_content: ' me think' })));
        setTimeout(() => {
          res.write(sse(delta({ content: 'Hello' })));
          res.write(sse(delta({ content: ' there' })));
          res.write(sse({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 4 } }));
          res.end('data: [DONE]\n\n');
        }, REASON_MS);
      }, GAP_MS);
    });
    servers.push(server);
    points = await k6Points(url);
  }, 60_000);
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('every request succeeds', () => {
    expect(points).toHaveLength(3);
    expect(points.every((p) => p.ok)).toBe(true);
  });

  it('TTFT is the first reasoning token; TTFC the first content token, later by the reasoning time', () => {
    for (const p of points) {
      expect(p.ttft_ms!).toBeLessThan(20);
      expect(p.ttfc_ms!).toBeGreaterThanOrEqual(GAP_MS + REASON_MS - 15);
      expect(p.ttfc_ms! - p.ttft_ms!).toBeGreaterThan(GAP_MS + REASON_MS - 25);
    }
  });

  it('inter-token gaps run over reasoning and content tokens alike', () => {
    for (const p of points) {
      expect(p.itl_ms).toHaveLength(3);
      // A chunk read late (a busy machine) shortens the gap after it: 15 ms of slack.
      expect(p.itl_ms[0]!).toBeGreaterThanOrEqual(GAP_MS - 15);
      expect(p.itl_ms[1]!).toBeGreaterThanOrEqual(REASON_MS - 15);
    }
  });
});

describe('every failure has a source', () => {
  const servers: Server[] = [];
  let router: RouterProcess;
  afterAll(async () => {
    for (const s of servers) s.close();
    await router?.stop();
  });

  it('the router with no ready replica: no_replica (HTTP 503 from the router)', async () => {
    router = await RouterProcess.start(findTool('router'), join(dir, 'router.log'));
    const [p] = await k6Points(router.url, { iterations: 1 });
    expect(p).toMatchObject({ ok: false, status: 503, error_source: 'no_replica' });
    expect(p!.error).toContain('no ready replica');
  }, 60_000);

  it('the router unable to reach its replica: upstream (HTTP 502 from the router)', async () => {
    await router.setRoutes([{ name: 'gone', addr: `127.0.0.1:${await freePort()}` }]);
    const [p] = await k6Points(router.url, { iterations: 1 });
    expect(p).toMatchObject({ ok: false, status: 502, error_source: 'upstream' });
  }, 60_000);

  it('nothing listening: connection', async () => {
    const [p] = await k6Points(`http://127.0.0.1:${await freePort()}`, { iterations: 1 });
    expect(p).toMatchObject({ ok: false, error_source: 'connection' });
    expect(p!.error).toMatch(/connection refused/);
  }, 60_000);

  it("the server's own error status: http", async () => {
    const { server, url } = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"boom"}}');
    });
    servers.push(server);
    const [p] = await k6Points(url, { iterations: 1 });
    expect(p).toMatchObject({ ok: false, status: 500, error_source: 'http' });
  }, 60_000);

  it('a stream that ends without [DONE]: stream', async () => {
    const { server, url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse(delta({ content: 'partial' })));
    });
    servers.push(server);
    const [p] = await k6Points(url, { iterations: 1 });
    expect(p).toMatchObject({ ok: false, status: 200, error_source: 'stream' });
  }, 60_000);

  it('no first token within the request time limit: timeout', async () => {
    const { server, url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      setTimeout(() => res.end('data: [DONE]\n\n'), 3000).unref();
    });
    servers.push(server);
    const [p] = await k6Points(url, { iterations: 1, timeoutMs: 300 });
    expect(p).toMatchObject({ ok: false, error_source: 'timeout' });
    expect(p!.e2e_ms).toBeGreaterThanOrEqual(290);
    expect(p!.e2e_ms).toBeLessThan(1500);
  }, 60_000);
});
