import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterProcess } from '../../src/targets/local/router.js';
import { findTool } from '../../src/util/tools.js';
import { scratch } from './helpers.js';

/** A backend on port 0 that streams `chunks` pieces `gapMs` apart and names itself. */
async function streamingServer(name: string, chunks: number, gapMs: number): Promise<{ server: Server; addr: string }> {
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
  return { server, addr: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function post(port: number): Promise<{ status: number; backend?: string; arrivals: number[]; body: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const arrivals: number[] = [];
      let body = '';
      res.on('data', (c: Buffer) => {
        arrivals.push(performance.now() - start);
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, backend: res.headers['x-backend'] as string | undefined, arrivals, body }));
    });
    req.on('error', reject);
    req.end('{"stream":true}');
  });
}

describe('the router (tools/router)', () => {
  let router: RouterProcess;
  const servers: Server[] = [];
  let slow: { addr: string };
  let a: { addr: string };
  let b: { addr: string };

  beforeAll(async () => {
    router = await RouterProcess.start(findTool('router'), join(scratch(), 'router.log'));
    const s = await streamingServer('slow', 5, 40);
    const sa = await streamingServer('a', 1, 0);
    const sb = await streamingServer('b', 1, 0);
    servers.push(s.server, sa.server, sb.server);
    slow = s;
    a = sa;
    b = sb;
  });

  afterAll(async () => {
    await router.stop();
    for (const s of servers) s.close();
  });

  it('answers 503 when no replica is ready', async () => {
    await router.setRoutes([]);
    const res = await post(router.port);
    expect(res.status).toBe(503);
    expect(res.body).toContain('no ready replica');
    expect((await router.stats()).unavailable).toBe(1);
  });

  it('passes a stream through as it arrives, not buffered', async () => {
    await router.setRoutes([{ name: 'slow', addr: slow.addr }]);
    const res = await post(router.port);
    expect(res.status).toBe(200);
    expect(res.arrivals.length).toBeGreaterThanOrEqual(4);
    // The first chunk arrives long before the last (4 gaps of 40 ms later).
    expect(res.arrivals[res.arrivals.length - 1]! - res.arrivals[0]!).toBeGreaterThan(120);
    expect(await router.inFlight('slow')).toBe(0);
  });

  it('counts a stream in flight while it runs, and prefers the replica with fewer', async () => {
    await router.setRoutes([{ name: 'slow', addr: slow.addr }]);
    const pending = post(router.port);
    await new Promise((r) => setTimeout(r, 60));
    expect(await router.inFlight('slow')).toBe(1);
    await router.setRoutes([
      { name: 'slow', addr: slow.addr },
      { name: 'a', addr: a.addr },
    ]);
    expect((await post(router.port)).backend).toBe('a'); // slow has one in flight, a none
    await pending;
  });

  it('spreads sequential requests over idle replicas', async () => {
    await router.setRoutes([
      { name: 'a', addr: a.addr },
      { name: 'b', addr: b.addr },
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await post(router.port)).backend ?? '');
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  it('answers 502 naming the replica when it is unreachable', async () => {
    await router.setRoutes([{ name: 'gone', addr: '127.0.0.1:1' }]);
    const res = await post(router.port);
    expect(res.status).toBe(502);
    expect(res.body).toContain('replica gone');
    expect(res.body).toContain('router:');
  });

  /** A client that goes away after the first chunk; resolves with how the backend's response ended. */
  async function abandon(drain: boolean): Promise<'finished' | 'cut'> {
    let ended!: (how: 'finished' | 'cut') => void;
    const how = new Promise<'finished' | 'cut'>((r) => (ended = r));
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        if (i++ >= 6) return void res.end();
        res.write(`data: ${i}\n\n`);
        setTimeout(tick, 30);
      };
      res.on('finish', () => ended('finished'));
      res.on('close', () => ended(res.writableFinished ? 'finished' : 'cut'));
      tick();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await router.setRoutes([{ name: 'abandoned', addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, drain }]);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: router.port, path: '/v1/chat/completions', method: 'POST' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? resolve() : reject(e)));
      req.end('{"stream":true}');
    });
    return how;
  }

  it('a drained replica (the simulator) never sees a client go away: the router reads its response to the end', async () => {
    const before = (await router.stats()).abandoned;
    expect(await abandon(true)).toBe('finished');
    expect((await router.stats()).abandoned).toBe(before + 1);
    expect(await router.inFlight('abandoned')).toBe(0);
  });

  it('any other replica has its response cut when the client goes away', async () => {
    expect(await abandon(false)).toBe('cut');
  });

  it('marks the errors it makes itself with X-Scalebench-Router', async () => {
    await router.setRoutes([]);
    const kind = await new Promise<string | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: router.port, path: '/v1/chat/completions', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.headers['x-scalebench-router'] as string | undefined);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(kind).toBe('unavailable');
  });
});
