import type { Catalog } from '../../catalog/catalog.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pairFiles, servingSpec } from '../../manifests/bundle.js';
import { manifestDefaults } from '../../manifests/defaults.js';
import { labelKeys, labelValue, MANAGED_BY, pairName, scaledDeploymentName, workloadName } from '../../manifests/names.js';
import type { K8sObject, ManifestOptions, ServingSpec } from '../../manifests/types.js';
import { writeManifests } from '../../manifests/yaml.js';
import type { ResolvedAutoscaler, ResolvedSlo } from '../../matrix/types.js';
import { UserError } from '../../util/errors.js';
import { sleep } from '../../util/ports.js';
import type { AutoscalerHandle, DeployOptions, ReplicaCounts, Target } from '../target.js';
import { ClusterClient } from './cluster-client.js';

export interface KubernetesTargetOptions {
  client: ClusterClient;
  namespace: string;
  /** Base URL the load goes to (ingress, LoadBalancer, port-forward): OpenAI API under /v1. */
  url: string;
  /** The Prometheus that scrapes the serving pods. */
  prometheusUrl: string;
  /** The run's id: every object carries it as a label, and teardown selects on it. */
  runId: string;
  /** Create the namespace if it does not exist. @default true */
  createNamespace?: boolean;
  /** Leave the last cell deployed when the run ends. @default false */
  keep?: boolean;
  slo: ResolvedSlo;
  /** Models, GPUs and accelerators the manifests are generated from. */
  catalog: Catalog;
  /** Generation options over the defaults (serving form, image, secret). */
  manifests?: Partial<ManifestOptions>;
  /** How often counts and the HPA's status are read. @default 1000 ms */
  pollMs?: number;
}

/** Kinds the target may have applied, in deletion order (autoscalers first, the workload last). */
const ownedKinds: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
];

const key = (o: Pick<K8sObject, 'kind' | 'metadata'>): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

interface Current {
  spec: ServingSpec;
  /** The Deployment whose scale is the replica count (KServe's raw mode: `<isvc>-predictor`). */
  scaled: string;
  /** The HPA that scales it: ours, KEDA's `keda-hpa-<scaledobject>`, or none. */
  hpa?: string;
}

/**
 * Cells on a real cluster: the cell's generated manifests, server-side applied
 * with the run's and cell's labels; replica counts from the Deployment's scale
 * and the HPA's status; teardown by label selector only.
 *
 * Between cells the previous cell's objects are removed (by its labels) and the
 * workload is reset to its starting count when the next cell deploys; the last
 * cell's objects go when the run closes, unless `keep`.
 */
export class KubernetesTarget implements Target {
  readonly kind = 'kubernetes' as const;
  private current?: Current;
  private counted: ReplicaCounts = { desired: 0, current: 0, ready: 0 };
  private hpaSeen: Record<string, number | null> = {};
  private cpu?: number;
  private poller?: { stop: () => Promise<void> };
  private pollError?: string;
  private checkedKinds = new Set<string>();
  private onEvent?: DeployOptions['onEvent'];
  private onDecision?: (record: Record<string, unknown>) => void;
  private autoscaler?: ResolvedAutoscaler;
  private lastDesired?: number;
  private lastStatusKey = '';
  private readyPods = new Set<string>();
  private lastReady = 0;

  constructor(private readonly o: KubernetesTargetOptions) {}

  get prometheusUrl(): string {
    return this.o.prometheusUrl;
  }

  get namespace(): string {
    return this.o.namespace;
  }

  /** The label selector of everything this run made (`managed-by=scalebench,scalebench.dev/run=<id>`). */
  runSelector(): string {
    return `${Object.entries(MANAGED_BY).map(([k, v]) => `${k}=${v}`).join(',')},${labelKeys.run}=${labelValue(this.o.runId)}`;
  }

  selector(): string {
    const prefix = this.current?.scaled ?? 'none';
    return `namespace="${this.o.namespace}",pod=~"${prefix}-.*"`;
  }

  endpoint(): string {
    return this.o.url.replace(/\/+$/, '');
  }

  model(): string {
    return this.current?.spec.deployment.model ?? '';
  }

  counts(): ReplicaCounts {
    return this.counted;
  }

  cpuUtilization(): number | undefined {
    return this.cpu;
  }

  async inFlight(): Promise<number | undefined> {
    return undefined;
  }

  /** Checks the API server, the kinds and the access the run needs, before any cell. */
  async preflight(kinds: ReadonlyArray<{ apiVersion: string; kind: string }>): Promise<void> {
    const { client, namespace } = this.o;
    if (this.o.createNamespace ?? true) {
      await client.checkAccess('', [{ group: '', resource: 'namespaces', verbs: ['get', 'patch'] }]);
      await client.ensureNamespace(namespace);
    }
    const needs = new Map<string, { group: string; resource: string; verbs: string[] }>();
    for (const k of kinds) {
      const group = k.apiVersion.includes('/') ? k.apiVersion.split('/')[0]! : '';
      const resource = pluralOf(k.kind);
      needs.set(`${group}/${resource}`, { group, resource, verbs: ['get', 'list', 'patch', 'delete'] });
    }
    needs.set('apps/deployments/scale', { group: 'apps', resource: 'deployments/scale', verbs: ['get', 'patch'] });
    needs.set('/events', { group: '', resource: 'events', verbs: ['list'] });
    needs.set('/pods', { group: '', resource: 'pods', verbs: ['list'] });
    await client.checkAccess(namespace, [...needs.values()]);
    await client.checkKinds(namespace, kinds);
    for (const k of kinds) this.checkedKinds.add(`${k.apiVersion}/${k.kind}`);
  }

  /** The objects of one cell, as applied: generated for its deployment × autoscaler with the run's and cell's labels. */
  cellObjects(cellId: string, spec: Pick<DeployOptions['cell'], 'deployment' | 'autoscaler'>): { spec: ServingSpec; files: Array<[string, K8sObject]> } {
    const options: ManifestOptions = {
      ...manifestDefaults.options,
      ...this.o.manifests,
      namespace: this.o.namespace,
      prometheusUrl: this.o.prometheusUrl,
      slo: this.o.slo,
      labels: { ...this.o.manifests?.labels, [labelKeys.run]: labelValue(this.o.runId), [labelKeys.cell]: labelValue(cellId) },
    };
    const s = servingSpec(this.o.catalog, spec.deployment, spec.autoscaler, options);
    // The adapter's rules ConfigMap is the cluster's prometheus-adapter configuration: not the harness's to overwrite.
    const files = pairFiles(s).filter(([name]) => name !== 'adapter-rules.yaml');
    return { spec: s, files };
  }

  async deploy(opts: DeployOptions): Promise<void> {
    const { cell } = opts;
    const { spec, files } = this.cellObjects(cell.id, cell);
    const objects = files.map(([, o]) => o);
    const manifestsDir = join(opts.dir, 'manifests');
    mkdirSync(manifestsDir, { recursive: true });
    writeManifests(manifestsDir, files.map(([path, o]) => ({ path, objects: [o] })), `cell ${cell.id}`);

    const unchecked = objects.filter((o) => !this.checkedKinds.has(`${o.apiVersion}/${o.kind}`));
    if (unchecked.length) await this.preflight(dedupeKinds(unchecked));

    // Switch: whatever this run left from earlier cells and is not part of this one goes (autoscalers first).
    const keep = new Set(objects.map(key));
    for (const old of await this.listRun()) if (!keep.has(key(old))) await this.o.client.delete(old);
    await this.stopPolling();

    const scaled = scaledDeploymentName(spec);
    for (const o of objects) await this.o.client.apply(o);
    this.current = { spec, scaled, hpa: hpaName(spec, cell.autoscaler) };
    this.onEvent = opts.onEvent;
    this.onDecision = undefined;
    this.lastDesired = undefined;
    this.lastStatusKey = '';
    this.readyPods = new Set();
    this.lastReady = 0;
    // Until the first poll of this cell, nothing counts as settled.
    this.counted = { desired: 0, current: 0, ready: 0 };
    // An HPA of an earlier cell may have moved spec.replicas: back to the start (the Deployment may not exist yet under KServe).
    if ((await this.o.client.readScale(this.o.namespace, scaled)) !== undefined) await this.o.client.setScale(this.o.namespace, scaled, spec.deployment.replicas.start);
    this.startPolling();
  }

  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const cur = this.need();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      signal?.throwIfAborted(); // an interrupted run ends the cell here, as on the local target
      const c = this.counted; // kept current by the poller deploy() started
      const workloadReady = cur.spec.options.serving === 'deployment' ? true : await this.inferenceServiceReady();
      // Settled: the wanted replicas are ready and no extra ones are left over from an earlier cell.
      if (workloadReady && c.desired > 0 && c.ready >= c.desired && c.current === c.desired) return;
      await sleep(this.o.pollMs ?? 1000, signal).catch(() => undefined);
    }
    throw new UserError(`kubernetes target: ${await this.notReadyReason(timeoutMs)}`);
  }

  startAutoscaler(a: ResolvedAutoscaler, o?: { onDecision: (record: Record<string, unknown>) => void }): AutoscalerHandle | undefined {
    if (a.kind === 'fixed') return undefined;
    this.autoscaler = a;
    this.onDecision = o?.onDecision;
    // The cluster's own controller (HPA, KEDA) decides; the handle reports what its HPA says it saw.
    return { seen: () => ({ ...this.hpaSeen }), stop: async () => undefined };
  }

  scale(desired: number, reason = 'scalebench'): void {
    const cur = this.need();
    this.onEvent?.({ kind: 'scale', from: this.counted.desired, to: desired, reason });
    this.lastDesired = desired;
    void this.o.client.setScale(this.o.namespace, cur.scaled, desired).catch((err) => (this.pollError = (err as Error).message));
  }

  /** The cell's objects stay until the next cell replaces them, or the run closes: see the class comment. */
  async teardown(): Promise<void> {
    await this.stopPolling();
  }

  async close(): Promise<void> {
    await this.stopPolling();
    if (this.o.keep) return;
    await this.removeRun();
  }

  /** Deletes every object of this run, by its labels (never an object without them). */
  async removeRun(): Promise<number> {
    const objects = await this.listRun();
    for (const o of objects) await this.o.client.delete(o);
    this.current = undefined;
    return objects.length;
  }

  /** Every object carrying this run's labels, in deletion order. */
  async listRun(): Promise<K8sObject[]> {
    const out: K8sObject[] = [];
    for (const k of ownedKinds) {
      if (!this.checkedKinds.has(`${k.apiVersion}/${k.kind}`)) continue;
      out.push(...(await this.o.client.list(k.apiVersion, k.kind, this.o.namespace, this.runSelector())));
    }
    return out;
  }

  /** The last error polling the cluster, if any (the sampler records gaps on its own). */
  lastPollError(): string | undefined {
    return this.pollError;
  }

  private need(): Current {
    if (!this.current) throw new Error('kubernetes target: no cell deployed');
    return this.current;
  }

  private startPolling(): void {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await this.poll();
        await sleep(this.o.pollMs ?? 1000).catch(() => undefined);
      }
    })();
    this.poller = {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  private async stopPolling(): Promise<void> {
    const p = this.poller;
    this.poller = undefined;
    await p?.stop();
  }

  /** Reads the Deployment (status) and the HPA (desired replicas, metric values). */
  private async poll(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    try {
      const d = await this.o.client.read('apps/v1', 'Deployment', this.o.namespace, cur.scaled);
      const spec = (d?.spec as { replicas?: number } | undefined)?.replicas ?? 0;
      const status = (d?.status ?? {}) as { replicas?: number; readyReplicas?: number };
      let desired = spec;
      let hs: HpaStatus | undefined;
      if (cur.hpa) {
        const hpa = await this.o.client.read('autoscaling/v2', 'HorizontalPodAutoscaler', this.o.namespace, cur.hpa);
        hs = hpa?.status as HpaStatus | undefined;
        // The HPA's wish counts while it can compute one (ScalingActive); else the Deployment's own count stands.
        const active = (hs?.conditions ?? []).some((c) => c.type === 'ScalingActive' && c.status === 'True');
        if (active && hs?.desiredReplicas) desired = hs.desiredReplicas;
        const seen = hpaMetricValues(hs);
        this.hpaSeen = seen.values;
        this.cpu = seen.cpuUtilization;
      }
      this.counted = { desired, current: status.replicas ?? 0, ready: status.readyReplicas ?? 0 };
      if (this.current === cur) await this.report(cur, desired, hs);
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
  private async report(cur: Current, desired: number, hs: HpaStatus | undefined): Promise<void> {
    if (this.lastDesired !== undefined && desired !== this.lastDesired) {
      const rescale = cur.hpa ? (await this.o.client.eventsFor(this.o.namespace, cur.hpa).catch(() => [])).filter((e) => e.startsWith('SuccessfulRescale')).pop() : undefined;
      this.onEvent?.({ kind: 'scale', from: this.lastDesired, to: desired, reason: `HPA ${cur.hpa ?? ''}${rescale ? `: ${rescale}` : ''}` });
    }
    this.lastDesired = desired;
    if (hs && this.onDecision && this.autoscaler) {
      const statusKey = JSON.stringify([hs.desiredReplicas, hs.currentReplicas, this.hpaSeen]);
      if (statusKey !== this.lastStatusKey) {
        this.lastStatusKey = statusKey;
        this.onDecision({ kind: 'autoscaler', autoscaler: this.autoscaler.name, autoscalerKind: this.autoscaler.kind, loop: 'cluster', hpa: cur.hpa, metrics: metricList(this.hpaSeen), currentReplicas: hs.currentReplicas, desiredReplicas: hs.desiredReplicas });
      }
    }
    // The pods are listed only when the ready count has grown, not every poll.
    const grew = this.counted.ready > this.lastReady;
    this.lastReady = this.counted.ready;
    if (!grew) return;
    for (const p of await this.podsOf(cur)) {
      if (this.readyPods.has(p.metadata.name)) continue;
      const ready = ((p.status as { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True');
      if (!ready) continue;
      this.readyPods.add(p.metadata.name);
      const created = Date.parse((p.metadata as { creationTimestamp?: string }).creationTimestamp ?? '');
      const at = Date.parse(ready.lastTransitionTime ?? '');
      this.onEvent?.({ kind: 'replica-ready', pod: p.metadata.name, startupMs: Number.isFinite(created) && Number.isFinite(at) ? at - created : 0 });
    }
  }

  /** The pods of the scaled Deployment (its ReplicaSets name them `<deployment>-<hash>-<id>`). */
  private async podsOf(cur: Current): Promise<K8sObject[]> {
    return (await this.o.client.list('v1', 'Pod', this.o.namespace)).filter((p) => p.metadata.name.startsWith(`${cur.scaled}-`));
  }

  private async inferenceServiceReady(): Promise<boolean> {
    const cur = this.need();
    const isvc = await this.o.client.read('serving.kserve.io/v1beta1', 'InferenceService', this.o.namespace, workloadName(cur.spec));
    const conditions = ((isvc?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
    return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  }

  /** What is not ready and why: the workload's counts, each unready pod's failing conditions, the latest events. */
  async notReadyReason(timeoutMs: number): Promise<string> {
    const cur = this.need();
    const c = this.counted;
    const parts = [`Deployment ${this.o.namespace}/${cur.scaled}: ${c.ready} of ${c.desired} replicas ready (${c.current} exist) after ${Math.round(timeoutMs / 1000)} s`];
    if (cur.spec.options.serving !== 'deployment') {
      const isvc = await this.o.client.read('serving.kserve.io/v1beta1', 'InferenceService', this.o.namespace, workloadName(cur.spec));
      const conds = ((isvc?.status as { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } | undefined)?.conditions ?? []);
      const bad = conds.filter((x) => x.status !== 'True').map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason}${x.message ? `: ${x.message}` : ''})` : ''}`);
      parts.push(`InferenceService ${workloadName(cur.spec)}: ${bad.length ? bad.join(', ') : conds.length ? 'Ready' : 'no status yet (is the KServe controller running?)'}`);
    }
    for (const p of (await this.podsOf(cur)).slice(0, 5)) {
      const st = p.status as { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } | undefined;
      const bad = (st?.conditions ?? []).filter((x) => x.status !== 'True').map((x) => `${x.type}=False${x.reason ? ` (${x.reason}${x.message ? `: ${x.message}` : ''})` : ''}`);
      if (bad.length || st?.phase !== 'Running') parts.push(`pod ${p.metadata.name}: ${st?.phase ?? 'no phase'}${bad.length ? `, ${bad.join(', ')}` : ''}`);
    }
    const events = await this.o.client.eventsFor(this.o.namespace, cur.scaled).catch(() => []);
    if (events.length) parts.push(`events: ${events.slice(-3).join('; ')}`);
    return parts.join('; ');
  }
}

interface HpaStatus {
  desiredReplicas?: number;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  currentReplicas?: number;
  currentMetrics?: Array<{
    type: string;
    pods?: { metric: { name: string }; current: { averageValue?: string } };
    external?: { metric: { name: string }; current: { value?: string; averageValue?: string } };
    object?: { metric: { name: string }; current: { value?: string; averageValue?: string } };
    resource?: { name: string; current: { averageUtilization?: number; averageValue?: string } };
  }>;
}

/** The metric values an HPA reports in status.currentMetrics, by metric name (quantities parsed). */
/** The HPA's metric values in the shape of the local target's decision records (hpa.ts HpaDecision.metrics): name and value. */
export function metricList(seen: Record<string, number | null>): Array<{ name: string; value: number | null }> {
  return Object.entries(seen).map(([name, value]) => ({ name, value }));
}

export function hpaMetricValues(s: HpaStatus | undefined): { values: Record<string, number | null>; cpuUtilization?: number } {
  const values: Record<string, number | null> = {};
  let cpuUtilization: number | undefined;
  for (const m of s?.currentMetrics ?? []) {
    if (m.type === 'Pods' && m.pods) values[m.pods.metric.name] = parseQuantity(m.pods.current.averageValue);
    else if (m.type === 'External' && m.external) values[m.external.metric.name] = parseQuantity(m.external.current.averageValue ?? m.external.current.value);
    else if (m.type === 'Object' && m.object) values[m.object.metric.name] = parseQuantity(m.object.current.averageValue ?? m.object.current.value);
    else if (m.type === 'Resource' && m.resource) {
      const u = m.resource.current.averageUtilization;
      values[`${m.resource.name}_utilization`] = u ?? null;
      if (m.resource.name === 'cpu' && u !== undefined) cpuUtilization = u;
    }
  }
  return cpuUtilization === undefined ? { values } : { values, cpuUtilization };
}

const suffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity ("1500m", "2", "1Ki") as a number; null when absent or unreadable. */
export function parseQuantity(q: string | undefined): number | null {
  if (q === undefined) return null;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) return null;
  return Number(m[1]) * suffixes[m[2] ?? '']!;
}

/** The HPA that scales this pair: ours (the pair's name), KEDA's (`keda-hpa-<scaledobject>`), or none. */
function hpaName(s: ServingSpec, a: ResolvedAutoscaler): string | undefined {
  if (a.kind === 'fixed') return undefined;
  if (a.kind === 'keda') return s.options.serving === 'deployment' ? `keda-hpa-${pairName(s)}` : `keda-hpa-${scaledDeploymentName(s)}`;
  if (a.kind === 'hpa-cpu' && s.options.serving !== 'deployment') return scaledDeploymentName(s);
  return pairName(s);
}

function dedupeKinds(objects: readonly K8sObject[]): Array<{ apiVersion: string; kind: string }> {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) seen.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
  return [...seen.values()];
}

/** The resource name RBAC uses for a kind (lower-case plural). */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
  if (k.endsWith('s')) return `${k}es`;
  return `${k}s`;
}
