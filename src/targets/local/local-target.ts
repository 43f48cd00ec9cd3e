import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../../catalog/catalog.js';
import type { ResolvedAutoscaler, ResolvedControllers, ResolvedDeployment, ResolvedWorkload } from '../../matrix/types.js';
import { PromClient } from '../../metrics/prom.js';
import type { ErrorSource } from '../../results/points.js';
import { UserError } from '../../util/errors.js';
import { freePort, sleep } from '../../util/ports.js';
import type { AutoscalerHandle, DeployOptions, Target } from '../target.js';
import type { ReplicaCounts } from '../../results/samples.js';
import type { DecisionEvent, ReplicaEvent } from '../../results/events.js';
import { AutoscalerLoop } from './autoscaler-loop.js';
import type { LocalPrometheus } from './prometheus.js';
import { Replica } from './replica.js';
import { type RouterProcess, startPrometheusAndRouter } from './router.js';
import { customArgs, simArgs, simEnv } from './sim-args.js';
import { LOCAL_NAMESPACE } from './namespace.js';

export { LOCAL_NAMESPACE } from './namespace.js';

export interface LocalTargetOptions {
  simBinary: string;
  prometheusBinary: string;
  routerBinary: string;
  scrapeIntervalMs: number;
  /** Models and GPUs: a simulated replica's latencies come from the roofline unless the matrix gives them. */
  catalog: Catalog;
  /** Where prometheus.log and router logs go. */
  logDir: string;
  /** How long a drained replica may finish its streams. @default 30000 ms */
  drainGraceMs?: number;
}

interface CellState {
  deployment: ResolvedDeployment;
  workload: ResolvedWorkload;
  podPrefix: string;
  logDir: string;
  onEvent: (e: ReplicaEvent) => void;
  seq: number;
  /** Replicas of this cell that exited without being asked to. */
  crashes: number;
  lastCrashed?: Replica;
}

/** Extra time allowed for replicas to pass their health check after their start-up time. */
const READY_ALLOWANCE_MS = 60_000;
/** A replacement for a crashed replica waits 1 s, doubling per crash up to 30 s (as CrashLoopBackOff does, shorter). */
const CRASH_BACKOFF_MS = { first: 1000, max: 30_000 } as const;
/** waitReady gives up once this many replicas have crashed before the cell became ready. */
const CRASHES_BEFORE_GIVING_UP = 3;

/**
 * The embedded target: replicas are real processes on loopback ports behind
 * a router, scraped by a real Prometheus through file-based discovery.
 */
export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  /** The router is the harness's own: a connection to it failing, or it failing to reach a live replica, is not the system's error. */
  readonly harnessErrorSources: readonly ErrorSource[] = ['aborted', 'connection', 'upstream'];
  private replicas: Replica[] = [];
  private desired = 0;
  private cell?: CellState;
  private reconciling: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly opts: LocalTargetOptions,
    private readonly prom: LocalPrometheus,
    private readonly router: RouterProcess,
  ) {}

  static async open(opts: LocalTargetOptions): Promise<LocalTarget> {
    const { prom, router } = await startPrometheusAndRouter(opts);
    return new LocalTarget(opts, prom, router);
  }

  get prometheusUrl(): string {
    return this.prom.url;
  }

  get scrapeIntervalMs(): number {
    return this.opts.scrapeIntervalMs;
  }

  /** A replica's simulated start-up, and a minute to pass its health check after it. */
  readyTimeoutMs(d: ResolvedDeployment): number {
    return d.simulator.startupMs + READY_ALLOWANCE_MS;
  }

  harnessPids(): Record<string, number> {
    return { router: this.router.pid };
  }

  /** The router's counters (requests routed, refused, upstream errors, in flight per replica). */
  routerStats(): ReturnType<RouterProcess['stats']> {
    return this.router.stats();
  }

  selector(): string {
    const prefix = this.cell?.podPrefix ?? 'none';
    return `namespace="${LOCAL_NAMESPACE}",pod=~"${prefix}-.*"`;
  }

  endpoint(): string {
    return this.router.url;
  }

  model(): string {
    return this.cell?.deployment.model ?? '';
  }

  /** The live replicas (not gone), for the autoscalers and tests. */
  pods(): readonly Replica[] {
    return this.replicas;
  }

  counts(): ReplicaCounts {
    const live = this.replicas.filter((r) => r.phase === 'starting' || r.phase === 'ready');
    return { desired: this.desired, current: live.length, ready: live.filter((r) => r.phase === 'ready').length };
  }

  private lastCpu = new Map<string, { t: number; cpu: number }>();

  cpuUtilization(): number | undefined {
    const request = this.cell?.deployment.cpuRequestMillis;
    if (!request) return undefined;
    const now = Date.now();
    const next = new Map<string, { t: number; cpu: number }>();
    const per: number[] = [];
    for (const r of this.replicas) {
      const cpu = r.cpuSeconds();
      if (cpu === undefined) continue;
      const prev = this.lastCpu.get(r.name);
      next.set(r.name, { t: now, cpu });
      if (prev && now > prev.t) per.push((((cpu - prev.cpu) * 1e6) / (now - prev.t) / request) * 100);
    }
    this.lastCpu = next;
    return per.length ? Math.round((per.reduce((a, b) => a + b, 0) / per.length) * 10) / 10 : undefined;
  }

  async inFlight(): Promise<number | undefined> {
    try {
      return await this.router.inFlight();
    } catch {
      return undefined;
    }
  }

  async deploy({ cell, workload, dir, onEvent }: DeployOptions): Promise<void> {
    if (this.cell) throw new Error('local target: deploy called while a cell is deployed');
    const tag = createHash('sha256').update(cell.id).digest('hex').slice(0, 5);
    const logDir = join(dir, 'replicas');
    mkdirSync(logDir, { recursive: true });
    this.cell = { deployment: cell.deployment, workload, podPrefix: `${cell.deployment.name}-${tag}`, logDir, onEvent, seq: 0, crashes: 0 };
    this.desired = cell.deployment.replicas.start;
    await this.reconcile();
  }

  startAutoscaler(a: ResolvedAutoscaler, o: { controllers: ResolvedControllers; onDecision: (record: DecisionEvent) => void }): AutoscalerHandle | undefined {
    const cell = this.cell;
    if (a.kind === 'fixed' || !cell) return undefined;
    const loop = new AutoscalerLoop({
      autoscaler: a,
      deployment: cell.deployment,
      target: this,
      prom: new PromClient(this.prom.url, 5000),
      controllers: o.controllers,
      onDecision: o.onDecision,
    });
    loop.start();
    return { seen: () => ({ ...loop.seen }), stop: () => loop.stop() };
  }

  scale(desired: number, reason: string): void {
    if (!this.cell || desired === this.desired) return;
    this.cell.onEvent({ kind: 'scale', from: this.desired, to: desired, reason });
    this.desired = desired;
    void this.reconcile();
  }

  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.counts().ready < this.desired) {
      signal?.throwIfAborted();
      const cell = this.cell;
      if (cell && cell.crashes >= CRASHES_BEFORE_GIVING_UP) {
        const last = cell.lastCrashed;
        throw new UserError(
          `local target: replicas crashed ${cell.crashes} times before becoming ready` +
            (last ? `; the last, ${last.name}, said: ${last.logTail(3) || '(nothing)'} (${last.logFile})` : ''),
          3,
        );
      }
      if (Date.now() > deadline) {
        const c = this.counts();
        throw new UserError(`local target: ${c.ready} of ${this.desired} replicas ready after ${Math.round(timeoutMs / 1000)}s (see ${this.cell?.logDir})`, 3);
      }
      await sleep(50, signal);
    }
  }

  /** Brings the number of live replicas to `desired`; serialised so calls never interleave. */
  private reconcile(): Promise<void> {
    this.reconciling = this.reconciling
      .then(() => this.reconcileOnce())
      .catch((err: unknown) => {
        this.cell?.onEvent({ kind: 'scale', from: this.desired, to: this.desired, reason: `reconcile failed: ${(err as Error).message}` });
      });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const cell = this.cell;
    if (!cell || this.closed) return;
    const live = (): Replica[] => this.replicas.filter((r) => r.phase === 'starting' || r.phase === 'ready');
    while (live().length < this.desired) await this.startReplica(cell);
    const extra = live().length - this.desired;
    if (extra > 0) {
      // As a ReplicaSet does: not-ready pods go first, then the newest.
      const victims = live()
        .sort((a, b) => Number(a.phase === 'ready') - Number(b.phase === 'ready') || b.startedAt - a.startedAt)
        .slice(0, extra);
      for (const v of victims) {
        cell.onEvent({ kind: 'replica-draining', pod: v.name });
        void v.drain(
          this.opts.drainGraceMs ?? 30_000,
          () => this.publishRoutes(),
          () => this.router.inFlight(v.name),
        );
      }
    }
  }

  private async startReplica(cell: CellState): Promise<void> {
    const port = await freePort();
    const name = `${cell.podPrefix}-${cell.seq++}`;
    const d = cell.deployment;
    const command = d.simulator.command;
    const args = command ? customArgs(command.slice(1), port, d.model) : simArgs(this.opts.catalog, d, cell.workload, port, cell.seq);
    const replica = await Replica.start(
      {
        name,
        command: command ? command[0]! : this.opts.simBinary,
        args,
        env: command ? {} : simEnv(args),
        port,
        readyPath: command ? '/health' : '/health/ready',
        logDir: cell.logDir,
        simulator: !command,
      },
      (r) => this.onGone(r),
    );
    replica.onPhase = () => void this.publishRoutes();
    this.replicas.push(replica);
    cell.onEvent({ kind: 'replica-started', pod: name, pid: replica.pid });
    void replica.whenReady().then(() => {
      if (this.cell === cell) cell.onEvent({ kind: 'replica-ready', pod: name, startupMs: (replica.readyAt ?? 0) - replica.startedAt });
    });
    this.publishTargets();
  }

  private onGone(r: Replica): void {
    this.replicas = this.replicas.filter((x) => x !== r);
    this.publishTargets();
    void this.publishRoutes();
    const cell = this.cell;
    if (!cell || this.closed) return;
    if (r.crashed) {
      cell.crashes++;
      cell.lastCrashed = r;
      cell.onEvent({ kind: 'replica-crashed', pod: r.name, replacing: this.desired > 0 });
      // As a ReplicaSet would: replace it, backing off while it keeps crashing.
      const delay = Math.min(CRASH_BACKOFF_MS.max, CRASH_BACKOFF_MS.first * 2 ** (cell.crashes - 1));
      setTimeout(() => {
        if (this.cell === cell) void this.reconcile();
      }, delay).unref();
    } else {
      cell.onEvent({ kind: 'replica-stopped', pod: r.name });
    }
  }

  /** Tells the router which replicas are ready; resolves once it is in force. */
  private publishRoutes(): Promise<void> {
    const routes = this.replicas.filter((r) => r.routable).map((r) => ({ name: r.name, addr: r.address, drain: r.spec.simulator }));
    return this.router.setRoutes(routes).catch(() => undefined);
  }

  private publishTargets(): void {
    if (this.closed) return;
    const cell = this.cell;
    this.prom.setTargets(
      this.replicas
        .filter((r) => r.phase !== 'gone')
        .map((r) => ({
          address: r.address,
          labels: { namespace: LOCAL_NAMESPACE, pod: r.name, deployment: cell?.deployment.name ?? '' },
        })),
    );
  }

  async teardown(): Promise<void> {
    this.desired = 0; // no replacements from here on
    await this.reconciling;
    await Promise.all(this.replicas.map((r) => r.kill()));
    this.replicas = [];
    this.cell = undefined;
    this.publishTargets();
    await this.publishRoutes();
  }

  async close(): Promise<void> {
    await this.teardown();
    this.closed = true;
    await this.router.stop();
    await this.prom.stop();
  }
}
