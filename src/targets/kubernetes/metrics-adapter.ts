import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, sleep } from '../../util/ports.js';
import { startProc, type Proc } from '../../util/proc.js';
import type { ClusterClient } from './cluster-client.js';
import { clusterCache } from './control-plane.js';

export interface MetricsAdapterOptions {
  client: ClusterClient;
  /** The kubeconfig the adapter lists pods and delegates authorisation with. */
  kubeconfig: string;
  /** The front-proxy CA the API server's aggregator signs its client certificate with (ControlPlane.frontProxyCa). */
  frontProxyCa: string;
  prometheusUrl: string;
  /** The adapter's rules (its --config file): the `config.yaml` of the generated adapter-rules ConfigMap. */
  rulesYaml: string;
  /** How often the adapter re-lists the series Prometheus has. @default 2 s */
  relistIntervalMs?: number;
  dir: string;
}

/**
 * prometheus-adapter (built by scripts/setup-cluster) on a loopback port,
 * registered with the API server as v1beta1.custom.metrics.k8s.io, so the
 * HPA controller in kube-controller-manager reads the generated rules'
 * metrics through the aggregation layer exactly as in a cluster. The
 * APIService points at an ExternalName Service (`localhost`): the aggregator
 * resolves it to the adapter's port without kube-proxy or endpoints (which
 * may not hold loopback addresses).
 */
export class MetricsAdapter {
  private constructor(
    readonly port: number,
    private readonly proc: Proc,
  ) {}

  static async start(o: MetricsAdapterOptions): Promise<MetricsAdapter> {
    const config = join(o.dir, 'adapter-config.yaml');
    writeFileSync(config, o.rulesYaml);
    const port = await freePort();
    const proc = await startProc({
      name: 'prometheus-adapter',
      command: join(clusterCache(), 'adapter'),
      args: [
        `--prometheus-url=${o.prometheusUrl}`,
        `--config=${config}`,
        `--metrics-relist-interval=${Math.round((o.relistIntervalMs ?? 2000) / 1000)}s`,
        `--lister-kubeconfig=${o.kubeconfig}`,
        `--authentication-kubeconfig=${o.kubeconfig}`,
        `--authorization-kubeconfig=${o.kubeconfig}`,
        '--authentication-skip-lookup',
        `--requestheader-client-ca-file=${o.frontProxyCa}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${join(o.dir, 'adapter-certs')}`,
        '--v=2',
      ],
      logFile: join(o.dir, 'prometheus-adapter.log'),
    });
    const adapter = new MetricsAdapter(port, proc);
    try {
      await adapter.register(o.client);
    } catch (err) {
      await proc.stop(2000);
      throw err;
    }
    return adapter;
  }

  private async register(client: ClusterClient): Promise<void> {
    await client.ensureNamespace('monitoring');
    await client.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'prometheus-adapter', namespace: 'monitoring', labels: { 'app.kubernetes.io/managed-by': 'scalebench' } },
      spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: this.port }] },
    });
    await client.apply({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.custom.metrics.k8s.io', labels: { 'app.kubernetes.io/managed-by': 'scalebench' } },
      spec: {
        group: 'custom.metrics.k8s.io',
        version: 'v1beta1',
        service: { name: 'prometheus-adapter', namespace: 'monitoring', port: this.port },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    });
  }

  /** Waits until the aggregator reports the APIService Available (the adapter answers through it). */
  async waitAvailable(client: ClusterClient, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.proc.done) throw new Error(`prometheus-adapter exited (see prometheus-adapter.log)`);
      const a = await client.read('apiregistration.k8s.io/v1', 'APIService', undefined, 'v1beta1.custom.metrics.k8s.io');
      const c = ((a?.status as { conditions?: Array<{ type: string; status: string; message?: string }> } | undefined)?.conditions ?? []).find((x) => x.type === 'Available');
      if (c?.status === 'True') return;
      last = c?.message ?? 'no status';
      await sleep(500);
    }
    throw new Error(`APIService v1beta1.custom.metrics.k8s.io not Available after ${timeoutMs / 1000}s: ${last}`);
  }

  async stop(): Promise<void> {
    await this.proc.stop(3000);
  }
}
