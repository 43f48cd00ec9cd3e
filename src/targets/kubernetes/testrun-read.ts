import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { K8sObject } from '../../manifests/types.js';
import { addPodLine, mergePoints, newPodLines, runnerSkew, type PodLines, type RunnerPods } from '../../results/pod-points.js';
import { writeAtomic } from '../../results/files.js';
import { UserError } from '../../util/errors.js';
import { sleep } from '../../util/ports.js';
import type { ClusterClient } from './cluster-client.js';
import { PodLog, runnerPodRecord, statusOf, terminal } from './job-runner.js';

/**
 * Reading back the load of a k6-operator TestRun made by `generate
 * --k6-operator`: its runner pods write scalebench's point lines to stdout
 * (as the kubernetes target's own runner Job does), and this follows each
 * pod's log through the API server and merges them in time order, as
 * job-runner.ts does for a cell.
 *
 * k6-operator v1.6 labels a TestRun's runner pods app=k6, k6_cr=<name>,
 * runner=true and runs runner i (from 1) in the Job <name>-<i>
 * (pkg/resources/jobs/helpers.go newLabels, runner.go NewRunnerJob); its
 * container is named k6. It gives each runner its execution segment on the
 * command line and starts them together (--paused, then its starter resumes
 * them all), so the pods carry no completion index and write "pod": 0: a
 * pod here is known by its Job's name.
 */

/** The label selector of a TestRun's runner pods. */
export const testRunSelector = (name: string): string => `app=k6,k6_cr=${name},runner=true`;

/** A runner pod's index, from 0: its Job is <name>-<i>, i from 1; -1 when it is not one of the TestRun's. */
export function testRunIndex(pod: Pick<K8sObject, 'metadata'>, name: string): number {
  const job = pod.metadata.labels?.['batch.kubernetes.io/job-name'] ?? pod.metadata.labels?.['job-name'] ?? '';
  if (!job.startsWith(`${name}-`)) return -1;
  const i = job.slice(name.length + 1);
  return /^[1-9]\d{0,5}$/.test(i) ? Number(i) - 1 : -1;
}

export interface ReadTestRunOptions {
  client: ClusterClient;
  namespace: string;
  name: string;
  /** points.jsonl, k6-meta.jsonl and runner-pods.json go here. */
  outDir: string;
  /** How long to wait for the runner pods to appear and to end. */
  timeoutMs: number;
  /** @default 500 ms */
  pollMs?: number;
  /** One line of progress (pods found, each pod's end). */
  progress?: (line: string) => void;
  /** Ctrl-C: stop following; what was read is written. */
  signal?: AbortSignal;
}

export interface TestRunRead {
  runnerPods: RunnerPods;
  /** Merged point lines written. */
  points: number;
  files: { points: string; meta: string; runnerPods: string };
  /** Why the read is incomplete (a pod failed, the time ran out, interrupted); absent when every pod ended. */
  incomplete?: string;
}

/** The part of a pod's spec read here: its container's image. */
const podImage = z.object({ containers: z.array(z.object({ image: z.string().optional() })).min(1) });
/** The part of a TestRun read here. */
const testRunSpec = z.object({ parallelism: z.number().int().positive() });

/** Follows every runner pod of the TestRun until each has ended (or the time runs out) and writes the merged points. */
export async function readTestRun(o: ReadTestRunOptions): Promise<TestRunRead> {
  const pollMs = o.pollMs ?? 500;
  const deadline = Date.now() + o.timeoutMs;
  const where = `TestRun ${o.namespace}/${o.name}`;
  // How many runners it has, when its object can be read (the CRD installed); else the pods found.
  let parallelism: number | undefined;
  try {
    const tr = testRunSpec.safeParse((await o.client.read('k6.io/v1alpha1', 'TestRun', o.namespace, o.name))?.spec);
    if (tr.success) parallelism = tr.data.parallelism;
  } catch {
    /* no TestRun kind in this cluster: the pods alone say */
  }
  const list = async (): Promise<K8sObject[]> =>
    (await o.client.list('v1', 'Pod', o.namespace, testRunSelector(o.name))).filter((p) => testRunIndex(p, o.name) >= 0);

  // 1. The runner pods, once they all exist (k6-operator makes them after its initializer pod).
  type Tracked = { obj: K8sObject; lines: PodLines; follow?: PodLog; terminalAt?: number; gone?: boolean };
  const pods = new Map<number, Tracked>();
  for (;;) {
    for (const p of await list()) {
      const i = testRunIndex(p, o.name);
      const cur = pods.get(i);
      if (!cur || cur.obj.metadata.name !== p.metadata.name) pods.set(i, { obj: p, lines: newPodLines(i) });
      else cur.obj = p;
    }
    const started = [...pods.values()].filter((p) => statusOf(p.obj).phase !== 'Pending' && statusOf(p.obj).phase !== undefined);
    if (pods.size > 0 && pods.size >= (parallelism ?? 1) && started.length === pods.size) break;
    if (o.signal?.aborted || Date.now() > deadline) {
      if (pods.size === 0)
        throw new UserError(
          `${where}: no runner pods (labels ${testRunSelector(o.name)}) after ${Math.round(o.timeoutMs / 1000)} s: is it applied and has k6-operator started it? (kubectl get testrun,pods -n ${o.namespace})`,
        );
      break; // some pods still pending: read those that run
    }
    await sleep(pollMs);
  }
  o.progress?.(`${where}: ${pods.size} runner pod${pods.size === 1 ? '' : 's'}${parallelism ? ` of ${parallelism}` : ''}; following their logs`);

  // 2. Follow each log until the pod's end line, or a quiet log after it ended. Without the TestRun's
  // parallelism (no CRD to read it from), a runner pod that appears later is followed too.
  const follow = (p: Tracked): void => {
    p.follow = new PodLog(o.client, o.namespace, p.obj.metadata.name, (line) => {
      if (addPodLine(p.lines, line) === 'end') o.progress?.(`${p.obj.metadata.name}: ended, ${p.lines.points.length} points`);
    });
    p.follow.start();
  };
  for (const p of pods.values()) follow(p);
  let incomplete: string | undefined;
  for (;;) {
    const now = await list().catch(() => undefined);
    for (const x of now ?? []) {
      const i = testRunIndex(x, o.name);
      if (pods.has(i) || statusOf(x).phase === 'Pending') continue;
      const p: Tracked = { obj: x, lines: newPodLines(i) };
      pods.set(i, p);
      o.progress?.(`${where}: runner pod ${x.metadata.name} too; following its log`);
      follow(p);
    }
    for (const p of pods.values()) {
      const cur = now?.find((x) => x.metadata.name === p.obj.metadata.name);
      if (cur) {
        p.obj = cur;
        if (terminal(statusOf(cur).phase)) p.terminalAt ??= Date.now();
      } else if (now !== undefined) {
        p.gone = true;
        p.terminalAt ??= Date.now();
      }
    }
    if ([...pods.values()].every((p) => p.follow!.ended || (p.terminalAt !== undefined && Date.now() - p.terminalAt > 3000))) break;
    if (o.signal?.aborted) {
      incomplete = 'interrupted: the points read so far are written';
      break;
    }
    if (Date.now() > deadline) {
      incomplete = `runner pods still running after ${Math.round(o.timeoutMs / 1000)} s (--timeout): the points read so far are written`;
      break;
    }
    await sleep(pollMs);
  }
  for (const p of pods.values()) await p.follow!.close();

  // 3. Merge in time order (each point on the first pod's clock), and say what each pod did.
  mkdirSync(o.outDir, { recursive: true });
  const files = { points: join(o.outDir, 'points.jsonl'), meta: join(o.outDir, 'k6-meta.jsonl'), runnerPods: join(o.outDir, 'runner-pods.json') };
  const all = [...pods.values()].sort((a, b) => a.lines.index - b.lines.index);
  const merged = mergePoints(all.map((p) => p.lines));
  writeAtomic(files.points, merged.map((l) => `${l}\n`).join(''));
  const starts = all.filter((p) => p.lines.start).map((p) => ({ scenario_start_ms: p.lines.start!.ms, pod: p.lines.index, clk: p.lines.start!.clk }));
  writeFileSync(files.meta, starts.map((m) => `${JSON.stringify(m)}\n`).join(''));
  const first = starts.length ? Math.min(...starts.map((s) => s.scenario_start_ms)) : 0;
  const runnerPods: RunnerPods = {
    job: o.name,
    parallelism: parallelism ?? pods.size,
    image: podImage.safeParse(all[0]?.obj.spec).data?.containers[0]?.image ?? '',
    startAtMs: first,
    skew: runnerSkew(all.map((p) => p.lines)),
    pods: all.map((p) => runnerPodRecord(p, first)),
  };
  writeAtomic(files.runnerPods, `${JSON.stringify(runnerPods, null, 2)}\n`);
  const missing = parallelism !== undefined && pods.size < parallelism ? `${parallelism - pods.size} of ${parallelism} runner pods never ran` : undefined;
  const failed = runnerPods.pods.filter((p) => !p.ended);
  const why = failed.map((p) => `${p.name} ${p.phase}: ${p.reason ?? 'its log ended without its end line'}`);
  incomplete ??= [missing, ...why].filter(Boolean).join('; ') || undefined;
  return { runnerPods, points: merged.length, files, ...(incomplete ? { incomplete } : {}) };
}
