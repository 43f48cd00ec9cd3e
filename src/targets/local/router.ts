import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LocalPrometheus } from './prometheus.js';
import { UserError } from '../../util/errors.js';
import { freePort, sleep } from '../../util/ports.js';
import { startProc, type Proc } from '../../util/proc.js';

/** A replica the router may send to. */
export interface Route {
  name: string;
  /** host:port */
  addr: string;
  /** Read a response whose client went away to its end instead of closing the replica's connection (simulator replicas). */
  drain?: boolean;
}

const statsSchema = z.object({
  routed: z.number(),
  unavailable: z.number(),
  upstream_errors: z.number(),
  retries: z.number(),
  abandoned: z.number(),
  backends: z.record(z.string(), z.object({ in_flight: z.number(), routed: z.number() })),
});
export type RouterStats = z.infer<typeof statsSchema>;

/**
 * The router (tools/router, Go) as a process of its own: least requests in
 * flight over the routable replicas, streams flushed chunk by chunk. It lives
 * outside the harness's event loop so that sampling, file writes or garbage
 * collection here never stall a stream being measured.
 */
export class RouterProcess {
  private updates: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    private readonly adminUrl: string,
    private readonly proc: Proc,
  ) {}

  static async start(binary: string, logFile: string): Promise<RouterProcess> {
    const port = await freePort();
    const admin = await freePort();
    const proc = await startProc({
      name: 'router',
      command: binary,
      args: ['--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`],
      logFile,
    });
    const router = new RouterProcess(port, `http://127.0.0.1:${admin}`, proc);
    for (let i = 0; i < 100; i++) {
      if (proc.done) break;
      try {
        const res = await fetch(`${router.adminUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.ok) return router;
      } catch {
        /* starting */
      }
      await sleep(50);
    }
    await proc.stop(1000);
    throw new UserError(`router did not start (see ${logFile})`, 3);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Replaces the routable set. Updates are applied in the order they are made;
   * the promise resolves once this one is in force.
   */
  setRoutes(routes: readonly Route[]): Promise<void> {
    const body = JSON.stringify(routes);
    this.updates = this.updates
      .catch(() => undefined)
      .then(async () => {
        if (this.proc.done) return;
        const res = await fetch(`${this.adminUrl}/backends`, { method: 'PUT', body, signal: AbortSignal.timeout(5000) });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`router: PUT /backends answered ${res.status}`);
      });
    return this.updates;
  }

  async stats(): Promise<RouterStats> {
    const res = await fetch(`${this.adminUrl}/stats`, { signal: AbortSignal.timeout(5000) });
    return statsSchema.parse(await res.json());
  }

  /** Requests in flight to one replica (0 once it has none or is unknown). */
  async inFlight(name?: string): Promise<number> {
    const s = await this.stats();
    if (name !== undefined) return s.backends[name]?.in_flight ?? 0;
    return Object.values(s.backends).reduce((n, b) => n + b.in_flight, 0);
  }

  get pid(): number {
    return this.proc.pid;
  }

  get alive(): boolean {
    return !this.proc.done;
  }

  async stop(): Promise<void> {
    await this.proc.stop(2000);
  }
}

/**
 * The data plane's shared pieces: a Prometheus scraping through file-based
 * discovery and the router, logs in logDir (Prometheus is stopped again if
 * the router cannot start).
 */
export async function startPrometheusAndRouter(o: {
  prometheusBinary: string;
  routerBinary: string;
  scrapeIntervalMs: number;
  logDir: string;
}): Promise<{ prom: LocalPrometheus; router: RouterProcess }> {
  mkdirSync(o.logDir, { recursive: true });
  const prom = await LocalPrometheus.start(o.prometheusBinary, o.scrapeIntervalMs, join(o.logDir, 'prometheus.log'));
  try {
    return { prom, router: await RouterProcess.start(o.routerBinary, join(o.logDir, 'router.log')) };
  } catch (err) {
    await prom.stop();
    throw err;
  }
}
