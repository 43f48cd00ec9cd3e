import type { ServingSpec } from '../../manifests/types.js';
import { workloadName } from '../../manifests/names.js';
import type { ResolvedAutoscaler } from '../../matrix/types.js';
import { UserError } from '../../util/errors.js';
import { sleep } from '../../util/ports.js';
import type { DeployOptions } from '../target.js';
import type { ReplicaCounts } from '../../results/samples.js';
import type { ClusterClient } from './cluster-client.js';
import { conditionsOf, deploymentReplicas, failing, hpaActive, hpaMetricValues, hpaStatus, isTrue, metricList, podState, type HpaStatus } from './status.js';
import type { DecisionEvent } from '../../results/events.js';

/** The cell the observer watches: its serving spec, the Deployment whose scale is the replica count, the HPA that scales it. */
export interface Watched {
  spec: ServingSpec;
  /** The Deployment whose scale is the replica count (KServe's raw mode: `<isvc>-predictor`). */
  scaled: string;
  /** The HPA that scales it: ours, KEDA's `keda-hpa-<scaledobject>`, or none. */
  hpa?: string;
}

export interface ObserverOptions {
  client: ClusterClient;
  namespace: string;
  /** How often counts and the HPA's status are read, ms. */
  pollMs: number;
}

const ZERO: ReplicaCounts = { desired: 0, current: 0, ready: 0 };

/**
 * The kubernetes target's eyes: polls the watched Deployment and its HPA,
 * keeps the replica counts (desired from the HPA while it can compute one,
 * else the Deployment's spec), the HPA's metric values, and turns what
 * changed into events: `scale`, `autoscaler` records, `replica-ready`.
 * Every object is read through status.ts's schemas.
 */
export class ClusterObserver {
  private watched?: Watched;
  private counted: ReplicaCounts = ZERO;
  private hpaSeen: Record<string, number | null> = {};
  private cpu?: number;
  private poller?: { stop: () => Promise<void> };
  private pollError?: string;
  private onEvent?: DeployOptions['onEvent'];
  private decisions?: { autoscaler: ResolvedAutoscaler; onDecision: (record: DecisionEvent) => void };
  private lastDesired?: number;
  private lastStatusKey = '';
  private readyPods = new Set<string>();
  private lastReady = 0;

  constructor(private readonly o: ObserverOptions) {}

  /** Starts watching a freshly deployed cell; nothing counts as settled until its first poll. */
  watch(w: Watched, onEvent: DeployOptions['onEvent']): void {
    this.watched = w;
    this.onEvent = onEvent;
    this.decisions = undefined;
    this.lastDesired = undefined;
    this.lastStatusKey = '';
    this.readyPods = new Set();
    this.lastReady = 0;
    this.counted = ZERO;
    this.hpaSeen = {};
    this.cpu = undefined;
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await this.poll();
        await sleep(this.o.pollMs).catch(() => undefined);
      }
    })();
    this.poller = {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  /** Stops polling (the counts keep their last values). */
  async stop(): Promise<void> {
    const p = this.poller;
    this.poller = undefined;
    await p?.stop();
  }

  /** Forgets the cell (its objects are gone). */
  forget(): void {
    this.watched = undefined;
  }

  get current(): Watched | undefined {
    return this.watched;
  }

  counts(): ReplicaCounts {
    return this.counted;
  }

  /** The metric values the HPA last reported, by metric name. */
  seen(): Record<string, number | null> {
    return { ...this.hpaSeen };
  }

  cpuUtilization(): number | undefined {
    return this.cpu;
  }

  /** The last error polling the cluster, if any (the sampler records gaps on its own). */
  lastError(): string | undefined {
    return this.pollError;
  }

  /** Records the HPA's status changes as `autoscaler` decisions of `a`. */
  follow(a: ResolvedAutoscaler, onDecision: (record: DecisionEvent) => void): void {
    this.decisions = { autoscaler: a, onDecision };
  }

  /** The harness set the scale itself: its `scale` event, and no second one when the poll sees it. */
  scaledTo(desired: number, reason: string): void {
    this.onEvent?.({ kind: 'scale', from: this.counted.desired, to: desired, reason });
    this.lastDesired = desired;
  }

  /** Records an error of an action the target took on its own (a scale it set). */
  noteError(message: string): void {
    this.pollError = message;
  }

  /**
   * Resolves when the wanted replicas are ready and no extra ones are left
   * over from an earlier cell (and, under KServe, the InferenceService is
   * Ready); rejects with the signal's reason as soon as it aborts, and with a
   * UserError naming what is not ready after timeoutMs.
   */
  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const cur = this.need();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      const c = this.counted; // kept current by the poller
      const workloadReady = cur.spec.options.serving === 'deployment' ? true : await this.inferenceServiceReady(cur);
      if (workloadReady && c.desired > 0 && c.ready >= c.desired && c.current === c.desired) return;
      await sleep(Math.min(this.o.pollMs, Math.max(0, deadline - Date.now())), signal).catch(() => undefined);
    }
    signal?.throwIfAborted();
    throw new UserError(`kubernetes target: ${await this.notReadyReason(timeoutMs)}`);
  }

  /** What is not ready and why: the workload's counts, each unready pod's failing conditions, the latest events. */
  async notReadyReason(timeoutMs: number): Promise<string> {
    const cur = this.need();
    const { client, namespace } = this.o;
    const c = this.counted;
    const parts = [
      `Deployment ${namespace}/${cur.scaled}: ${c.ready} of ${c.desired} replicas ready (${c.current} exist) after ${Math.round(timeoutMs / 1000)} s`,
    ];
    if (cur.spec.options.serving !== 'deployment') {
      const conds = conditionsOf(await client.read('serving.kserve.io/v1beta1', 'InferenceService', namespace, workloadName(cur.spec)));
      const bad = failing(conds);
      parts.push(
        `InferenceService ${workloadName(cur.spec)}: ${bad.length ? bad.join(', ') : conds.length ? 'Ready' : 'no status yet (is the KServe controller running?)'}`,
      );
    }
    for (const p of (await this.podsOf(cur)).slice(0, 5)) {
      const bad = failing(p.conditions);
      if (bad.length || p.phase !== 'Running') parts.push(`pod ${p.name}: ${p.phase ?? 'no phase'}${bad.length ? `, ${bad.join(', ')}` : ''}`);
    }
    const events = await client.eventsFor(namespace, cur.scaled).catch(() => []);
    if (events.length) parts.push(`events: ${events.slice(-3).join('; ')}`);
    return parts.join('; ');
  }

  private need(): Watched {
    if (!this.watched) throw new Error('kubernetes target: no cell deployed');
    return this.watched;
  }

  /** Reads the Deployment (spec and status) and the HPA (desired replicas, metric values). */
  private async poll(): Promise<void> {
    const cur = this.watched;
    if (!cur) return;
    const { client, namespace } = this.o;
    try {
      const d = deploymentReplicas(await client.read('apps/v1', 'Deployment', namespace, cur.scaled));
      let desired = d.spec;
      let hs: HpaStatus | undefined;
      if (cur.hpa) {
        hs = hpaStatus(await client.read('autoscaling/v2', 'HorizontalPodAutoscaler', namespace, cur.hpa));
        // The HPA's wish counts while it can compute one (ScalingActive); else the Deployment's own count stands.
        if (hpaActive(hs) && hs?.desiredReplicas) desired = hs.desiredReplicas;
        const seen = hpaMetricValues(hs);
        this.hpaSeen = seen.values;
        this.cpu = seen.cpuUtilization;
      }
      if (this.watched !== cur) return;
      this.counted = { desired, current: d.current, ready: d.ready };
      await this.report(cur, desired, hs);
      this.pollError = undefined;
    } catch (err) {
      this.pollError = (err as Error).message;
    }
  }

  /**
   * What the cluster decided, for events.jsonl: a `scale` event when the
   * desired count moves (with the HPA's SuccessfulRescale message), an
   * `autoscaler` record when the HPA's status changes, `replica-ready` when a
   * pod first turns Ready (start-up measured from its creation).
   */
  private async report(cur: Watched, desired: number, hs: HpaStatus | undefined): Promise<void> {
    if (this.lastDesired !== undefined && desired !== this.lastDesired) {
      const rescale = cur.hpa
        ? (await this.o.client.eventsFor(this.o.namespace, cur.hpa).catch(() => [])).filter((e) => e.startsWith('SuccessfulRescale')).pop()
        : undefined;
      this.onEvent?.({ kind: 'scale', from: this.lastDesired, to: desired, reason: `HPA ${cur.hpa ?? ''}${rescale ? `: ${rescale}` : ''}` });
    }
    this.lastDesired = desired;
    const dec = this.decisions;
    if (hs && dec) {
      const statusKey = JSON.stringify([hs.desiredReplicas, hs.currentReplicas, this.hpaSeen]);
      if (statusKey !== this.lastStatusKey) {
        this.lastStatusKey = statusKey;
        dec.onDecision({
          kind: 'autoscaler',
          autoscaler: dec.autoscaler.name,
          autoscalerKind: dec.autoscaler.kind,
          loop: 'cluster',
          hpa: cur.hpa,
          metrics: metricList(this.hpaSeen),
          currentReplicas: hs.currentReplicas,
          desiredReplicas: hs.desiredReplicas,
        });
      }
    }
    // The pods are listed only when the ready count has grown, not every poll.
    const grew = this.counted.ready > this.lastReady;
    this.lastReady = this.counted.ready;
    if (!grew) return;
    for (const p of await this.podsOf(cur)) {
      if (this.readyPods.has(p.name)) continue;
      const ready = isTrue(p.conditions, 'Ready');
      if (!ready) continue;
      this.readyPods.add(p.name);
      const at = Date.parse(ready.lastTransitionTime ?? '');
      this.onEvent?.({ kind: 'replica-ready', pod: p.name, startupMs: Number.isFinite(p.createdMs) && Number.isFinite(at) ? at - p.createdMs : 0 });
    }
  }

  /** The pods of the scaled Deployment (its ReplicaSets name them `<deployment>-<hash>-<id>`). */
  private async podsOf(cur: Watched): Promise<Array<ReturnType<typeof podState>>> {
    return (await this.o.client.list('v1', 'Pod', this.o.namespace)).filter((p) => p.metadata.name.startsWith(`${cur.scaled}-`)).map(podState);
  }

  private async inferenceServiceReady(cur: Watched): Promise<boolean> {
    const isvc = await this.o.client.read('serving.kserve.io/v1beta1', 'InferenceService', this.o.namespace, workloadName(cur.spec));
    return isTrue(conditionsOf(isvc), 'Ready') !== undefined;
  }
}
