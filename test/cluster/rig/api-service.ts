import type { ClusterClient } from '../../../src/targets/kubernetes/cluster-client.js';
import { sleep } from '../../../src/util/ports.js';
import type { Proc } from '../../../src/util/proc.js';

/** An aggregated API served by a process on a loopback port of this machine. */
export interface LoopbackApiService {
  /** The API group, e.g. `custom.metrics.k8s.io`. */
  group: string;
  version: string;
  /** Namespace and name of the ExternalName Service the APIService points at. */
  namespace: string;
  service: string;
  /** The loopback port the server listens on (HTTPS). */
  port: number;
}

/** The APIService's name: `<version>.<group>`, as the aggregator requires. */
export function apiServiceName(a: LoopbackApiService): string {
  return `${a.version}.${a.group}`;
}

/**
 * Registers a loopback server with the aggregation layer: an ExternalName
 * Service (`localhost`) and an APIService on it. The aggregator resolves an
 * ExternalName service to its host and the APIService's port without
 * kube-proxy or endpoints, which may not hold loopback addresses
 * (k8s.io/apiserver pkg/util/proxy/proxy.go, ResolveCluster: an
 * ExternalName service resolves to `https://<externalName>:<port>`). The server's certificate is self-signed, so TLS is
 * not verified.
 */
export async function registerLoopbackApiService(client: ClusterClient, a: LoopbackApiService): Promise<void> {
  const labels = { 'app.kubernetes.io/managed-by': 'scalebench' };
  await client.ensureNamespace(a.namespace);
  await client.apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: a.service, namespace: a.namespace, labels },
    spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: a.port }] },
  });
  await client.apply({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: apiServiceName(a), labels },
    spec: {
      group: a.group,
      version: a.version,
      service: { name: a.service, namespace: a.namespace, port: a.port },
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  });
}

/**
 * Waits until the aggregator reports the APIService Available (its server
 * answers through it); a process of `procs` that exits fails at once,
 * naming its log.
 */
export async function waitApiServiceAvailable(client: ClusterClient, name: string, procs: readonly Proc[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const gone = procs.find((p) => p.done);
    if (gone) throw new Error(`${gone.name} exited (see ${gone.name}.log)`);
    const a = await client.read('apiregistration.k8s.io/v1', 'APIService', undefined, name);
    const c = ((a?.status as { conditions?: Array<{ type: string; status: string; message?: string }> } | undefined)?.conditions ?? []).find(
      (x) => x.type === 'Available',
    );
    if (c?.status === 'True') return;
    last = c?.message ?? 'no status';
    await sleep(500);
  }
  throw new Error(`APIService ${name} not Available after ${timeoutMs / 1000}s: ${last}`);
}
