import type { ResolvedAutoscaler, ResolvedControllers, ResolvedDeployment } from '../../matrix/types.js';
import { DEFAULT_METRICS_QUERY, podMatchers, renderMetricsQuery } from '../../metrics/adapter.js';
import type { PromClient } from '../../metrics/prom.js';
import { sleep } from '../../util/ports.js';
import { AutoscalerDecisions, type LoopDecision, type SyncReading } from './autoscalers/decisions.js';
import type { PodInfo, PodSamples } from './autoscalers/pods.js';
import type { PromQueryOutcome } from './autoscalers/prometheus-trigger.js';
import type { Replica } from './replica.js';
import { LOCAL_NAMESPACE } from './namespace.js';
import type { DecisionEvent } from '../../results/events.js';

/** What the loop needs of the local target. */
export interface ScalableTarget {
  pods(): readonly Replica[];
  counts(): { desired: number; current: number; ready: number };
  scale(desired: number, reason: string): void;
}

export interface AutoscalerLoopOptions {
  autoscaler: Exclude<ResolvedAutoscaler, { kind: 'fixed' }>;
  deployment: ResolvedDeployment;
  target: ScalableTarget;
  prom: PromClient;
  /** The controllers' own flags, time-scaled by resolve (ResolvedMatrix.controllers). */
  controllers: ResolvedControllers;
  /** Every decision, for events.jsonl. */
  onDecision: (record: DecisionEvent) => void;
}

/** A replica as the HPA sees its pod. Draining replicas are terminating pods (ignored). */
export function podInfo(r: Replica): PodInfo {
  return {
    name: r.name,
    phase: r.phase === 'draining' || r.phase === 'gone' ? 'Deleted' : 'Running',
    ready: r.phase === 'ready',
    startTime: r.startedAt,
    ...(r.readyAt !== undefined ? { lastReadyTransition: r.readyAt } : {}),
    everReady: r.readyAt !== undefined,
  };
}

/**
 * Runs one autoscaler against the local target: the HPA controller's sync loop
 * (hpa-cpu, hpa-custom) or KEDA's operator poll plus the HPA it creates (keda).
 * Metric values come from real measurements: each replica's CPU time from
 * /proc, per-pod series through prometheus-adapter style queries, KEDA's
 * scalar query straight from Prometheus.
 */
export class AutoscalerLoop {
  private stopped = false;
  private loops: Promise<void>[] = [];
  private decisions?: AutoscalerDecisions;
  /** Each live replica's CPU time readings, oldest first, over the last metrics window. */
  private cpuHistory = new Map<string, Array<{ t: number; cpu: number }>>();
  /** CPU usage is averaged over this window (metrics-server's resolution; see ResolvedControllers). */
  private readonly cpuWindowMs: number;
  /** The metric values the autoscaler last saw, for samples.jsonl. */
  get seen(): Record<string, number | null> {
    return this.decisions?.seen ?? {};
  }

  constructor(private readonly o: AutoscalerLoopOptions) {
    this.cpuWindowMs = o.controllers.cpuWindowMs;
  }

  start(): void {
    const a = this.o.autoscaler;
    if (a.kind === 'hpa-cpu') {
      this.sampleCpu(); // a baseline, so the first sync has a window
      this.loops.push(this.every(Math.min(500, this.cpuWindowMs / 4), async () => void this.sampleCpu()));
    }
    this.decisions = new AutoscalerDecisions(a, this.o.deployment, this.o.controllers, Date.now());
    if (a.kind === 'keda') {
      this.loops.push(this.every(a.pollingIntervalMs, () => this.kedaOperatorPoll()));
    }
    this.loops.push(this.every(a.syncPeriodMs, () => this.hpaSync()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async every(periodMs: number, step: () => Promise<void>): Promise<void> {
    let next = Date.now() + periodMs;
    while (!this.stopped) {
      const wait = next - Date.now();
      if (wait > 0) await this.sleepUnlessStopped(wait);
      if (this.stopped) return;
      next += periodMs;
      await step();
    }
  }

  private async sleepUnlessStopped(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.stopped && Date.now() < end) await sleep(Math.min(100, end - Date.now()));
  }

  /**
   * Millicores each live replica used over the metrics window (or since it was
   * first seen, if that is shorter). A replica seen only once has no sample yet.
   */
  private sampleCpu(): PodSamples {
    const now = Date.now();
    const out: Record<string, { value: number; timestamp: number; window: number }> = {};
    const seenPods = new Set<string>();
    for (const r of this.o.target.pods()) {
      const cpu = r.cpuSeconds();
      if (cpu === undefined) continue;
      seenPods.add(r.name);
      const history = this.cpuHistory.get(r.name) ?? [];
      history.push({ t: now, cpu });
      // Keep the newest reading at least a window old as the base.
      while (history.length > 2 && history[1]!.t <= now - this.cpuWindowMs) history.shift();
      this.cpuHistory.set(r.name, history);
      const base = history[0]!;
      if (now > base.t) out[r.name] = { value: ((cpu - base.cpu) * 1e6) / (now - base.t), timestamp: now, window: now - base.t };
    }
    for (const name of this.cpuHistory.keys()) if (!seenPods.has(name)) this.cpuHistory.delete(name);
    return out;
  }

  private async podMetric(series: string, template: string, pods: readonly PodInfo[]): Promise<PodSamples | { error: string }> {
    const live = pods.filter((p) => p.phase !== 'Deleted').map((p) => p.name);
    const query = renderMetricsQuery(template, series, podMatchers(LOCAL_NAMESPACE, live), 'pod');
    try {
      const now = Date.now();
      const result = await this.o.prom.query(query);
      const out: Record<string, { value: number; timestamp: number; window: number }> = {};
      for (const s of result) {
        const pod = s.labels.pod;
        if (pod && Number.isFinite(s.value)) out[pod] = { value: s.value, timestamp: now, window: 0 };
      }
      return out;
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private async hpaSync(): Promise<void> {
    const a = this.o.autoscaler;
    const now = Date.now();
    const counts = this.o.target.counts();
    const pods = this.o.target.pods().map(podInfo);
    let reading: SyncReading;
    if (a.kind === 'keda') reading = { kind: 'keda', outcome: await this.triggerOutcome(a.query) };
    else if (a.kind === 'hpa-cpu') reading = { kind: 'hpa-cpu', usage: this.sampleCpu() };
    else reading = { kind: 'hpa-custom', samples: await this.podMetric(a.metric, a.query ?? DEFAULT_METRICS_QUERY, pods) };
    this.apply(this.decisions!.hpaSync(now, counts, pods, reading));
  }

  private async kedaOperatorPoll(): Promise<void> {
    const a = this.o.autoscaler;
    if (a.kind !== 'keda') return;
    const outcome = await this.triggerOutcome(a.query);
    const d = this.decisions!.kedaPoll(Date.now(), this.o.target.counts().desired, outcome);
    if (d) this.apply(d);
  }

  private async triggerOutcome(query: string): Promise<PromQueryOutcome> {
    try {
      const result = await this.o.prom.query(query);
      // Back to the API's wire form, which the trigger rules read (value as a string: "NaN" stays NaN).
      return { result: result.map((s) => ({ metric: s.labels, value: [0, String(s.value)] })) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private apply(d: LoopDecision): void {
    if (this.stopped) return;
    this.o.onDecision(d.record);
    if (d.after !== d.before) this.o.target.scale(d.after, `${this.o.autoscaler.name} (${String(d.record.loop)})`);
  }
}
