import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandCells } from '../../src/matrix/expand.js';
import { parseMatrix } from '../../src/matrix/load.js';
import type { Cell, ResolvedMatrix } from '../../src/matrix/types.js';
import { ClusterClient } from '../../src/targets/kubernetes/cluster-client.js';
import { clusterCache, ControlPlane, missingBinaries, podBinaries, controlPlaneBinaries } from './rig/control-plane.js';
import { KubernetesTarget } from '../../src/targets/kubernetes/kubernetes-target.js';
import type { ReplicaEvent } from '../../src/results/events.js';
import { projectRoot } from '../../src/util/tools.js';
import { scratch } from '../integration/helpers.js';
import { projectCatalog } from '../../src/catalog/catalog.js';
import { CellInterrupted, runCell } from '../../src/runner/cell.js';
import { createProgress } from '../../src/runner/progress.js';
import { installCrds } from './rig/crds.js';
import { until } from './rig/wait.js';

const missing = missingBinaries(clusterCache(), [...controlPlaneBinaries, ...podBinaries]);
/** The real upstream CRDs, read by path: test data, never copied into the project. */
const crdDir = resolve(projectRoot, '..', 'shared', 'crds');
const skip = missing.length > 0 || !existsSync(crdDir);
if (missing.length)
  process.stdout.write(`cluster tier (kubernetes target) skipped: ${missing.join(', ')} not in ${clusterCache()} (build them with scripts/setup-cluster)\n`);
else if (!existsSync(crdDir)) process.stdout.write(`cluster tier (kubernetes target) skipped: no ${crdDir} (the shared/ folder beside the clone)\n`);

const NS = 'bench';
const matrixYaml = (serving: string) => `
name: k8s-target
target: { kind: kubernetes, namespace: ${NS}, url: "http://127.0.0.1:9", prometheus_url: "http://127.0.0.1:9", serving: ${serving} }
slo: { ttft_ms_p95: 500ms }
deployments:
  - name: llama8b-h100
    model: meta-llama/Llama-3.1-8B-Instruct
    gpu: { type: H100, count: 1 }
    vllm: { max_num_seqs: 32, max_model_len: 4096 }
    replicas: { start: 2, min: 1, max: 4 }
autoscalers:
  - { name: waiting, kind: hpa-custom, metric: "vllm:num_requests_waiting", target: 5 }
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="${NS}"})', threshold: 5, min_replicas: 1 }
  - { name: fixed, kind: fixed }
load: { shape: constant, users: [1], duration: 10s }
`;

describe.skipIf(skip)('the kubernetes target on a real control plane (kwok nodes)', () => {
  let cp: ControlPlane;
  let client: ClusterClient;
  let matrix: ResolvedMatrix;
  let cells: Cell[];
  const events: ReplicaEvent[] = [];
  let missingCrdError = '';
  const dir = scratch();
  const target = (runId: string, serving = 'deployment', keep = false): KubernetesTarget =>
    new KubernetesTarget({
      client,
      namespace: NS,
      url: 'http://127.0.0.1:9',
      prometheusUrl: 'http://127.0.0.1:9',
      runId,
      slo: matrix.slo,
      catalog: projectCatalog(),
      keep,
      manifests: { serving: serving as 'deployment' },
      pollMs: 250,
    });
  const cell = (autoscaler: string): Cell => cells.find((c) => c.autoscaler.name === autoscaler)!;
  const deployOpts = (c: Cell) => ({ cell: c, workload: matrix.workload, dir: join(dir, c.id), onEvent: (e: ReplicaEvent) => events.push(e) });

  beforeAll(async () => {
    cp = await ControlPlane.start({ logDir: join(dir, 'logs'), pods: true, hpaSyncPeriodMs: 2000 });
    client = ClusterClient.load({ kubeconfig: cp.kubeconfig });
    matrix = parseMatrix(matrixYaml('deployment'), 'k8s-target.yaml', projectCatalog());
    cells = expandCells(matrix);
    // Before the CRDs are installed: what a cluster without KEDA says.
    missingCrdError = await client.checkKinds('default', [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' }]).then(
      () => '',
      (e: Error) => e.message,
    );
    expect((await installCrds(cp, crdDir)).length).toBeGreaterThan(0);
    await cp.fakeNode('kwok-h100-0', { labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } });
    // Objects that are not this run's: teardown must leave every one of them alone.
    await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cp.api('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'users-own' }, data: { a: '1' } });
    await cp.api('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'another-run', labels: { 'app.kubernetes.io/managed-by': 'scalebench', 'scalebench.dev/run': 'some-other-run' } },
    });
    await cp.api('POST', `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'users-hpa', labels: { 'app.kubernetes.io/managed-by': 'someone-else' } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'users-app' },
        minReplicas: 1,
        maxReplicas: 2,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    });
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('names what to install when a CRD is missing', () => {
    expect(missingCrdError).toContain('does not serve ScaledObject (keda.sh/v1alpha1): install KEDA');
  });

  it('says the API server is unreachable, with the address and what to check', async () => {
    const file = join(dir, 'kubeconfig-unreachable');
    writeFileSync(file, readFileSync(cp.kubeconfig, 'utf8').replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1'));
    const t = new KubernetesTarget({
      client: ClusterClient.load({ kubeconfig: file }),
      namespace: NS,
      url: 'http://x',
      prometheusUrl: 'http://x',
      runId: 'r',
      slo: {},
      catalog: projectCatalog(),
    });
    await expect(t.preflight([{ apiVersion: 'apps/v1', kind: 'Deployment' }])).rejects.toThrow(
      /the API server at https:\/\/127\.0\.0\.1:1 is unreachable .*check target\.context/,
    );
  });

  it('names the verbs and resources RBAC refuses, and how to grant them', async () => {
    const t = new KubernetesTarget({
      client: ClusterClient.load({ kubeconfig: cp.kubeconfigFor(cp.nobodyToken, 'nobody') }),
      namespace: NS,
      url: 'http://x',
      prometheusUrl: 'http://x',
      runId: 'r',
      slo: {},
      catalog: projectCatalog(),
      createNamespace: false,
    });
    await expect(
      t.preflight([
        { apiVersion: 'apps/v1', kind: 'Deployment' },
        { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
      ]),
    ).rejects.toThrow(
      /may not get deployments\.apps, list deployments\.apps, patch deployments\.apps, delete deployments\.apps, get horizontalpodautoscalers\.autoscaling.* in namespace "bench": grant them with a Role and RoleBinding/,
    );
  });

  describe('one run: cells applied, switched, sampled and torn down by label', () => {
    let t: KubernetesTarget;
    beforeAll(() => {
      t = target('run-1');
    });

    it('applies the HPA cell server-side with the run and cell labels, and waits until its pods are ready', async () => {
      const c = cell('waiting');
      await t.deploy(deployOpts(c));
      await t.waitReady(60_000);
      expect(t.counts()).toEqual({ desired: 2, current: 2, ready: 2 });
      const objects = await t.listRun();
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ConfigMap/llama8b-h100-waiting-dashboard',
        'Deployment/llama8b-h100',
        'HorizontalPodAutoscaler/llama8b-h100-waiting',
        'PrometheusRule/llama8b-h100-waiting-slo',
        'Service/llama8b-h100',
        'ServiceMonitor/llama8b-h100',
      ]);
      for (const o of objects) {
        expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'scalebench', 'scalebench.dev/run': 'run-1', 'scalebench.dev/cell': c.id });
        const managers = ((o.metadata as { managedFields?: Array<{ manager: string; operation: string }> }).managedFields ?? [])
          .filter((m) => m.operation === 'Apply')
          .map((m) => m.manager);
        expect(managers).toEqual(['scalebench']);
      }
      expect(existsSync(join(dir, c.id, 'manifests', 'hpa.yaml'))).toBe(true);
      expect(t.selector()).toBe(`namespace="${NS}",pod=~"llama8b-h100-.*"`);
    }, 90_000);

    it("samples desired replicas from the HPA's status while it can compute one, else from the Deployment", async () => {
      const hpaPath = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/llama8b-h100-waiting`;
      type Hpa = { spec: { maxReplicas: number }; status?: { desiredReplicas?: number; conditions?: Array<{ type: string; status: string }> } };
      const scalingActive = (h: Hpa): string | undefined => h.status?.conditions?.find((c) => c.type === 'ScalingActive')?.status;
      // No adapter serves the metric here: the real controller says it cannot compute a wish (ScalingActive False),
      // and the target counts the Deployment's own replicas.
      const inactive = await until(
        "the HPA controller's first sync",
        async () => (await cp.api('GET', hpaPath)).body as Hpa,
        (h) => scalingActive(h) === 'False',
        30_000,
      );
      expect(inactive.spec.maxReplicas).toBe(4);
      await until(
        "the target's poll after it",
        () => t.counts(),
        (c) => c.current === 2 && c.ready === 2,
      );
      expect(t.counts().desired).toBe(2);
      // An HPA that wants 3 while the Deployment stays at 2: its scale target moved away, so the controller
      // (FailedGetScale) keeps the status written here and never touches the Deployment.
      const patch = 'application/merge-patch+json';
      expect(
        (await cp.api('PATCH', hpaPath, { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'not-deployed' } } }, patch)).status,
      ).toBe(200);
      const status = {
        desiredReplicas: 3,
        currentReplicas: 2,
        conditions: [
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'written by the test', lastTransitionTime: new Date().toISOString() },
        ],
      };
      expect((await cp.api('PATCH', `${hpaPath}/status`, { status }, patch)).status).toBe(200);
      const c = await until(
        "the HPA's desiredReplicas in the counts",
        () => t.counts(),
        (x) => x.desired === 3,
        15_000,
      );
      expect(t.lastPollError()).toBeUndefined();
      expect(c).toEqual({ desired: 3, current: 2, ready: 2 });
      expect((await client.readScale(NS, 'llama8b-h100'))?.spec).toBe(2);
    }, 60_000);

    it('switches to the KEDA cell: the HPA goes, the ScaledObject comes, the workload is reset to its start', async () => {
      t.scale(3);
      await until(
        'the workload scaled to 3',
        () => client.readScale(NS, 'llama8b-h100'),
        (sc) => sc?.spec === 3,
      );
      const c = cell('keda');
      await t.deploy(deployOpts(c));
      await t.waitReady(60_000);
      const kinds = (await t.listRun()).map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(kinds).toContain('ScaledObject/llama8b-h100-keda');
      expect(kinds).not.toContain('HorizontalPodAutoscaler/llama8b-h100-waiting');
      expect(kinds).not.toContain('PrometheusRule/llama8b-h100-waiting-slo');
      expect(kinds).toContain('PrometheusRule/llama8b-h100-keda-slo');
      expect(t.counts()).toEqual({ desired: 2, current: 2, ready: 2 });
      expect((await client.readScale(NS, 'llama8b-h100'))?.spec).toBe(2);
    }, 90_000);

    it('scales the fixed cell through the scale subresource and waits for the new pods', async () => {
      await t.deploy(deployOpts(cell('fixed')));
      t.scale(3);
      await until(
        'the target to count 3 desired',
        () => t.counts(),
        (c) => c.desired === 3,
        10_000,
      );
      await t.waitReady(60_000);
      expect(t.counts()).toEqual({ desired: 3, current: 3, ready: 3 });
    }, 90_000);

    it('tears down by label only: every object of the run goes, nothing else is touched', async () => {
      await t.close();
      expect(await t.listRun()).toEqual([]);
      const names = async (path: string) =>
        ((await cp.api('GET', path)).body as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name).sort();
      expect(await names(`/api/v1/namespaces/${NS}/configmaps`)).toEqual(expect.arrayContaining(['another-run', 'users-own']));
      expect(await names(`/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`)).toEqual(['users-hpa']);
      expect(await names(`/apis/apps/v1/namespaces/${NS}/deployments`)).toEqual([]);
    }, 60_000);
  });

  it('--keep leaves the last cell deployed', async () => {
    const t = target('run-keep', 'deployment', true);
    await t.deploy(deployOpts(cell('keda')));
    await t.waitReady(60_000);
    await t.close();
    expect((await t.listRun()).map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PrometheusRule', 'ScaledObject', 'Service', 'ServiceMonitor']);
    expect(await t.removeRun()).toBe(6);
  }, 90_000);

  it('an abort (Ctrl-C) while the pods are not ready ends the cell there: no load starts', async () => {
    // The pods ask for an L4; the only node has H100s: they stay Pending, so waitReady never succeeds.
    const m = parseMatrix(matrixYaml('deployment').replace('gpu: { type: H100, count: 1 }', 'gpu: { type: L4, count: 1 }'), 'k8s-abort.yaml', projectCatalog());
    const c = expandCells(m).find((x) => x.autoscaler.name === 'fixed')!;
    const t = target('run-abort');
    const cellDir = join(dir, 'abort', c.id);
    mkdirSync(cellDir, { recursive: true });
    // A k6 that only leaves a mark: the runner must never start it.
    const k6 = join(dir, 'abort', 'k6');
    writeFileSync(k6, `#!/bin/sh\ntouch ${join(dir, 'abort', 'k6-started')}\n`, { mode: 0o755 });
    const stop = new AbortController();
    const notes: string[] = [];
    const progress = createProgress({ json: true });
    const running = runCell({
      cell: c,
      total: 1,
      matrix: m,
      target: t,
      k6,
      dir: cellDir,
      progress: { ...progress, note: (x) => notes.push(x) },
      signal: stop.signal,
    });
    const outcome = running.then(
      () => 'returned',
      (err: Error) => err,
    );
    // Readiness is being waited for: the pods exist and are not ready.
    await until(
      "the cell's pods, Pending",
      () => t.counts(),
      (x) => x.desired === 2 && x.current === 2 && x.ready === 0,
      30_000,
    );
    const abortedAt = Date.now();
    stop.abort(new Error('SIGINT'));
    const err = await outcome;
    const tookMs = Date.now() - abortedAt;
    expect(err).toBeInstanceOf(CellInterrupted);
    expect(tookMs).toBeLessThan(5000);
    expect(existsSync(join(dir, 'abort', 'k6-started'))).toBe(false);
    expect(existsSync(join(cellDir, 'result.json'))).toBe(false);
    expect(await t.removeRun()).toBeGreaterThan(0);
  }, 60_000);

  it('applies an InferenceService (accepted by the CRD schema) and, with no KServe controller, names why it is not ready', async () => {
    const m = parseMatrix(matrixYaml('kserve'), 'k8s-target.yaml', projectCatalog());
    const c = expandCells(m).find((x) => x.autoscaler.name === 'keda')!;
    const t = target('run-kserve', 'kserve');
    await t.deploy(deployOpts(c));
    const isvc = await client.read('serving.kserve.io/v1beta1', 'InferenceService', NS, 'llama8b-h100');
    expect(isvc?.metadata.labels).toMatchObject({ 'scalebench.dev/run': 'run-kserve' });
    expect(isvc?.metadata.annotations?.['serving.kserve.io/autoscalerClass']).toBe('keda');
    await expect(t.waitReady(2000)).rejects.toThrow(
      /0 of 0 replicas ready .*InferenceService llama8b-h100: no status yet \(is the KServe controller running\?\)/,
    );
    expect(await t.removeRun()).toBeGreaterThan(0);
    expect(await client.read('serving.kserve.io/v1beta1', 'InferenceService', NS, 'llama8b-h100')).toBeUndefined();
  }, 60_000);
});
