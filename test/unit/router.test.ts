import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Router, type Backend } from '../../src/targets/local/router.js';

/** A backend on port 0 that streams `chunks` pieces `gapMs` apart and names itself. */
async function streamingServer(name: string, chunks: number, gapMs: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-backend': name });
    let i = 0;
    const tick = (): void => {
      if (i++ >= chunks) return void res.end();
      res.write(`data: ${i}\n\n`);
      setTimeout(tick, gapMs);
    };
    tick();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(port: number): Promise<{ status: number; backend?: string; arrivals: number[]; body: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST' }, (res) => {
      const arrivals: number[] = [];
      let body = '';
      res.on('data', (c: Buffer) => {
        arrivals.push(performance.now() - start);
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, backend: res.headers['x-backend'] as string | undefined, arrivals, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('router', () => {
  it('passes a stream through as it arrives, not buffered', async () => {
    const b = await streamingServer('a', 5, 40);
    cleanup.push(() => b.server.close());
    const backends: Backend[] = [{ name: 'a', port: b.port, routable: true, inFlight: 0 }];
    const router = new Router(() => backends);
    const port = await router.listen(0);
    cleanup.push(() => router.close());
    const res = await get(port);
    expect(res.status).toBe(200);
    expect(res.arrivals.length).toBeGreaterThanOrEqual(4);
    // The first chunk arrives long before the last (4 gaps of 40 ms later).
    expect(res.arrivals[res.arrivals.length - 1]! - res.arrivals[0]!).toBeGreaterThan(120);
    expect(backends[0]!.inFlight).toBe(0);
  });

  it('sends to the routable backend with the fewest requests in flight', async () => {
    const a = await streamingServer('a', 1, 0);
    const b = await streamingServer('b', 1, 0);
    cleanup.push(() => a.server.close(), () => b.server.close());
    const backends: Backend[] = [
      { name: 'a', port: a.port, routable: true, inFlight: 3 },
      { name: 'b', port: b.port, routable: true, inFlight: 1 },
      { name: 'c', port: 1, routable: false, inFlight: 0 },
    ];
    const router = new Router(() => backends);
    expect(router.pick()?.name).toBe('b');
    backends[1]!.inFlight = 5;
    expect(router.pick()?.name).toBe('a');
  });

  it('answers 503 when no replica is ready, and 502 when a replica is unreachable', async () => {
    const backends: Backend[] = [{ name: 'gone', port: 1, routable: false, inFlight: 0 }];
    const router = new Router(() => backends);
    const port = await router.listen(0);
    cleanup.push(() => router.close());
    expect((await get(port)).status).toBe(503);
    expect(router.stats.unavailable).toBe(1);
    backends[0] = { name: 'gone', port: 1, routable: true, inFlight: 0 };
    const res = await get(port);
    expect(res.status).toBe(502);
    expect(res.body).toContain('replica gone');
    expect(backends[0].inFlight).toBe(0);
  });
});
