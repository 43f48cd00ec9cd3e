import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runnerImage } from '../../../src/load/runner-image.js';
import type { K8sObject } from '../../../src/manifests/types.js';
import type { ClusterClient } from '../../../src/targets/kubernetes/cluster-client.js';
import { freePort, sleep } from '../../../src/util/ports.js';
import { journalProcess } from '../../../src/util/proc.js';
import { projectRoot } from '../../../src/util/tools.js';

export interface KwokRunnerBackingOptions {
  client: ClusterClient;
  /** Raw API calls with the admin token (ControlPlane.api): pod status patches. */
  api: (method: string, path: string, body?: unknown, contentType?: string) => Promise<{ status: number; body: unknown }>;
  namespace: string;
  /** Pods with this label are runner pods. @default scalebench.dev/role=load */
  selector?: string;
  /** The k6 built with scalebench's extension: what the image's /usr/bin/k6 is here. */
  k6: string;
  dir: string;
  /** @default 200 ms */
  pollMs?: number;
}

interface Backed {
  pod: string;
  dir: string;
  /** The k6 REST API's address, when the command gives one (its own loopback port: a pod has its own network). */
  address?: string;
  child: ChildProcess;
  barrier: string;
  lastStartAt: string;
  exited: Promise<void>;
}

type Container = {
  name: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
};
type Volume = { name: string; configMap?: { name: string }; downwardAPI?: { items: Array<{ path: string; fieldRef: { fieldPath: string } }> } };

/**
 * The kubelet's part for runner pods (the load's Indexed Job) in the cluster
 * tier: for each Running runner pod, its container's own command, args and
 * env as a local process, with what a kubelet would give it:
 *   - the image's files: its paths (runner-image.ts) mapped to this
 *     machine's k6 and scenario;
 *   - volumes: a ConfigMap's keys as files, a downward API volume's fields
 *     as files, rewritten when the pod's annotations change (the kubelet
 *     refreshes downward API volumes: Kubernetes docs, "Expose Pod
 *     Information to Containers Through Files");
 *   - env: values, and fieldRef to the pod's metadata (as the Job controller
 *     gives JOB_COMPLETION_INDEX);
 *   - the container's log: stdout and stderr as a CRI log file (the format
 *     k8s.io/cri-client pkg/logs reads: "<RFC 3339 time> <stream> F <line>"),
 *     named by a kwok Logs object, so the API server's pod log endpoint serves
 *     it through kwok;
 *   - its end: the pod's status becomes Succeeded, or Failed with the
 *     container's exit code (137 for a kill), as a kubelet reports it.
 */
export class KwokRunnerBacking {
  private readonly backed = new Map<string, Backed>();
  private stopped = false;
  private loop?: Promise<void>;

  private constructor(private readonly o: KwokRunnerBackingOptions) {}

  static start(o: KwokRunnerBackingOptions): KwokRunnerBacking {
    const b = new KwokRunnerBacking(o);
    mkdirSync(o.dir, { recursive: true });
    b.loop = b.run();
    return b;
  }

  /** Runner pods with a process, by name. */
  pods(): string[] {
    return [...this.backed.keys()].sort();
  }

  /** A pod's k6 REST API (`--address` in its command, moved to a loopback port of its own), e.g. for k6-operator's starter. */
  address(pod: string): string | undefined {
    return this.backed.get(pod)?.address;
  }

  /** Kills a pod's process (SIGKILL), as an OOM kill would. */
  kill(pod: string): boolean {
    const b = this.backed.get(pod);
    return b?.child.kill('SIGKILL') ?? false;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.reconcile();
      } catch {
        // The API server briefly slow: the next round retries.
      }
      await sleep(this.o.pollMs ?? 200);
    }
  }

  private async reconcile(): Promise<void> {
    const pods = await this.o.client.list('v1', 'Pod', this.o.namespace, this.o.selector ?? 'scalebench.dev/role=load');
    const names = new Set(pods.map((p) => p.metadata.name));
    for (const p of pods) {
      const status = (p.status ?? {}) as { phase?: string };
      const b = this.backed.get(p.metadata.name);
      if (b) this.refreshDownward(b, p);
      else if (status.phase === 'Running' && !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp && !this.stopped) await this.back(p);
    }
    for (const [name, b] of this.backed) if (!names.has(name)) b.child.kill('SIGKILL');
  }

  private async back(p: K8sObject): Promise<void> {
    const spec = p.spec as { containers: Container[]; volumes?: Volume[] };
    const c = spec.containers[0]!;
    const dir = join(this.o.dir, p.metadata.name);
    mkdirSync(dir, { recursive: true });
    // Volumes, as files under the pod's folder; their mount paths map to them.
    const paths = new Map<string, string>([
      [runnerImage.k6, this.o.k6],
      [runnerImage.scenario, join(projectRoot, 'scenarios', 'openai-chat.js')],
    ]);
    let barrier = '';
    for (const m of c.volumeMounts ?? []) {
      const v = spec.volumes?.find((x) => x.name === m.name);
      const local = join(dir, 'volumes', m.name);
      mkdirSync(local, { recursive: true });
      if (v?.configMap) {
        const cm = await this.o.client.read('v1', 'ConfigMap', this.o.namespace, v.configMap.name);
        for (const [k, text] of Object.entries((cm?.data ?? {}) as Record<string, string>)) writeFileSync(join(local, k), text);
      }
      if (v?.downwardAPI) barrier = local;
      paths.set(m.mountPath, local);
    }
    const map = (s: string): string => {
      for (const [from, to] of paths) if (s === from || s.startsWith(`${from}/`)) return to + s.slice(from.length);
      return s;
    };
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = map(e.value);
      else if (e.valueFrom?.fieldRef) env[e.name] = fieldOf(p, e.valueFrom.fieldRef.fieldPath);
    }
    const command = [...(c.command ?? []), ...(c.args ?? [])].map(map);
    // A bare program name is looked up on the image's PATH (/usr/bin), then mapped.
    if (command[0] && !command[0].includes('/')) command[0] = map(`/usr/bin/${command[0]}`);
    // Each pod has its own network: k6's REST API (k6-operator gives --address=0.0.0.0:6565) gets a loopback port of its own.
    let address: string | undefined;
    for (let i = 1; i < command.length; i++) {
      const a = command[i]!;
      if (a.startsWith('--address=') || (a === '--address' && i + 1 < command.length)) {
        address = `127.0.0.1:${await freePort()}`;
        if (a === '--address') command[++i] = address;
        else command[i] = `--address=${address}`;
      }
    }
    const log = join(dir, 'container.log');
    writeFileSync(log, '');
    const child = spawn(command[0]!, command.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid) journalProcess(`runner ${p.metadata.name}`, child.pid, command.join(' '));
    const cri = (stream: 'stdout' | 'stderr'): ((chunk: Buffer) => void) => {
      let partial = '';
      return (chunk) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        if (lines.length) appendFileSync(log, lines.map((l) => `${criTime()} ${stream} F ${l}\n`).join(''));
      };
    };
    child.stdout!.on('data', cri('stdout'));
    child.stderr!.on('data', cri('stderr'));
    const exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        void this.report(p.metadata.name, code, signal).finally(resolve);
      });
    });
    const b: Backed = { pod: p.metadata.name, dir, child, barrier, lastStartAt: '', exited, ...(address ? { address } : {}) };
    this.backed.set(p.metadata.name, b);
    this.refreshDownward(b, p);
    await this.o.client.apply({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: p.metadata.name, namespace: this.o.namespace },
      spec: { logs: [{ containers: [c.name], logsFile: log, follow: true }] },
    });
  }

  /** The downward API volume's files, from the pod's current metadata. */
  private refreshDownward(b: Backed, p: K8sObject): void {
    if (!b.barrier) return;
    const spec = p.spec as { volumes?: Volume[] };
    for (const v of spec.volumes ?? []) {
      for (const item of v.downwardAPI?.items ?? []) {
        const value = fieldOf(p, item.fieldRef.fieldPath);
        if (value === b.lastStartAt) continue;
        b.lastStartAt = value;
        writeFileSync(join(b.barrier, item.path), value);
      }
    }
  }

  /** The container ended: the pod's phase and the container's termination, as the kubelet writes them. */
  private async report(pod: string, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.stopped) return;
    const exitCode = code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 1);
    const now = new Date().toISOString();
    const body = {
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now, reason: 'PodCompleted' }],
        containerStatuses: [
          {
            name: 'k6',
            image: 'k6',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
          },
        ],
      },
    };
    await this.o.api('PATCH', `/api/v1/namespaces/${this.o.namespace}/pods/${pod}/status`, body, 'application/merge-patch+json');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    for (const b of this.backed.values()) {
      if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
    }
    await Promise.all([...this.backed.values()].map((b) => b.exited));
    this.backed.clear();
  }
}

/** A pod field a fieldRef names: metadata.name, metadata.namespace, metadata.labels['k'], metadata.annotations['k']. */
function fieldOf(p: K8sObject, path: string): string {
  if (path === 'metadata.name') return p.metadata.name;
  if (path === 'metadata.namespace') return p.metadata.namespace ?? '';
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (p.metadata as unknown as Record<string, Record<string, string> | undefined>)[m[1]!]?.[m[2]!] ?? '';
  throw new Error(`kwok runner backing: fieldRef ${path} is not emulated`);
}

/** RFC 3339 (what the CRI log format's time.RFC3339Nano parse takes: any number of fractional digits). */
function criTime(): string {
  return new Date().toISOString();
}
