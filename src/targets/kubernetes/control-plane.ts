import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, sleep } from '../../util/ports.js';
import { startProc, type Proc } from '../../util/proc.js';

/** Where scripts/setup-cluster puts the binaries. */
export function clusterCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCALEBENCH_CLUSTER_CACHE ?? join(homedir(), '.cache', 'scalebench', 'cluster');
}

export const controlPlaneBinaries = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** The binaries that are missing from the cache, for a skip reason that names the fix. */
export function missingBinaries(cache = clusterCache()): string[] {
  return controlPlaneBinaries.filter((b) => !existsSync(join(cache, b)));
}

export interface ControlPlaneOptions {
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period. @default 15000 ms */
  hpaSyncPeriodMs?: number;
  /** Where the processes' logs go. */
  logDir: string;
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
      writeFileSync(join(dir, 'tokens.csv'), `${token},scalebench-admin,scalebench-admin,system:masters\n`);
      const apiPort = await freePort();
      const url = `https://127.0.0.1:${apiPort}`;
      procs.push(
        await startProc({
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
          ],
          logFile: join(o.logDir, 'kube-apiserver.log'),
        }),
      );
      await waitHttp(`${url}/readyz`, 90_000, 'kube-apiserver', token);

      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, stringify(kubeconfigFor(url, token)));
      procs.push(
        await startProc({
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
      return new ControlPlane(url, token, kubeconfig, procs, dir);
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

  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
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

async function fetchInsecure(url: string, method: string, token: string, body: string | undefined, contentType: string): Promise<{ status: number; body: unknown }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { method, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' } }, (res) => {
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
    });
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
