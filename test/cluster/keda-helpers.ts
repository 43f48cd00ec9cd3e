import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface Sample {
  t: number;
  phase: string;
  replicas: { desired: number; current: number; ready: number };
}
export interface Event {
  t: number;
  kind: string;
  from?: number;
  to?: number;
  reason?: string;
  loop?: string;
  action?: string;
}
export interface CellFiles {
  samples: Sample[];
  events: Event[];
  result: { loadStart: number; status: string; reason?: string };
}

/** The one cell of a run directory: samples, events and result. */
export function cellFiles(runDir: string): CellFiles {
  const cells = readdirSync(join(runDir, 'cells'));
  const dir = join(runDir, 'cells', cells[0]!);
  const lines = <T>(f: string): T[] =>
    existsSync(join(dir, f))
      ? readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as T)
      : [];
  return { samples: lines<Sample>('samples.jsonl'), events: lines<Event>('events.jsonl'), result: JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) };
}

/** The time of the first sample a run under `out` wrote (the load's start), once there is one. */
export function firstSampleTime(out: string): number | undefined {
  if (!existsSync(out)) return undefined;
  for (const run of readdirSync(out)) {
    const cells = join(out, run, 'cells');
    if (!existsSync(cells)) continue;
    for (const c of readdirSync(cells)) {
      const f = join(cells, c, 'samples.jsonl');
      if (!existsSync(f)) continue;
      const first = readFileSync(f, 'utf8').split('\n')[0];
      if (first) return (JSON.parse(first) as Sample).t;
    }
  }
  return undefined;
}

/** The pids named `name` in the process journal of the run under `out`. */
export function journalPids(out: string, name: string): number[] {
  if (!existsSync(out)) return [];
  const pids: number[] = [];
  for (const run of readdirSync(out)) {
    const f = join(out, run, 'processes.jsonl');
    if (!existsSync(f)) continue;
    for (const l of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
      const p = JSON.parse(l) as { name: string; pid: number };
      if (p.name === name) pids.push(p.pid);
    }
  }
  return pids;
}

/** Waits until the run under `out` has started its load, then `seconds` more; resolves with the load's start. */
export async function atLoadSecond(out: string, seconds: number, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let start: number | undefined;
  while ((start = firstSampleTime(out)) === undefined) {
    if (Date.now() > deadline) throw new Error(`no sample under ${out} after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const wait = start + seconds * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return start;
}

/** The desired replicas as a compact timeline: "s:count" at every change. */
export function changes(points: ReadonlyArray<{ s: number; desired: number }>): string {
  const out: string[] = [];
  let last: number | undefined;
  for (const p of points) {
    if (p.desired === last) continue;
    last = p.desired;
    out.push(`${p.s.toFixed(1)}s:${p.desired}`);
  }
  return out.join(' ');
}

/**
 * A client that holds its requests while no replica serves them, as a
 * request-holding proxy in front of the pods would (KEDA's HTTP add-on's
 * interceptor): each request is retried every retryMs until it succeeds, and
 * the number held is exported to Prometheus as scalebench_held_requests, the
 * one signal that exists while no pod does.
 */
export class HeldRequests {
  held = 0;
  /** [ms, held] at every change. */
  readonly timeline: Array<[number, number]> = [[Date.now(), 0]];
  refused = 0;
  readonly refusals: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<HeldRequests> {
    let self: HeldRequests | undefined;
    const server = createServer((_, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(`# TYPE scalebench_held_requests gauge\nscalebench_held_requests ${self?.held ?? 0}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new HeldRequests(server, (server.address() as { port: number }).port);
    return self;
  }

  private set(n: number): void {
    this.held = n;
    this.timeline.push([Date.now(), n]);
  }

  /** The held count at t (ms). */
  at(t: number): number {
    let v = 0;
    for (const [s, n] of this.timeline) {
      if (s > t) break;
      v = n;
    }
    return v;
  }

  /** Sends one completion through url; resolves with the time it first succeeded. */
  async send(url: string, model: string, retryMs = 200, timeoutMs = 120_000): Promise<number> {
    this.set(this.held + 1);
    const deadline = Date.now() + timeoutMs;
    try {
      while (Date.now() < deadline) {
        try {
          const res = await fetch(`${url}/v1/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model, prompt: 'hello', max_tokens: 4 }),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          if (res.ok) return Date.now();
          this.refused++;
          if (this.refusals.length < 3) this.refusals.push(`HTTP ${res.status} ${text.slice(0, 120)}`);
        } catch (err) {
          this.refused++;
          if (this.refusals.length < 3) this.refusals.push((err as Error).message);
        }
        await new Promise((r) => setTimeout(r, retryMs));
      }
      throw new Error(`request not served within ${timeoutMs / 1000}s`);
    } finally {
      this.set(this.held - 1);
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
