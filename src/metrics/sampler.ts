import type { ReplicaCounts, Sample, ServerFigures } from '../results/samples.js';
import { sleep } from '../util/ports.js';
import { type PromClient, PromError } from './prom.js';
import { metrics, promqlOf, promSampleMetrics } from '../vocabulary/metrics.js';
import { JsonlWriter } from '../results/files.js';
import { round } from '../util/round.js';

/** What the sampler reads besides Prometheus, at each tick. */
export interface SampleSource {
  phase(): string;
  loadStartMs(): number;
  offered(elapsedMs: number): number;
  replicas(): ReplicaCounts;
  inFlight(): Promise<number | undefined>;
  cpuUtilization?(): number | undefined;
  progress(): { requests: number; errors: number };
  autoscaler?(): Record<string, number | null> | undefined;
}

export interface SamplerOptions {
  prom: PromClient;
  selector: string;
  /** Range used by rate() and quantiles. */
  window: string;
  intervalMs: number;
  out: string;
  source: SampleSource;
  /** Called once, the first time Prometheus fails. */
  warn: (message: string) => void;
}

const RETRY_DELAYS_MS = [100, 250, 500, 1000];

/** Polls Prometheus and the target every interval and appends samples as it goes. */
export class Sampler {
  private stopped = false;
  private loop?: Promise<void>;
  private warned = false;
  private readonly out: JsonlWriter;
  readonly samples: Sample[] = [];
  gaps = 0;

  constructor(private readonly o: SamplerOptions) {
    this.out = new JsonlWriter(o.out);
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let next = Date.now();
    while (!this.stopped) {
      await this.tick();
      next += this.o.intervalMs;
      const wait = next - Date.now();
      if (wait > 0) await this.sleepUnlessStopped(wait);
      else next = Date.now();
    }
  }

  private async sleepUnlessStopped(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.stopped && Date.now() < end) await sleep(Math.min(100, end - Date.now()));
  }

  /** Takes one sample now. */
  async tick(): Promise<Sample> {
    const t = Date.now();
    const s = this.o.source;
    const elapsed = t - s.loadStartMs();
    const sample: Sample = {
      t,
      elapsed_s: round(elapsed / 1000, 2),
      phase: s.phase(),
      offered: s.offered(elapsed),
      replicas: s.replicas(),
      ...progressOf(s),
    };
    const inFlight = await s.inFlight();
    if (inFlight !== undefined) sample.in_flight = inFlight;
    const cpu = s.cpuUtilization?.();
    if (cpu !== undefined) sample.cpu_utilization_pct = cpu;
    const as = s.autoscaler?.();
    if (as) sample.autoscaler = as;
    try {
      sample.server = await this.queryAll(t);
    } catch (err) {
      sample.gap = (err as Error).message;
      this.gaps++;
      if (!this.warned) {
        this.warned = true;
        this.o.warn(`sampler: ${sample.gap}; samples will mark the gap and sampling goes on`);
      }
    }
    this.samples.push(sample);
    this.out.write(sample);
    return sample;
  }

  private async queryAll(t: number): Promise<ServerFigures> {
    const queries = promSampleMetrics.map((name) => [name, promqlOf(name, this.o.selector, this.o.window)] as const);
    let lastErr: unknown;
    const deadline = t + this.o.intervalMs * 0.8;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      try {
        const values = await Promise.all(queries.map(([, q]) => this.o.prom.query(q, t)));
        const out: ServerFigures = {};
        queries.forEach(([name], i) => {
          const v = values[i]?.[0]?.value;
          out[name] = v === undefined || !Number.isFinite(v) ? null : round(v * metrics[name].promql!.scale, 4);
        });
        return out;
      } catch (err) {
        lastErr = err;
        if (err instanceof PromError && err.kind === 'query') throw err; // a bad query will not mend
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined || Date.now() + delay > deadline || this.stopped) break;
        await sleep(delay);
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

function progressOf(s: SampleSource): { requests: number; failures: number } {
  const p = s.progress();
  return { requests: p.requests, failures: p.errors };
}
