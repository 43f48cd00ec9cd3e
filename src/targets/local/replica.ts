import { readFileSync } from 'node:fs';
import { processCpuSeconds } from '../../metrics/cpu.js';
import { join } from 'node:path';
import { startProc, type Proc } from '../../util/proc.js';
import { sleep } from '../../util/ports.js';

/** starting (model load) → ready (health check passed) → draining → gone. */
export type ReplicaPhase = 'starting' | 'ready' | 'draining' | 'gone';

export interface ReplicaSpec {
  /** Pod name, unique within the run. */
  name: string;
  command: string;
  args: string[];
  port: number;
  /** Path polled for readiness; 200 means ready. */
  readyPath: string;
  logDir: string;
  /**
   * The process is llm-d-inference-sim, which must never see a client go away
   * mid-request: the router reads such a response to its end (tools/router).
   */
  simulator: boolean;
  /** Added to the harness's environment. */
  env?: Record<string, string>;
}

const READY_POLL_MS = 100;

/** One serving process on a loopback port, with its lifecycle. */
export class Replica {
  phase: ReplicaPhase = 'starting';
  readonly startedAt = Date.now();
  readyAt?: number;
  /** Set when the process exited without being asked to. */
  crashed = false;
  private stopping = false;
  private readyWaiters: Array<() => void> = [];

  private constructor(
    readonly spec: ReplicaSpec,
    private readonly proc: Proc,
    private readonly onGone: (r: Replica) => void,
  ) {
    void proc.exited.then(() => {
      if (!this.stopping) this.crashed = true;
      this.phase = 'gone';
      this.onGone(this);
    });
    void this.pollReady();
  }

  static async start(spec: ReplicaSpec, onGone: (r: Replica) => void): Promise<Replica> {
    const proc = await startProc({
      name: `replica ${spec.name}`,
      command: spec.command,
      args: spec.args,
      logFile: join(spec.logDir, `${spec.name}.log`),
      ...(spec.env ? { env: { ...process.env, ...spec.env } } : {}),
    });
    return new Replica(spec, proc, onGone);
  }

  get name(): string {
    return this.spec.name;
  }
  get pid(): number {
    return this.proc.pid;
  }
  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }
  get port(): number {
    return this.spec.port;
  }
  /** The router sends new requests only to ready replicas. */
  get routable(): boolean {
    return this.phase === 'ready';
  }
  /** Called whenever the phase changes, so the router's set can follow. */
  onPhase?: () => void;
  get address(): string {
    return `127.0.0.1:${this.spec.port}`;
  }

  /** Resolves once the health check has answered 200 (or never, if the replica dies first). */
  whenReady(): Promise<void> {
    if (this.phase === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private async pollReady(): Promise<void> {
    while (this.phase === 'starting') {
      try {
        const res = await fetch(`${this.url}${this.spec.readyPath}`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.ok && this.phase === 'starting') {
          this.phase = 'ready';
          this.readyAt = Date.now();
          this.onPhase?.();
          for (const w of this.readyWaiters.splice(0)) w();
          return;
        }
      } catch {
        /* not listening yet */
      }
      await sleep(READY_POLL_MS);
    }
  }

  /**
   * Drains then stops: `unroute` takes the replica out of the router's set,
   * requests in flight (as `inFlight` reports them) may finish until graceMs
   * has passed, then the process is stopped.
   */
  async drain(graceMs: number, unroute: () => Promise<void>, inFlight: () => Promise<number>): Promise<void> {
    if (this.phase === 'gone') return;
    this.stopping = true;
    this.phase = 'draining';
    await unroute().catch(() => undefined);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && !this.proc.done) {
      const n = await inFlight().catch(() => 0);
      if (n === 0) break;
      await sleep(100);
    }
    await this.proc.stop(3000);
  }

  /** Stops at once, without draining. */
  async kill(): Promise<void> {
    this.stopping = true;
    await this.proc.stop(1000);
  }

  get logFile(): string {
    return join(this.spec.logDir, `${this.spec.name}.log`);
  }

  /** The last lines the process wrote, for error messages. */
  logTail(lines: number): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '';
    }
  }

  /** CPU seconds (user + system) the process has used, from /proc; undefined once gone. */
  cpuSeconds(): number | undefined {
    return processCpuSeconds(this.proc.pid);
  }
}
