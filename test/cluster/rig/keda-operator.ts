import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../../../src/util/ports.js';
import { startProc, type Proc } from '../../../src/util/proc.js';
import type { ClusterClient } from '../../../src/targets/kubernetes/cluster-client.js';
import { registerLoopbackApiService, waitApiServiceAvailable } from './api-service.js';
import { clusterCache } from './control-plane.js';

/** What scripts/setup-cluster builds for KEDA (tools/keda, github.com/kedacore/keda/v2 v2.21.0). */
export const kedaBinaries = ['keda-operator', 'keda-adapter'] as const;

/** The API group KEDA's metrics server serves, registered through the aggregation layer. */
export const KEDA_APISERVICE = 'v1beta1.external.metrics.k8s.io';

/** The CRDs the operator watches beyond the two in ../shared/crds, copied from the module by scripts/setup-cluster. */
export function kedaCrdDir(cache = clusterCache()): string {
  return join(cache, 'keda-crds');
}

export interface KedaOperatorOptions {
  client: ClusterClient;
  /** The admin kubeconfig of the test control plane: both processes talk to the API server with it. */
  kubeconfig: string;
  /** The front-proxy CA (ControlPlane.frontProxyCa) the metrics server checks the aggregator against. */
  frontProxyCa: string;
  /** Certificates and logs go here. */
  dir: string;
}

/**
 * KEDA v2.21.0 on loopback for the cluster tier: the operator (cmd/operator:
 * ScaledObject controller, the polling loop, the metrics gRPC service) and
 * its metrics API server (cmd/adapter), registered as
 * v1beta1.external.metrics.k8s.io. Leader election off; one certificate,
 * made with openssl, serves the gRPC link between them in both directions
 * (KEDA's pkg/metricsservice/utils/tls.go reads ca.crt, tls.crt and tls.key
 * from --cert-dir and asks the client for a certificate) and the metrics
 * server's HTTPS. Registered on loopback by api-service.ts, as prometheus-adapter is
 * (metrics-adapter.ts).
 */
export class KedaOperator {
  private constructor(
    readonly adapterPort: number,
    private readonly procs: Proc[],
  ) {}

  static async start(o: KedaOperatorOptions): Promise<KedaOperator> {
    const cache = clusterCache();
    const certDir = join(o.dir, 'keda-certs');
    kedaCerts(certDir);
    const grpcPort = await freePort();
    const adapterPort = await freePort();
    // GetWatchNamespaces needs WATCH_NAMESPACE set ("" = all); GetClusterObjectNamespace reads the
    // service account's namespace file unless KEDA_CLUSTER_OBJECT_NAMESPACE is set (env_resolver.go).
    const env = { ...process.env, KUBECONFIG: o.kubeconfig, WATCH_NAMESPACE: '', KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda', POD_NAMESPACE: 'keda' };
    const procs: Proc[] = [];
    try {
      procs.push(
        await startProc({
          session: 'own',
          name: 'keda-operator',
          command: join(cache, 'keda-operator'),
          args: [
            '--leader-elect=false',
            '--enable-prometheus-metrics=false',
            `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
            `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
            `--cert-dir=${certDir}`,
            `--ca-dir=${certDir}`,
            '--zap-log-level=info',
          ],
          env,
          logFile: join(o.dir, 'keda-operator.log'),
        }),
      );
      procs.push(
        await startProc({
          session: 'own',
          name: 'keda-adapter',
          command: join(cache, 'keda-adapter'),
          args: [
            `--metrics-service-address=127.0.0.1:${grpcPort}`,
            `--port=${await freePort()}`,
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
            `--secure-port=${adapterPort}`,
            `--cert-dir=${certDir}`,
            `--tls-cert-file=${join(certDir, 'tls.crt')}`,
            `--tls-private-key-file=${join(certDir, 'tls.key')}`,
          ],
          env,
          logFile: join(o.dir, 'keda-adapter.log'),
        }),
      );
      await registerLoopbackApiService(o.client, {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        namespace: 'keda',
        service: 'keda-metrics-apiserver',
        port: adapterPort,
      });
      return new KedaOperator(adapterPort, procs);
    } catch (err) {
      for (const p of procs.reverse()) await p.stop(2000);
      throw err;
    }
  }

  /** Waits until the aggregator reports the APIService Available; a process that exits fails at once. */
  async waitAvailable(client: ClusterClient, timeoutMs: number): Promise<void> {
    await waitApiServiceAvailable(client, KEDA_APISERVICE, this.procs, timeoutMs);
  }

  /** Whether both processes still run (a test checks this before it trusts a timeline). */
  running(): boolean {
    return this.procs.every((p) => !p.done);
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop(5000);
  }
}

/** The CRD objects in a directory whose file names start with `keda.sh_` or `eventing.keda.sh_`. */
export function kedaCrds(dir: string): Array<Record<string, unknown>> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^(eventing\.)?keda\.sh_.*\.yaml$/.test(f))
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
}

/**
 * A CA and one certificate for 127.0.0.1 and localhost, usable as server and
 * as client (the operator's gRPC server requires a client certificate from
 * the same CA). Node cannot sign certificates, so openssl does.
 */
function kedaCerts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const f = (n: string): string => join(dir, n);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  const openssl = (args: string[]): void => {
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const e = err as Error & { code?: string; stderr?: Buffer };
      throw new Error(
        e.code === 'ENOENT'
          ? 'keda: openssl is missing (apt-get install openssl): it signs the KEDA certificates'
          : `keda: openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`,
      );
    }
  };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=scalebench-keda-ca']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', '/CN=keda-operator']);
  openssl([
    'x509',
    '-req',
    '-in',
    f('tls.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('tls.crt'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ]);
}
