import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../../catalog/catalog.js';
import { pairFiles, servingSpec } from '../../manifests/bundle.js';
import { manifestDefaults } from '../../manifests/defaults.js';
import { labelKeys, labelValue, MANAGED_BY, pairName, scaledDeploymentName } from '../../manifests/names.js';
import type { K8sObject, ManifestOptions, ServingSpec } from '../../manifests/types.js';
import { writeManifests } from '../../manifests/yaml.js';
import type { ResolvedAutoscaler, ResolvedSlo } from '../../matrix/types.js';
import type { ErrorSource } from '../../results/points.js';
import type { AutoscalerHandle, DeployOptions, Target } from '../target.js';
import type { ReplicaCounts } from '../../results/samples.js';
import type { ResolvedLoadRunner } from '../../matrix/types.js';
import type { K6Result, RunK6Options } from '../../load/k6-process.js';
import { runK6Job, type JobRunnerOptions } from './job-runner.js';
import type { ClusterClient } from './cluster-client.js';
import { ClusterObserver } from './observer.js';
import type { DecisionEvent } from '../../results/events.js';

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
  /** How long a cell's first replicas may take to be ready (image pull, weights). @default 600000 ms */
  readyTimeoutMs?: number;
  /** Where the load runs (target.load); runner: job runs it as an Indexed Job (job-runner.ts). */
  load?: ResolvedLoadRunner;
  /** The job runner's timings (tests shorten them). */
  jobRunner?: Pick<JobRunnerOptions, 'runningTimeoutMs' | 'barrierMarginMs' | 'pollMs'>;
}

/** Pulling a vLLM image and loading a model's weights take minutes on a cold node. */
const DEFAULT_READY_TIMEOUT_MS = 600_000;

/** Kinds the target may have applied, in deletion order (autoscalers first, the workload last). */
const ownedKinds: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'batch/v1', kind: 'Job' },
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
  /** Only a request k6 cut at the load's end is the harness's doing: the route to the pods is the cluster's. */
  readonly harnessErrorSources: readonly ErrorSource[] = ['aborted'];
  private readonly observer: ClusterObserver;
  private checkedKinds = new Set<string>();

  /** With runner: job, the cell's load runs in the cluster (job-runner.ts); else k6 runs here. */
  readonly runLoad?: (o: RunK6Options) => Promise<K6Result>;
  /** The deployed cell's id: its runner Job carries it as a label. */
  private cellId?: string;

  constructor(private readonly o: KubernetesTargetOptions) {
    this.observer = new ClusterObserver({ client: o.client, namespace: o.namespace, pollMs: o.pollMs ?? 1000 });
    const load = o.load;
    if (load?.runner === 'job') this.runLoad = (k6: RunK6Options) => this.runJob(k6, load);
  }

  private async runJob(k6: RunK6Options, load: ResolvedLoadRunner): Promise<K6Result> {
    if (!this.cellId) throw new Error('kubernetes target: no cell deployed');
    if (!this.checkedKinds.has('batch/v1/Job'))
      await this.preflight([
        { apiVersion: 'batch/v1', kind: 'Job' },
        { apiVersion: 'v1', kind: 'ConfigMap' },
      ]);
    await this.o.client.checkAccess(this.o.namespace, [
      { group: '', resource: 'pods/log', verbs: ['get'] },
      { group: '', resource: 'pods', verbs: ['patch'] },
    ]);
    const labels = { ...MANAGED_BY, [labelKeys.run]: labelValue(this.o.runId), [labelKeys.cell]: labelValue(this.cellId) };
    return runK6Job(k6, { client: this.o.client, namespace: this.o.namespace, labels, load, ...this.o.jobRunner });
  }

  get prometheusUrl(): string {
    return this.o.prometheusUrl;
  }

  /** The interval of the ServiceMonitor (or PodMonitor) this target generates. */
  get scrapeIntervalMs(): number {
    return (this.o.manifests?.scrapeIntervalS ?? manifestDefaults.options.scrapeIntervalS) * 1000;
  }

  /** Pods pull an image and load weights: the option bounds it, not the simulator's start-up. */
  readyTimeoutMs(): number {
    return this.o.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  }

  get namespace(): string {
    return this.o.namespace;
  }

  /** The label selector of everything this run made (`managed-by=scalebench,scalebench.dev/run=<id>`). */
  runSelector(): string {
    return `${Object.entries(MANAGED_BY)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')},${labelKeys.run}=${labelValue(this.o.runId)}`;
  }

  selector(): string {
    const prefix = this.observer.current?.scaled ?? 'none';
    return `namespace="${this.o.namespace}",pod=~"${prefix}-.*"`;
  }

  endpoint(): string {
    return this.o.url.replace(/\/+$/, '');
  }

  model(): string {
    return this.observer.current?.spec.deployment.model ?? '';
  }

  counts(): ReplicaCounts {
    return this.observer.counts();
  }

  cpuUtilization(): number | undefined {
    return this.observer.cpuUtilization();
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
    writeManifests(
      manifestsDir,
      files.map(([path, o]) => ({ path, objects: [o] })),
      `cell ${cell.id}`,
    );

    const unchecked = objects.filter((o) => !this.checkedKinds.has(`${o.apiVersion}/${o.kind}`));
    if (unchecked.length) await this.preflight(dedupeKinds(unchecked));

    // Switch: whatever this run left from earlier cells and is not part of this one goes (autoscalers first).
    const keep = new Set(objects.map(key));
    for (const old of await this.listRun()) if (!keep.has(key(old))) await this.o.client.delete(old);
    await this.observer.stop();

    const scaled = scaledDeploymentName(spec);
    for (const o of objects) await this.o.client.apply(o);
    const hpa = hpaName(spec, cell.autoscaler);
    this.cellId = cell.id;
    // An HPA of an earlier cell may have moved spec.replicas: back to the start (the Deployment may not exist yet under KServe).
    if ((await this.o.client.readScale(this.o.namespace, scaled)) !== undefined)
      await this.o.client.setScale(this.o.namespace, scaled, spec.deployment.replicas.start);
    this.observer.watch({ spec, scaled, ...(hpa ? { hpa } : {}) }, opts.onEvent);
  }

  waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.observer.waitReady(timeoutMs, signal);
  }

  startAutoscaler(a: ResolvedAutoscaler, o?: { onDecision: (record: DecisionEvent) => void }): AutoscalerHandle | undefined {
    if (a.kind === 'fixed') return undefined;
    if (o) this.observer.follow(a, o.onDecision);
    // The cluster's own controller (HPA, KEDA) decides; the handle reports what its HPA says it saw.
    return { seen: () => this.observer.seen(), stop: async () => undefined };
  }

  scale(desired: number, reason = 'scalebench'): void {
    const cur = this.observer.current;
    if (!cur) throw new Error('kubernetes target: no cell deployed');
    this.observer.scaledTo(desired, reason);
    void this.o.client.setScale(this.o.namespace, cur.scaled, desired).catch((err) => this.observer.noteError((err as Error).message));
  }

  /** The cell's objects stay until the next cell replaces them, or the run closes: see the class comment. */
  async teardown(): Promise<void> {
    await this.observer.stop();
  }

  async close(): Promise<void> {
    await this.observer.stop();
    if (this.o.keep) return;
    await this.removeRun();
  }

  /** Deletes every object of this run, by its labels (never an object without them). */
  async removeRun(): Promise<number> {
    const objects = await this.listRun();
    for (const o of objects) await this.o.client.delete(o);
    this.observer.forget();
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
    return this.observer.lastError();
  }

  /** What is not ready and why (ClusterObserver.notReadyReason). */
  notReadyReason(timeoutMs: number): Promise<string> {
    return this.observer.notReadyReason(timeoutMs);
  }
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
