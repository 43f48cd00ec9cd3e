import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../src/util/ports.js';
import { startProc, type Proc } from '../../../src/util/proc.js';
import type { ClusterClient } from '../../../src/targets/kubernetes/cluster-client.js';
import { registerLoopbackApiService, waitApiServiceAvailable } from './api-service.js';
import { clusterCache } from './control-plane.js';

/** The API group prometheus-adapter serves, registered through the aggregation layer. */
export const CUSTOM_METRICS_APISERVICE = 'v1beta1.custom.metrics.k8s.io';

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
 * metrics through the aggregation layer exactly as in a cluster
 * (registerLoopbackApiService: an ExternalName Service on `localhost`).
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
      session: 'own',
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
    try {
      await registerLoopbackApiService(o.client, {
        group: 'custom.metrics.k8s.io',
        version: 'v1beta1',
        namespace: 'monitoring',
        service: 'prometheus-adapter',
        port,
      });
    } catch (err) {
      await proc.stop(2000);
      throw err;
    }
    return new MetricsAdapter(port, proc);
  }

  /** Waits until the aggregator reports the APIService Available (the adapter answers through it). */
  async waitAvailable(client: ClusterClient, timeoutMs: number): Promise<void> {
    await waitApiServiceAvailable(client, CUSTOM_METRICS_APISERVICE, [this.proc], timeoutMs);
  }

  async stop(): Promise<void> {
    await this.proc.stop(3000);
  }
}
