import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, sleep } from '../../../src/util/ports.js';
import { startProc, type Proc } from '../../../src/util/proc.js';
import { kwokStages } from './kwok-stages.js';

/** Where scripts/setup-cluster puts the binaries. */
export function clusterCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCALEBENCH_CLUSTER_CACHE ?? join(homedir(), '.cache', 'scalebench', 'cluster');
}

export const controlPlaneBinaries = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
/** What the tests that run pods need beyond the control plane: a scheduler, and kwok to play the kubelet. */
export const podBinaries = ['kube-scheduler', 'kwok'] as const;

/** The binaries that are missing from the cache, for a skip reason that names the fix. */
export function missingBinaries(cache = clusterCache(), wanted: readonly string[] = controlPlaneBinaries): string[] {
  return wanted.filter((b) => !existsSync(join(cache, b)));
}

export interface ControlPlaneOptions {
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period. @default 15000 ms */
  hpaSyncPeriodMs?: number;
  /** Where the processes' logs go. */
  logDir: string;
  /**
   * Also start kube-scheduler and kwok (managing nodes annotated
   * `kwok.x-k8s.io/node=fake`), so a Deployment's pods are scheduled and
   * become Running and Ready without a kubelet. Create nodes with fakeNode().
   */
  pods?: boolean;
  /** With pods: how long a scheduled pod takes to turn Ready (model load). @default 0 */
  podReadyDelayMs?: number;
  /**
   * Set up API aggregation (a front-proxy CA and client certificate, made with
   * openssl), so an extension API server such as prometheus-adapter can be
   * registered with an APIService. frontProxyCa names the CA file it trusts.
   */
  aggregation?: boolean;
  /**
   * With pods: pod logs through the API server. kwok serves, as the nodes'
   * kubelet, the file a Logs object (kwok.x-k8s.io/v1alpha1, its CRD from
   * the kwok module, copied by scripts/setup-cluster) names for a pod, in the
   * CRI log format (k8s.io/cri-client pkg/logs).
   */
  podLogs?: boolean;
}

/** kwok's CRDs, copied from its module by scripts/setup-cluster. */
export function kwokCrdDir(cache = clusterCache()): string {
  return join(cache, 'kwok-crds');
}

/**
 * A real Kubernetes control plane on loopback for the cluster test tier:
 * etcd, kube-apiserver (self-signed serving certificate, a static admin token
 * in system:masters, RBAC) and kube-controller-manager (HPA, Deployment and
 * ReplicaSet controllers). No kubelet: kwok can make pods Running.
 */
export class ControlPlane {
  private constructor(
    readonly url: string,
    readonly token: string,
    readonly kubeconfig: string,
    /** A second user with no roles at all (only system:authenticated): for testing what RBAC refuses. */
    readonly nobodyToken: string,
    /** The front-proxy CA (aggregation): what an extension API server checks the aggregator's client certificate against. */
    readonly frontProxyCa: string | undefined,
    private readonly procs: Proc[],
    private readonly dir: string,
  ) {}

  static async start(o: ControlPlaneOptions): Promise<ControlPlane> {
    const cache = clusterCache();
    const missing = missingBinaries(cache);
    if (missing.length) throw new Error(`control plane: ${missing.join(', ')} not in ${cache}: run scripts/setup-cluster`);
    const dir = mkdtempSync(join(tmpdir(), 'scalebench-cluster-'));
    mkdirSync(o.logDir, { recursive: true });
    const procs: Proc[] = [];
    try {
      const etcdPort = await freePort();
      const peerPort = await freePort();
      const etcdUrl = `http://127.0.0.1:${etcdPort}`;
      procs.push(
        await startProc({
          session: 'own',
          name: 'etcd',
          command: join(cache, 'etcd'),
          args: [
            `--data-dir=${join(dir, 'etcd')}`,
            `--listen-client-urls=${etcdUrl}`,
            `--advertise-client-urls=${etcdUrl}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
            '--log-level=warn',
          ],
          logFile: join(o.logDir, 'etcd.log'),
        }),
      );
      await waitHttp(`${etcdUrl}/health`, 30_000, 'etcd', undefined);

      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const token = randomBytes(24).toString('hex');
      const nobodyToken = randomBytes(24).toString('hex');
      writeFileSync(join(dir, 'tokens.csv'), `${token},scalebench-admin,scalebench-admin,system:masters\n${nobodyToken},scalebench-nobody,scalebench-nobody\n`);
      const apiPort = await freePort();
      const url = `https://127.0.0.1:${apiPort}`;
      const aggregation = o.aggregation ? frontProxyCerts(dir) : undefined;
      procs.push(
        await startProc({
          session: 'own',
          name: 'kube-apiserver',
          command: join(cache, 'kube-apiserver'),
          args: [
            `--etcd-servers=${etcdUrl}`,
            '--bind-address=127.0.0.1',
            '--advertise-address=127.0.0.1',
            `--secure-port=${apiPort}`,
            `--cert-dir=${join(dir, 'certs')}`,
            `--token-auth-file=${join(dir, 'tokens.csv')}`,
            '--authorization-mode=RBAC',
            `--service-account-key-file=${join(dir, 'sa.pub')}`,
            `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
            '--service-account-issuer=https://kubernetes.default.svc',
            '--service-cluster-ip-range=10.96.0.0/16',
            '--enable-priority-and-fairness=false',
            ...(aggregation
              ? [
                  `--requestheader-client-ca-file=${aggregation.ca}`,
                  '--requestheader-allowed-names=front-proxy-client',
                  '--requestheader-username-headers=X-Remote-User',
                  '--requestheader-group-headers=X-Remote-Group',
                  '--requestheader-extra-headers-prefix=X-Remote-Extra-',
                  `--proxy-client-cert-file=${aggregation.cert}`,
                  `--proxy-client-key-file=${aggregation.key}`,
                ]
              : []),
          ],
          logFile: join(o.logDir, 'kube-apiserver.log'),
        }),
      );
      await waitHttp(`${url}/readyz`, 90_000, 'kube-apiserver', token);

      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, stringify(kubeconfigFor(url, token)));
      procs.push(
        await startProc({
          session: 'own',
          name: 'kube-controller-manager',
          command: join(cache, 'kube-controller-manager'),
          args: [
            `--kubeconfig=${kubeconfig}`,
            `--service-account-private-key-file=${join(dir, 'sa.key')}`,
            '--leader-elect=false',
            '--use-service-account-credentials=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${await freePort()}`,
            `--horizontal-pod-autoscaler-sync-period=${o.hpaSyncPeriodMs ?? 15_000}ms`,
          ],
          logFile: join(o.logDir, 'kube-controller-manager.log'),
        }),
      );
      if (o.pods) {
        procs.push(
          await startProc({
            session: 'own',
            name: 'kube-scheduler',
            command: join(cache, 'kube-scheduler'),
            args: [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${await freePort()}`],
            logFile: join(o.logDir, 'kube-scheduler.log'),
          }),
        );
        const kubeletPort = await freePort();
        if (o.podLogs) {
          const crd = join(kwokCrdDir(cache), 'kwok.x-k8s.io_logs.yaml');
          if (!existsSync(crd)) throw new Error(`control plane: ${crd} is missing: run scripts/setup-cluster`);
          const res = await fetchInsecure(
            `${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`,
            'POST',
            token,
            JSON.stringify(parse(readFileSync(crd, 'utf8'))),
            'application/json',
          );
          if (res.status !== 201) throw new Error(`control plane: creating kwok's Logs CRD: HTTP ${res.status} ${JSON.stringify(res.body)}`);
          await waitCrdEstablished(url, token, 'logs.kwok.x-k8s.io');
        }
        const stages = join(dir, 'kwok-stages.yaml');
        writeFileSync(stages, kwokStages({ podReadyDelayMs: o.podReadyDelayMs ?? 0, ...(o.podLogs ? { kubeletPort } : {}) }));
        procs.push(
          await startProc({
            session: 'own',
            name: 'kwok',
            command: join(cache, 'kwok'),
            args: [
              `--kubeconfig=${kubeconfig}`,
              `--config=${stages}`,
              '--node-lease-duration-seconds=40',
              '--manage-all-nodes=false',
              '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
              `--server-address=127.0.0.1:${kubeletPort}`,
              ...(o.podLogs ? ['--enable-crds=Logs'] : []),
              '--cidr=10.244.0.1/16',
              '--node-ip=127.0.0.1',
            ],
            logFile: join(o.logDir, 'kwok.log'),
          }),
        );
      }
      return new ControlPlane(url, token, kubeconfig, nobodyToken, aggregation?.ca, procs, dir);
    } catch (err) {
      for (const p of procs.reverse()) await p.stop(2000);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** One API call with the admin token (the serving certificate is self-signed: not verified on loopback). */
  async api(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: unknown }> {
    const res = await fetchInsecure(`${this.url}${path}`, method, this.token, body === undefined ? undefined : JSON.stringify(body), contentType);
    return res;
  }

  /** A kubeconfig for another token (e.g. nobodyToken), written beside the admin's. */
  kubeconfigFor(token: string, name: string): string {
    const file = join(this.dir, `kubeconfig-${name}`);
    writeFileSync(file, stringify(kubeconfigFor(this.url, token)));
    return file;
  }

  /**
   * A node kwok keeps Ready (annotation kwok.x-k8s.io/node=fake), with room
   * for 64 of the GPUs the generated pods request, and the labels their
   * node selectors ask for (e.g. nvidia.com/gpu.product).
   */
  async fakeNode(name: string, o: { capacity?: Record<string, string>; labels?: Record<string, string> } = {}): Promise<void> {
    const allocatable = { cpu: '64', memory: '512Gi', pods: '110', 'nvidia.com/gpu': '64', ...o.capacity };
    const res = await this.api('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok', ...o.labels },
      },
      spec: {},
      status: { allocatable, capacity: allocatable },
    });
    if (res.status !== 201) throw new Error(`creating node ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The aggregation layer's certificates: a front-proxy CA and the client
 * certificate (CN front-proxy-client) the API server presents to extension
 * API servers. Node cannot sign certificates, so openssl does.
 */
function frontProxyCerts(dir: string): { ca: string; cert: string; key: string } {
  const ca = join(dir, 'front-proxy-ca.crt');
  const caKey = join(dir, 'front-proxy-ca.key');
  const cert = join(dir, 'front-proxy-client.crt');
  const key = join(dir, 'front-proxy-client.key');
  const csr = join(dir, 'front-proxy-client.csr');
  const openssl = (args: string[]): void => {
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const e = err as Error & { code?: string; stderr?: Buffer };
      throw new Error(
        e.code === 'ENOENT'
          ? 'control plane: openssl is missing (apt-get install openssl): it signs the aggregation certificates'
          : `control plane: openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`,
      );
    }
  };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=scalebench-front-proxy-ca']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=front-proxy-client']);
  openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2']);
  return { ca, cert, key };
}

/** A kubeconfig for the admin token: what @kubernetes/client-node and kubectl read. */
export function kubeconfigFor(server: string, token: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'scalebench', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'scalebench-admin', user: { token } }],
    contexts: [{ name: 'scalebench', context: { cluster: 'scalebench', user: 'scalebench-admin' } }],
    'current-context': 'scalebench',
  };
}

async function fetchInsecure(
  url: string,
  method: string,
  token: string,
  body: string | undefined,
  contentType: string,
): Promise<{ status: number; body: unknown }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* plain text (readyz) */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.end(body);
  });
}

async function waitHttp(url: string, timeoutMs: number, what: string, token: string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = url.startsWith('https:')
        ? await fetchInsecure(url, 'GET', token ?? '', undefined, 'application/json')
        : await fetch(url, { signal: AbortSignal.timeout(2000) }).then(async (r) => ({ status: r.status, body: await r.text() }));
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs / 1000}s (${last})`);
}

/** Waits until a CRD is Established (its kind is served). */
async function waitCrdEstablished(url: string, token: string, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await fetchInsecure(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, 'GET', token, undefined, 'application/json');
    const conds = (res.body as { status?: { conditions?: Array<{ type: string; status: string }> } })?.status?.conditions ?? [];
    if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await sleep(200);
  }
  throw new Error(`control plane: CRD ${name} not Established after 30 s`);
}
