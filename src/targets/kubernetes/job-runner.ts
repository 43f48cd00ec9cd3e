import { appendFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { k6Files, type K6Result, type RunK6Options } from '../../load/k6-process.js';
import { loadJobObjects, START_AT_ANNOTATION } from '../../manifests/load-job.js';
import { k6Options, k6WallMs, scenarioWorkload } from '../../load/k6-options.js';
import { addPodLine, mergePoints, newPodLines, podClock, runnerSkew, type PodLines, type RunnerPod, type RunnerPods } from '../../results/pod-points.js';
import { k8sName } from '../../manifests/names.js';
import type { K8sObject } from '../../manifests/types.js';
import type { ResolvedLoadRunner } from '../../matrix/types.js';
import { writeAtomic } from '../../results/files.js';
import { sleep } from '../../util/ports.js';
import type { ClusterClient } from './cluster-client.js';
import { runnerPodStatus, type RunnerPodStatus } from './status.js';

export interface JobRunnerOptions {
  client: ClusterClient;
  namespace: string;
  /** The cell's labels (managed-by, run, cell): the Job, its ConfigMap and pods carry them, and teardown selects on them. */
  labels: Record<string, string>;
  load: ResolvedLoadRunner;
  /** How long the runner pods may take to run (scheduling, image pull) before the barrier. @default 300000 ms */
  runningTimeoutMs?: number;
  /** The start instant is this far after the last pod runs: the annotation must reach every pod's volume first. @default 3000 ms */
  barrierMarginMs?: number;
  /** How often the pods are listed. @default 500 ms */
  pollMs?: number;
}

type PodStatus = RunnerPodStatus;

export const statusOf = (p: K8sObject): PodStatus => runnerPodStatus(p);
const indexOf = (p: K8sObject): number =>
  Number(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'] ?? p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] ?? -1);
export const terminal = (phase: string | undefined): boolean => phase === 'Succeeded' || phase === 'Failed';

/** A runner pod followed to its end, as runner-pods.json records it: start lag measured from `startRefMs`. */
export function runnerPodRecord(p: { obj: K8sObject; lines: PodLines; gone?: boolean }, startRefMs: number): RunnerPod {
  const s = statusOf(p.obj);
  const start = p.lines.start?.ms;
  const deleted = p.gone === true && !terminal(s.phase);
  return {
    index: p.lines.index,
    name: p.obj.metadata.name,
    requests: p.lines.points.length,
    mainRequests: p.lines.points.filter((x) => x.main).length,
    errors: p.lines.points.filter((x) => !x.ok).length,
    phase: deleted ? 'Deleted' : (s.phase ?? 'unknown'),
    ...(s.phase === 'Failed' ? { reason: podFailure(s) } : deleted ? { reason: 'deleted before it ended' } : {}),
    ended: p.lines.end !== undefined,
    ...(start !== undefined ? { scenarioStartMs: start, startLagMs: Math.round((start - startRefMs) * 1000) / 1000 } : {}),
    clockStepMs: podClock(p.lines).stepMs,
    ...(p.lines.end ? { droppedIterations: p.lines.end.droppedIterations } : {}),
    ...(s.containerStatuses?.[0]?.imageID ? { imageID: s.containerStatuses[0].imageID } : {}),
  };
}

/** Why a pod failed, in one line: an eviction's reason and message, or its container's termination. */
export function podFailure(s: PodStatus): string {
  const t = s.containerStatuses?.[0]?.state?.terminated;
  const parts: string[] = [];
  if (s.reason) parts.push(`${s.reason}${s.message ? `: ${s.message}` : ''}`);
  if (t) parts.push(`container k6 terminated (${t.reason ?? 'no reason'}, exit code ${t.exitCode ?? '?'}${t.signal ? `, signal ${t.signal}` : ''})`);
  return parts.join('; ') || 'no reason given';
}

/**
 * One GET of a container's log with follow=true (the API server proxies it
 * to the node's kubelet), as text chunks to onText; resolves when the stream
 * ends, fails, or the signal aborts.
 */
async function followLog(
  client: ClusterClient,
  namespace: string,
  pod: string,
  container: string,
  onText: (text: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const server = client.kc.getCurrentCluster()?.server;
  if (!server) return;
  const url = new URL(`${server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`);
  url.searchParams.set('container', container);
  url.searchParams.set('follow', 'true');
  const opts: RequestOptions = { method: 'GET', signal };
  await client.kc.applyToHTTPSOptions(opts);
  await new Promise<void>((resolve) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, opts, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        res.on('end', () => resolve());
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (t: string) => onText(t));
      res.on('end', () => resolve());
      res.on('error', () => resolve());
      res.on('aborted', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
}

/** Follows one pod's log through the API server, line by line; reconnects if the stream ends before the pod has. */
export class PodLog {
  ended = false;
  private abort?: AbortController;
  private partial = '';
  /** Lines read so far: a reconnection reads the log from its start again and skips them. */
  private read = 0;
  private skip = 0;
  private closed = false;
  private active?: Promise<void>;

  constructor(
    private readonly client: ClusterClient,
    private readonly namespace: string,
    readonly pod: string,
    private readonly onLine: (line: string) => void,
  ) {}

  start(): void {
    this.active = this.follow();
  }

  /** Stops following (whatever is read stays read). */
  async close(): Promise<void> {
    this.closed = true;
    this.abort?.abort();
    await this.active;
  }

  private async follow(): Promise<void> {
    while (!this.closed) {
      this.skip = this.read;
      this.abort = new AbortController();
      await followLog(this.client, this.namespace, this.pod, 'k6', (text) => this.take(text), this.abort.signal);
      this.partial = '';
      if (this.ended || this.closed) return;
      await sleep(500);
    }
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.skip > 0) {
        this.skip--;
        continue;
      }
      this.read++;
      if (line.startsWith('{"end":true')) this.ended = true;
      this.onLine(line);
    }
  }
}

/**
 * Runs a cell's load as an Indexed Job in the cluster (k6-job.ts): waits
 * until every runner pod runs, writes the start barrier, follows each pod's
 * log through the API server, and when every pod has ended merges their
 * points in time order into points.jsonl (analysed as a local run's). A pod
 * that fails or is evicted fails the cell with its reason; the points of
 * every pod, the failed one's so far included, are kept.
 */
export async function runK6Job(o: RunK6Options, j: JobRunnerOptions): Promise<K6Result & { runnerPods?: RunnerPods }> {
  const files = k6Files(o.cellDir);
  if (o.signal?.aborted) return { exitCode: null, failure: 'interrupted', files };
  const n = j.load.parallelism;
  const name = k8sName('load', j.labels['scalebench.dev/cell'] ?? o.cell.id);
  const options = k6Options(o.cell);
  const workload = scenarioWorkload(o.cell, o.workload, o.endpoint, o.model, { points: '-', meta: '-', summary: '' });
  const { configMap, job } = loadJobObjects({
    name,
    namespace: j.namespace,
    labels: j.labels,
    load: j.load,
    k6Options: options,
    workload,
    maxWallMs: k6WallMs(o.cell.load).max,
  });
  writeFileSync(files.options, configMap.data['k6-options.json']);
  writeFileSync(files.workload, configMap.data['k6-workload.json']);
  writeFileSync(files.points, '');
  writeFileSync(files.log, '');
  const log = (m: string): void => appendFileSync(files.log, `${new Date().toISOString()} ${m}\n`);

  const pods = new Map<number, { obj: K8sObject; lines: PodLines; follow?: PodLog; terminalAt?: number; gone?: boolean }>();
  const fail = (failure: string): K6Result => ({ exitCode: null, failure, files });
  await j.client.delete(job); // a Job's template cannot change: one left by an interrupted run goes first
  await j.client.apply(configMap);
  await j.client.apply(job);
  log(`Job ${j.namespace}/${name}: ${n} pods of ${j.load.image}`);

  const selector = `batch.kubernetes.io/job-name=${name}`;
  const listPods = async (): Promise<K8sObject[]> => (await j.client.list('v1', 'Pod', j.namespace, selector)).filter((p) => indexOf(p) >= 0);
  const pollMs = j.pollMs ?? 500;

  // 1. Every pod runs (or one has already ended: the barrier cannot hold).
  const runningBy = Date.now() + (j.runningTimeoutMs ?? 300_000);
  for (;;) {
    if (o.signal?.aborted) return { ...fail('interrupted'), files };
    const list = await listPods();
    for (const p of list) {
      const i = indexOf(p);
      const cur = pods.get(i);
      if (!cur || cur.obj.metadata.name !== p.metadata.name) pods.set(i, { obj: p, lines: newPodLines(i) });
      else cur.obj = p;
    }
    const ended = list.find((p) => terminal(statusOf(p).phase));
    if (ended)
      return fail(
        `runner pod ${ended.metadata.name} ended before the start barrier: ${statusOf(ended).phase} (${podFailure(statusOf(ended))}); see ${files.log}`,
      );
    if (pods.size === n && [...pods.values()].every((p) => statusOf(p.obj).phase === 'Running')) break;
    if (Date.now() > runningBy) {
      const why = list
        .map(
          (p) =>
            `${p.metadata.name}: ${statusOf(p).phase ?? 'no phase'}${statusOf(p).containerStatuses?.[0]?.state?.waiting ? ` (${statusOf(p).containerStatuses![0]!.state!.waiting!.reason ?? ''})` : ''}`,
        )
        .join(', ');
      await j.client.delete(job);
      return fail(
        `runner pods: ${pods.size} of ${n} exist, not all Running after ${Math.round((j.runningTimeoutMs ?? 300_000) / 1000)} s (${why || "none created: check the Job's events"})`,
      );
    }
    await sleep(pollMs, o.signal).catch(() => undefined);
  }

  // 2. Follow every pod's log, then open the barrier.
  let live = 0;
  for (const p of pods.values()) {
    p.follow = new PodLog(j.client, j.namespace, p.obj.metadata.name, (line) => {
      const kind = addPodLine(p.lines, line);
      if (kind === 'point') {
        appendFileSync(files.points, `${line}\n`);
        live++;
      } else if (kind === 'other') log(`${p.obj.metadata.name}: ${line}`);
    });
    p.follow.start();
  }
  const startAtMs = Date.now() + (j.barrierMarginMs ?? 3000);
  for (const p of pods.values()) await j.client.annotate(p.obj, { [START_AT_ANNOTATION]: String(startAtMs) });
  log(`barrier: start at ${new Date(startAtMs).toISOString()}`);
  o.onLoadStart?.(startAtMs);

  // 3. Until every pod has ended and its log is read (its end line, or a quiet log after it ended).
  const deadline = startAtMs + k6WallMs(o.cell.load).max;
  let stopped = '';
  for (;;) {
    if (o.signal?.aborted && !stopped) {
      stopped = 'interrupted';
      await j.client.delete(job); // its pods get SIGTERM: k6 stops and writes its end line
    }
    if (Date.now() > deadline && !stopped) {
      stopped = `runner pods still running ${Math.round((Date.now() - startAtMs) / 1000)} s after the start: stopped`;
      await j.client.delete(job);
    }
    const list = await listPods().catch(() => undefined);
    for (const p of list ?? []) {
      const cur = pods.get(indexOf(p));
      if (cur && cur.obj.metadata.name === p.metadata.name) {
        cur.obj = p;
        if (terminal(statusOf(p).phase)) cur.terminalAt ??= Date.now();
      }
    }
    for (const p of pods.values()) {
      // A pod deleted under the load (by hand, or its node gone) has ended too.
      if (list !== undefined && !list.some((x) => x.metadata.name === p.obj.metadata.name)) {
        p.gone = true;
        p.terminalAt ??= Date.now();
      }
    }
    const done = [...pods.values()].every((p) => p.follow!.ended || (p.terminalAt !== undefined && Date.now() - p.terminalAt > 3000));
    if (done || (stopped && Date.now() > deadline + 30_000)) break;
    await sleep(pollMs);
  }
  for (const p of pods.values()) await p.follow!.close();
  log(`${live} points read`);
  // A pod's end line comes before its container exits: its final phase, a few seconds later at most.
  for (let i = 0; i < 20 && [...pods.values()].some((p) => !p.gone && !terminal(statusOf(p.obj).phase)); i++) {
    await sleep(pollMs);
    const list = await listPods().catch(() => []);
    for (const p of pods.values()) {
      const now = list.find((x) => x.metadata.name === p.obj.metadata.name);
      if (now) p.obj = now;
    }
  }

  // 4. Merge in time order; the scenario's start is the earliest pod's.
  const all = [...pods.values()].sort((a, b) => a.lines.index - b.lines.index);
  writeAtomic(
    files.points,
    mergePoints(all.map((p) => p.lines))
      .map((l) => `${l}\n`)
      .join(''),
  );
  const starts = all.filter((p) => p.lines.start).map((p) => ({ scenario_start_ms: p.lines.start!.ms, pod: p.lines.index, clk: p.lines.start!.clk }));
  writeFileSync(
    files.meta,
    starts
      .sort((a, b) => a.scenario_start_ms - b.scenario_start_ms)
      .map((m) => `${JSON.stringify(m)}\n`)
      .join(''),
  );
  const runnerPods: RunnerPods = {
    job: name,
    parallelism: n,
    image: j.load.image ?? '',
    startAtMs,
    skew: runnerSkew(all.map((p) => p.lines)),
    pods: all.map((p) => runnerPodRecord(p, startAtMs)),
  };
  writeAtomic(`${o.cellDir}/runner-pods.json`, `${JSON.stringify(runnerPods, null, 2)}\n`);
  const failed = runnerPods.pods.filter((p) => p.phase === 'Failed' || (!p.ended && p.phase !== 'Succeeded'));
  const scenarioStartMs = starts.length ? Math.min(...starts.map((s) => s.scenario_start_ms)) : undefined;
  const ends = all.filter((p) => p.lines.end);
  const seen = {
    files,
    runnerPods,
    ...(scenarioStartMs !== undefined ? { scenarioStartMs } : {}),
    ...(ends.length ? { droppedIterations: ends.reduce((a, p) => a + p.lines.end!.droppedIterations, 0) } : {}),
  };
  if (stopped) return { exitCode: null, failure: stopped, ...seen };
  if (failed.length) {
    const why = failed.map((p) => `runner pod ${p.name} (index ${p.index}) ${p.phase}: ${p.reason ?? 'its log ended without its end line'}`).join('; ');
    return { exitCode: null, failure: `${why} (the other pods' points are kept; see runner-pods.json)`, ...seen };
  }
  return { exitCode: 0, ...seen };
}
