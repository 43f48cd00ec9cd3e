import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { K8sObject } from '../../src/manifests/types.js';
import type { RunnerPods } from '../../src/results/pod-points.js';
import { ClusterClient } from '../../src/targets/kubernetes/cluster-client.js';
import { findTool, projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, onlyRun, runCli, scratch, spawnCli, writeMatrix } from '../integration/helpers.js';
import { clusterCache, ControlPlane, controlPlaneBinaries, kwokCrdDir, missingBinaries, podBinaries } from './rig/control-plane.js';
import { installCrds } from './rig/crds.js';
import { KwokBacking } from './rig/kwok-backing.js';
import { KwokRunnerBacking } from './rig/kwok-runner-backing.js';

const missing = missingBinaries(clusterCache(), [...controlPlaneBinaries, ...podBinaries]);
const crdDir = resolve(projectRoot, '..', 'shared', 'crds');
const logsCrd = join(kwokCrdDir(), 'kwok.x-k8s.io_logs.yaml');
const skipReason = missing.length
  ? `${missing.join(', ')} not in ${clusterCache()} (build them with scripts/setup-cluster)`
  : !existsSync(crdDir)
    ? `no ${crdDir} (the shared/ folder beside the clone)`
    : !existsSync(logsCrd)
      ? `no ${logsCrd} (scripts/setup-cluster copies it from the kwok module)`
      : '';
if (skipReason) {
  if (process.env.CI === 'true') throw new Error(`cluster tier (load as a Job): ${skipReason}`);
  process.stdout.write(`cluster tier (load as a Job) skipped: ${skipReason}\n`);
}

const NS = 'bench';
const USERS = 6;
/**
 * One closed-loop load; the target's load runner is the only difference between the runs. The 3 s warm-up keeps
 * out of the count the first requests of a local runner, which can start before the simulators behind the kwok pods
 * answer (kwok's pods are Ready when they run; the backing starts a simulator then).
 */
const matrix = (target: string, duration = '30s') => `name: load-job
target: ${target}
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 8 }
    replicas: { start: 2, min: 2, max: 2 }
    simulator: { ttft: 100ms, itl: 20ms, startup: 1s }
autoscalers:
  - { name: fixed, kind: fixed }
load: { shape: constant, users: [${USERS}], duration: ${duration}, warmup: 3s, settle: 2s }
sample_interval: 1s
`;

interface CellOut {
  result: {
    status: string;
    reason?: string;
    client: { requests: number; errors: number; errorKinds: unknown[]; e2eMs: { p50: number | null } };
    runnerPods?: RunnerPods;
  };
  points: Array<{ t: number; phase: string; vu: number; pod?: number }>;
  dir: string;
}

function cellOut(runDir: string): CellOut {
  const cell = readdirSync(join(runDir, 'cells'))[0]!;
  const dir = join(runDir, 'cells', cell);
  const points = readFileSync(join(dir, 'points.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CellOut['points'][number]);
  return { result: JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as CellOut['result'], points, dir };
}

const mainCount = (c: CellOut, pod?: number): number => c.points.filter((p) => p.phase === 'main' && (pod === undefined || p.pod === pod)).length;

describe.skipIf(skipReason !== '')('the load as an Indexed Job of runner pods (kwok-backed), read through the API server and merged', () => {
  const dir = scratch();
  let cp: ControlPlane;
  let sims: KwokBacking;
  let runners: KwokRunnerBacking;
  let job: CellOut;
  let killed: CellOut;
  let killedPod = '';
  let local: CellOut;
  let jobRun: { tools: Record<string, string> };
  let jobSummary = '';
  const target = (load: string) => `{ kind: kubernetes, namespace: ${NS}, url: "${sims.url}", prometheus_url: "${sims.prometheusUrl}"${load} }`;
  const jobLoad = `, load: { runner: job, parallelism: 3, image: "registry.example/scalebench-k6@sha256:${'0'.repeat(64)}", resources: { requests: { cpu: 500m } } }`;

  beforeAll(async () => {
    ensureBuilt();
    // Pods turn Running and Ready 3 s after they are scheduled, as after a short model load.
    cp = await ControlPlane.start({ logDir: join(dir, 'logs'), pods: true, podLogs: true, podReadyDelayMs: 3000 });
    const client = ClusterClient.load({ kubeconfig: cp.kubeconfig });
    await installCrds(cp, crdDir);
    await cp.fakeNode('kwok-l4-0', { labels: { 'nvidia.com/gpu.product': 'NVIDIA-L4' } });
    await client.ensureNamespace(NS);
    sims = await KwokBacking.forMatrix({ client, namespace: NS, matrix: matrix('{ kind: local }'), logDir: join(dir, 'sims') });
    runners = KwokRunnerBacking.start({ client, api: (...a) => cp.api(...a), namespace: NS, k6: findTool('k6'), dir: join(dir, 'runners') });

    writeMatrix(dir, 'job.yaml', matrix(target(jobLoad)));
    const j = await runCli(['run', 'job.yaml', '--out', 'job-out', '--kubeconfig', cp.kubeconfig], { cwd: dir });
    expect(j.stderr).not.toMatch(/unexpected error/);
    job = cellOut(onlyRun(join(dir, 'job-out')));
    jobRun = JSON.parse(readFileSync(join(onlyRun(join(dir, 'job-out')), 'run.json'), 'utf8')) as typeof jobRun;
    jobSummary = readFileSync(join(onlyRun(join(dir, 'job-out')), 'summary.md'), 'utf8');

    writeMatrix(dir, 'local.yaml', matrix(target('')));
    const l = await runCli(['run', 'local.yaml', '--out', 'local-out', '--kubeconfig', cp.kubeconfig], { cwd: dir });
    expect(l.stderr).not.toMatch(/unexpected error/);
    local = cellOut(onlyRun(join(dir, 'local-out')));

    // Pod index 1 killed 10 s after its start: 7 s into the 30 s main phase, after the 3 s warm-up.
    writeMatrix(dir, 'kill.yaml', matrix(target(jobLoad)));
    const k = spawnCli(['run', 'kill.yaml', '--out', 'kill-out', '--kubeconfig', cp.kubeconfig], { cwd: dir });
    for (let i = 0; i < 600 && runners.pods().filter((p) => !job.result.runnerPods!.pods.some((x) => x.name === p)).length < 3; i++)
      await new Promise((r) => setTimeout(r, 200));
    const mine = runners.pods().filter((p) => !job.result.runnerPods!.pods.some((x) => x.name === p));
    killedPod = mine.find((p) => /-1-[a-z0-9]+$/.test(p)) ?? '';
    await new Promise((r) => setTimeout(r, 3000 + 10_000)); // the barrier's margin, then 10 s of load
    expect(runners.kill(killedPod)).toBe(true);
    const kr = await k.done;
    expect(kr.stderr).not.toMatch(/unexpected error/);
    killed = cellOut(onlyRun(join(dir, 'kill-out')));
  }, 420_000);

  afterAll(async () => {
    await runners?.stop();
    await sims?.stop();
    await cp?.stop();
  });

  it('runs the cell as three runner pods started together, each its own segment, and merges their points in time order', () => {
    expect(job.result.status, job.result.reason).toBe('done');
    const rp = job.result.runnerPods!;
    expect(rp.parallelism).toBe(3);
    expect(rp.pods.map((p) => [p.index, p.phase, p.ended])).toEqual([
      [0, 'Succeeded', true],
      [1, 'Succeeded', true],
      [2, 'Succeeded', true],
    ]);
    // Segments 0:1/3, 1/3:2/3, 2/3:1 of 6 users: two VUs each, ids unique across the pods.
    for (const pod of [0, 1, 2]) expect(new Set(job.points.filter((p) => p.pod === pod).map((p) => p.vu)).size).toBe(2);
    expect(new Set(job.points.map((p) => p.vu)).size).toBe(USERS);
    // The merged count is the sum of the pods', and the points are in time order.
    const perPod = [0, 1, 2].map((pod) => mainCount(job, pod));
    expect(job.result.client.requests).toBe(mainCount(job));
    expect(perPod.reduce((a, b) => a + b, 0)).toBe(mainCount(job));
    expect(rp.pods.map((p) => p.mainRequests)).toEqual(perPod);
    expect(job.points.every((p, i) => i === 0 || p.t >= job.points[i - 1]!.t)).toBe(true);
    // The barrier: every pod's scenario started within a few ms of the others (their clocks are one machine's here).
    expect(rp.skew.startSpreadMs).toBeLessThan(100);
    expect(rp.pods.every((p) => Math.abs(p.startLagMs!) < 100)).toBe(true);
    const ratio = mainCount(job) / mainCount(local);
    process.stdout.write(
      `load as a Job (3 pods, ${USERS} users, 30 s): pod requests ${perPod.join(' + ')} = ${mainCount(job)} merged; local runner ${mainCount(local)} ` +
        `(${((ratio - 1) * 100).toFixed(2)} %); errors ${job.result.client.errors} and ${local.result.client.errors} ${JSON.stringify(local.result.client.errorKinds)}; ` +
        `e2e p50 ${job.result.client.e2eMs.p50} ms and ${local.result.client.e2eMs.p50} ms; barrier start spread ${rp.skew.startSpreadMs} ms, clock steps up to ${rp.skew.clockStepMaxMs} ms\n`,
    );
    expect(local.result.status, local.result.reason).toBe('done');
    expect([job.result.client.errors, local.result.client.errors]).toEqual([0, 0]);
    expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(0.02);
  });

  it('records the runner image and its digest in run.json, and the report says how far apart the pods were', () => {
    expect(jobRun.tools['runner-image-digest']).toBe(`sha256:${'0'.repeat(64)}`);
    const rp = job.result.runnerPods!;
    expect(jobSummary).toContain(`## Load runners`);
    expect(jobSummary).toContain(
      `main-phase requests ${rp.pods.map((p) => p.mainRequests).join(' + ')} = ${mainCount(job)}; clock skew between pods: starts ${rp.skew.startSpreadMs} ms apart`,
    );
  });

  it('tears the Job down with the cell: no runner pod of the run is left', async () => {
    const client = ClusterClient.load({ kubeconfig: cp.kubeconfig });
    const left = await client.list('batch/v1', 'Job', NS, 'scalebench.dev/role=load');
    expect(left.map((j) => j.metadata.name)).toEqual([]);
  });

  it("a runner pod killed mid-cell marks the cell with its reason, and keeps every pod's points", () => {
    expect(killedPod).not.toBe('');
    expect(killed.result.status).toBe('failed');
    expect(killed.result.reason).toMatch(new RegExp(`runner pod ${killedPod} \\(index 1\\) Failed: container k6 terminated \\(Error, exit code 137\\)`));
    const rp = killed.result.runnerPods!;
    const byIndex = rp.pods.map((p) => [p.index, p.phase, p.ended]);
    expect(byIndex).toEqual([
      [0, 'Succeeded', true],
      [1, 'Failed', false],
      [2, 'Succeeded', true],
    ]);
    // The killed pod's points up to the kill are there (about 7 of 30 s), the others' in full.
    const perPod = [0, 1, 2].map((pod) => mainCount(killed, pod));
    process.stdout.write(`runner pod killed ~7 s into the 30 s main phase: main-phase requests per pod ${perPod.join(', ')} (merged ${mainCount(killed)})\n`);
    expect(perPod[1]).toBeGreaterThan(0);
    expect(perPod[1]).toBeLessThan(0.6 * perPod[0]!);
    expect(perPod[0]).toBeGreaterThan(0.9 * mainCount(job, 0));
    expect(killed.result.client.requests).toBe(perPod.reduce((a, b) => a + b, 0));
  });
  describe('a k6-operator TestRun from `generate --k6-operator`, its pods read back by `scalebench testrun read`', () => {
    let read: { code: number | null; stdout: string; stderr: string };
    let out: { pods: RunnerPods; points: CellOut['points'] };
    const name = 'load-job-load-6';

    beforeAll(async () => {
      const client = ClusterClient.load({ kubeconfig: cp.kubeconfig });
      writeMatrix(dir, 'op.yaml', matrix(target(jobLoad)));
      const g = await runCli(['generate', 'op.yaml', '--k6-operator'], { cwd: dir });
      expect(g.code, g.stderr).toBe(0);
      const docs = parseAllDocuments(g.stdout).map((d) => d.toJS() as K8sObject);
      const testRun = docs.find((d) => d.kind === 'TestRun' && d.metadata.name === name)!;
      const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === name)!;
      await client.apply(configMap);
      // The model the TestRun loads: the runs above tore theirs down with their cells.
      const serving = parseAllDocuments((await runCli(['generate', 'op.yaml'], { cwd: dir })).stdout)
        .map((d) => d.toJS() as K8sObject)
        .filter((d) => d.kind === 'Deployment' || d.kind === 'Service');
      expect(serving.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
      for (const o of serving) await client.apply(o);
      for (let i = 0; i < 300; i++) {
        const d = await client.read('apps/v1', 'Deployment', NS, serving[0]!.metadata.name);
        if ((d?.status as { readyReplicas?: number } | undefined)?.readyReplicas === 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // No k6-operator here (its module is not on the Go proxy this machine reaches): its controller's part, as v1.6.0
      // does it (pkg/resources/jobs/runner.go NewRunnerJob), is played below — one Job <name>-<i> per runner, i from 1,
      // labelled app=k6, k6_cr=<name>, runner=true plus the TestRun's runner labels, running
      // `k6 run --quiet <segment flags> <args> /test/<file> --address=0.0.0.0:6565 --paused --tag instance_id=<i>
      // --tag testrun_name=<name>` with the script's ConfigMap at /test (pkg/types/script.go); then its starter's: a
      // PATCH of each runner's /v1/status to paused=false once all run (pkg/resources/jobs/starter.go, containers/curl.go).
      const spec = testRun.spec as {
        parallelism: number;
        args: string[];
        script: { configMap: { name: string; file: string } };
        runner: { image: string; metadata: { labels: Record<string, string> }; env: Array<{ name: string; value: string }> };
      };
      const sequence = ['0', ...Array.from({ length: spec.parallelism - 1 }, (_, i) => `${i + 1}/${spec.parallelism}`), '1'];
      const part = (i: number): string => (i === 0 ? '0' : i === spec.parallelism ? '1' : `${i}/${spec.parallelism}`);
      const reader = spawnCli(['testrun', 'read', name, '-n', NS, '--kubeconfig', cp.kubeconfig, '--out', 'testrun-out', '--timeout', '3m'], { cwd: dir });
      for (let i = 1; i <= spec.parallelism; i++) {
        const labels = { ...spec.runner.metadata.labels, app: 'k6', k6_cr: name, runner: 'true' };
        await client.apply({
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: `${name}-${i}`, namespace: NS, labels },
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'k6',
                    image: spec.runner.image,
                    command: [
                      ...['k6', 'run', '--quiet', `--execution-segment=${part(i - 1)}:${part(i)}`, `--execution-segment-sequence=${sequence.join(',')}`],
                      ...spec.args,
                      ...[
                        `/test/${spec.script.configMap.file}`,
                        '--address=0.0.0.0:6565',
                        '--paused',
                        '--tag',
                        `instance_id=${i}`,
                        '--tag',
                        `testrun_name=${name}`,
                      ],
                    ],
                    env: spec.runner.env,
                    volumeMounts: [{ name: 'k6-test-volume', mountPath: '/test' }],
                  },
                ],
                volumes: [{ name: 'k6-test-volume', configMap: { name: spec.script.configMap.name } }],
              },
            },
          },
        });
      }
      // The starter: once every runner's REST API answers, resume them all.
      const mine = (): string[] => runners.pods().filter((p) => p.startsWith(`${name}-`));
      const status = async (address: string, init?: RequestInit): Promise<boolean> =>
        fetch(`http://${address}/v1/status`, { ...init, signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
      for (let i = 0; i < 600; i++) {
        const up = await Promise.all(mine().map((p) => status(runners.address(p) ?? '')));
        if (up.length === spec.parallelism && up.every(Boolean)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const body = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } });
      for (const p of mine()) expect(await status(runners.address(p)!, { method: 'PATCH', body, headers: { 'content-type': 'application/json' } })).toBe(true);
      read = await reader.done;
      const points = readFileSync(join(dir, 'testrun-out', 'points.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as CellOut['points'][number]);
      out = { pods: JSON.parse(readFileSync(join(dir, 'testrun-out', 'runner-pods.json'), 'utf8')) as RunnerPods, points };
      for (let i = 1; i <= spec.parallelism; i++)
        await client.delete({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${name}-${i}`, namespace: NS } });
      for (const o of serving) await client.delete(o);
    }, 300_000);

    it("follows each runner pod's log through the API server and merges their points: the sum of the pods', in time order, the load of a local runner", () => {
      expect(read.stderr).not.toMatch(/unexpected error/);
      expect(read.code, read.stderr).toBe(0);
      expect(out.pods.parallelism).toBe(3);
      expect(out.pods.pods.map((p) => [p.index, p.phase, p.ended])).toEqual([
        [0, 'Succeeded', true],
        [1, 'Succeeded', true],
        [2, 'Succeeded', true],
      ]);
      const main = out.points.filter((p) => p.phase === 'main').length;
      expect(out.pods.pods.reduce((a, p) => a + p.mainRequests, 0)).toBe(main);
      expect(out.pods.pods.reduce((a, p) => a + p.requests, 0)).toBe(out.points.length);
      expect(out.points.every((p, i) => i === 0 || p.t >= out.points[i - 1]!.t)).toBe(true);
      // Each runner ran its own segment: two of the six users each, their ids unique across the pods.
      expect(new Set(out.points.map((p) => p.vu)).size).toBe(USERS);
      const ratio = main / mainCount(local);
      process.stdout.write(
        `k6-operator TestRun (3 runners, ${USERS} users, 30 s) read back: pod requests ${out.pods.pods.map((p) => p.mainRequests).join(' + ')} = ${main}; ` +
          `local runner ${mainCount(local)} (${((ratio - 1) * 100).toFixed(2)} %); starts ${out.pods.skew.startSpreadMs} ms apart\n`,
      );
      expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(0.02);
      expect(read.stdout).toContain(`TestRun ${NS}/${name}: ${out.points.length} points from 3 runner pods`);
      expect(read.stdout).toMatch(new RegExp(`main phase: ${main} requests, 0 failed`));
    });
  });
});
