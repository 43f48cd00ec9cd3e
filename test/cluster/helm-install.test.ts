import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHelm, HELM_FIX, runHelm } from '../../src/helm/helm-binary.js';
import { writeHelmChart } from '../../src/helm/write.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { clusterCache, ControlPlane, missingBinaries } from './rig/control-plane.js';
import { scratch } from '../integration/helpers.js';
import { installCrds } from './rig/crds.js';
import { crdDir, haveCrds, prerequisite } from '../prerequisites.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/**
 * `generate --helm` installed with `helm install` into the cluster tier's
 * control plane: the recipe is chosen from the nodes' GPU labels through
 * lookup (a kwok node labelled as an A100 while values say H100), and the
 * chart's admission policies deny an upgrade the pre-deploy checks refuse
 * (Helm relabels what it installs managed-by=Helm: the policies know scalebench's
 * objects by their deployment label then).
 */

const missing = missingBinaries();
if (missing.length)
  process.stdout.write(`cluster tier (helm) skipped: ${missing.join(', ')} not in ${clusterCache()} (build them with scripts/setup-cluster)\n`);
const helm = missing.length ? undefined : findHelm();
const ready = missing.length === 0 && prerequisite('helm', helm !== undefined, HELM_FIX) && haveCrds();

const matrix = `name: helm
target: { kind: kubernetes, namespace: bench, prometheus_url: "http://prometheus.monitoring.svc:9090" }
slo: { ttft_ms_p95: 500ms, tpot_ms_p95: 50ms }
deployments:
  - { name: llama8b, model: meta-llama/Llama-3.1-8B-Instruct, recipe: auto, gpu: { type: H100, count: 1 }, replicas: { start: 1, min: 1, max: 4 } }
autoscalers:
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="bench"})', threshold: 8, min_replicas: 1 }
load: { shape: constant, users: [1], duration: 1m }
`;

describe.skipIf(!ready)('helm install of a generated chart', () => {
  let cp: ControlPlane;
  let chart: string;
  const h = (args: string[]) => runHelm(helm!, [...args, '--kubeconfig', cp.kubeconfig]);

  beforeAll(async () => {
    const dir = scratch('scalebench-helm-cluster-');
    cp = await ControlPlane.start({ logDir: join(dir, 'logs') });
    expect((await installCrds(cp, crdDir)).length).toBeGreaterThan(0);
    await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    await cp.fakeNode('gpu-a100', { labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } });
    chart = join(dir, 'chart');
    writeHelmChart(projectCatalog(), chart, parseMatrix(matrix, 'helm.yaml', projectCatalog()), {}, 'helm.yaml');
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('installs, choosing the recipe for the GPU the nodes carry (lookup)', async () => {
    const r = h(['install', 'llm', chart, '-n', 'bench', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    const d = (await cp.api('GET', '/apis/apps/v1/namespaces/bench/deployments/llama8b')).body as {
      metadata: { annotations: Record<string, string> };
      spec: { template: { spec: { nodeSelector: Record<string, string> } } };
    };
    expect(d.metadata.annotations['scalebench.dev/recipe']).toBe('llama-3.1-8b-a100-bf16');
    expect(d.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    for (const path of [
      '/api/v1/namespaces/bench/services/llama8b',
      '/apis/keda.sh/v1alpha1/namespaces/bench/scaledobjects/llama8b-keda',
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
    ]) {
      expect([path, (await cp.api('GET', path)).status]).toEqual([path, 200]);
    }
  }, 60_000);

  it("the chart's admission policies deny an upgrade the pre-deploy checks refuse", async () => {
    // Bindings take effect once the admission plugin has seen them: wait until a dry-run create of the refused object is denied
    // (an upgrade that got through first would leave nothing to change, and so nothing to deny, on the next).
    const d = (await cp.api('GET', '/apis/apps/v1/namespaces/bench/deployments/llama8b')).body as any;
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace: 'bench', labels: d.metadata.labels, annotations: d.metadata.annotations },
      spec: d.spec,
    };
    const c = bad.spec.template.spec.containers[0];
    c.args = c.args.map((a: string) => (a.startsWith('--tensor-parallel-size=') ? '--tensor-parallel-size=3' : a));
    c.resources.limits['nvidia.com/gpu'] = 3;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await cp.api('POST', '/apis/apps/v1/namespaces/bench/deployments?dryRun=All', bad)).status !== 422)
      await new Promise((res) => setTimeout(res, 500));
    const r = h(['upgrade', 'llm', chart, '-n', 'bench', '--set', 'overrides.gpu_count=3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('tensor parallel 3 does not divide the 32 attention heads of meta-llama/Llama-3.1-8B-Instruct');
    const ok = h(['upgrade', 'llm', chart, '-n', 'bench', '--set', 'overrides.gpu_count=2']);
    expect(ok.code, ok.stderr).toBe(0);
  }, 90_000);
});
