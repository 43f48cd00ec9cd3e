import type { ResolvedDeployment, ResolvedWorkload } from '../../../src/matrix/types.js';
import { freePort, sleep } from '../../../src/util/ports.js';
import type { LocalPrometheus, ScrapeTarget } from '../../../src/targets/local/prometheus.js';
import { Replica } from '../../../src/targets/local/replica.js';
import { type RouterProcess, startPrometheusAndRouter } from '../../../src/targets/local/router.js';
import { simArgs } from '../../../src/targets/local/sim-args.js';
import type { ClusterClient } from '../../../src/targets/kubernetes/cluster-client.js';
import { projectCatalog } from '../../../src/catalog/catalog.js';
import { expandCells } from '../../../src/matrix/expand.js';
import { parseMatrix } from '../../../src/matrix/load.js';
import { findTool } from '../../../src/util/tools.js';

export interface KwokBackingOptions {
  client: ClusterClient;
  namespace: string;
  /** Pods whose name starts with this (the Deployment's name and a dash) are backed. */
  podPrefix: string;
  /** What each backing simulator serves (latencies from the deployment, as on the local target). */
  deployment: ResolvedDeployment;
  workload: ResolvedWorkload;
  simBinary: string;
  prometheusBinary: string;
  routerBinary: string;
  scrapeIntervalMs: number;
  logDir: string;
  /** How often the pods are listed. @default 500 ms */
  pollMs?: number;
}

/**
 * The cluster tier's data plane. kwok makes a Deployment's pods Running
 * without a kubelet, but nothing serves behind them: for each Running pod this
 * starts a simulator process on a loopback port, scraped by a real Prometheus
 * with the pod's namespace and name as labels (what a ServiceMonitor would
 * give), and routed to by the router. A pod that goes (scale-down, deletion)
 * takes its process with it. The HPA, the adapter and the scheduler are the
 * cluster's own; only the kubelet's part is played here.
 */
export class KwokBacking {
  private readonly replicas = new Map<string, Replica>();
  private stopped = false;
  private loop?: Promise<void>;
  private seq = 0;
  private prometheusStopped = false;
  private extra: ScrapeTarget[] = [];

  private constructor(
    private readonly o: KwokBackingOptions,
    readonly prometheus: LocalPrometheus,
    readonly router: RouterProcess,
  ) {}

  /**
   * The backing of a matrix's first cell's deployment (its pods named
   * `<deployment>-…`), with this machine's simulator, Prometheus (scraping
   * every 500 ms) and router: what the cluster tests start.
   */
  static async forMatrix(o: { client: ClusterClient; namespace: string; matrix: string; logDir: string }): Promise<KwokBacking> {
    const m = parseMatrix(o.matrix, 'backing.yaml', projectCatalog());
    const deployment = expandCells(m)[0]!.deployment;
    return KwokBacking.start({
      client: o.client,
      namespace: o.namespace,
      podPrefix: `${deployment.name}-`,
      deployment,
      workload: m.workload,
      simBinary: findTool('sim'),
      prometheusBinary: findTool('prometheus'),
      routerBinary: findTool('router'),
      scrapeIntervalMs: 500,
      logDir: o.logDir,
    });
  }

  static async start(o: KwokBackingOptions): Promise<KwokBacking> {
    const { prom, router } = await startPrometheusAndRouter(o);
    const b = new KwokBacking(o, prom, router);
    b.loop = b.run();
    return b;
  }

  get url(): string {
    return this.router.url;
  }

  get prometheusUrl(): string {
    return this.prometheus.url;
  }

  /**
   * Further scrape targets beside the pods' (e.g. a test's own exporter of a
   * demand signal that exists when no pod does).
   */
  setExtraTargets(targets: ScrapeTarget[]): void {
    this.extra = targets;
    this.publish();
  }

  /** Pod names with a live backing process. */
  backed(): string[] {
    return [...this.replicas.keys()].sort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.reconcile();
      } catch {
        // The API server being briefly slow is not fatal here: the next round retries.
      }
      await sleep(this.o.pollMs ?? 500);
    }
  }

  private async reconcile(): Promise<void> {
    const pods = await this.o.client.list('v1', 'Pod', this.o.namespace);
    const running = new Set(
      pods
        .filter((p) => p.metadata.name.startsWith(this.o.podPrefix))
        .filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running' && !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp)
        .map((p) => p.metadata.name),
    );
    for (const name of running) if (!this.replicas.has(name) && !this.stopped) await this.back(name);
    for (const [name, r] of this.replicas) {
      if (!running.has(name)) {
        this.replicas.delete(name);
        await r.kill();
      }
    }
    this.publish();
  }

  private async back(pod: string): Promise<void> {
    const port = await freePort();
    const r = await Replica.start(
      {
        name: pod,
        command: this.o.simBinary,
        args: simArgs(projectCatalog(), this.o.deployment, this.o.workload, port, ++this.seq),
        port,
        readyPath: '/health/ready',
        logDir: this.o.logDir,
        simulator: true,
      },
      () => this.publish(),
    );
    r.onPhase = () => this.publish();
    this.replicas.set(pod, r);
  }

  private publish(): void {
    if (this.stopped) return;
    const live = [...this.replicas.values()].filter((r) => r.phase !== 'gone');
    if (!this.prometheusStopped)
      this.prometheus.setTargets([...live.map((r) => ({ address: r.address, labels: { namespace: this.o.namespace, pod: r.name } })), ...this.extra]);
    void this.router.setRoutes(live.filter((r) => r.routable).map((r) => ({ name: r.name, addr: r.address, drain: r.spec.simulator }))).catch(() => undefined);
  }

  /** A metrics outage: Prometheus stops (for good), the pods and the router go on serving. */
  async stopPrometheus(): Promise<void> {
    this.prometheusStopped = true;
    await this.prometheus.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    for (const r of this.replicas.values()) await r.kill();
    this.replicas.clear();
    await this.router.stop();
    if (!this.prometheusStopped) await this.prometheus.stop();
  }
}
