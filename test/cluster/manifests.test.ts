import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateForMatrix } from '../../src/manifests/from-matrix.js';
import { admissionPolicies } from '../../src/manifests/admission-policies.js';
import type { K8sObject, ServingForm } from '../../src/manifests/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { clusterCache, ControlPlane, missingBinaries } from './rig/control-plane.js';
import { pluralOf } from '../../src/targets/kubernetes/kubernetes-target.js';
import { projectRoot } from '../../src/util/tools.js';
import { scratch } from '../integration/helpers.js';
import { installCrds } from './rig/crds.js';
import { until } from './rig/wait.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const missing = missingBinaries();
if (missing.length)
  process.stdout.write(`cluster tier (manifests) skipped: ${missing.join(', ')} not in ${clusterCache()} (build them with scripts/setup-cluster)\n`);

/** The real upstream CRDs, read by path: test data, never copied into the project. */
const crdDir = resolve(projectRoot, '..', 'shared', 'crds');

const groupPath = (apiVersion: string): string => (apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
function pathOf(o: K8sObject): string {
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
  return `${groupPath(o.apiVersion)}${ns}/${pluralOf(o.kind)}`;
}

describe.skipIf(missing.length > 0)('generated manifests on a real API server', () => {
  let cp: ControlPlane;
  const create = (o: K8sObject, dryRun = true) => cp.api('POST', `${pathOf(o)}?fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`, o);

  beforeAll(async () => {
    cp = await ControlPlane.start({ logDir: join(scratch(), 'logs') });
    expect((await installCrds(cp, crdDir)).length).toBeGreaterThan(0);
    for (const ns of ['scalebench', 'monitoring']) await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('accepts the admission policies and bindings, with no type-checking warnings', async () => {
    for (const o of admissionPolicies()) {
      const res = await create(o, false);
      expect([o.metadata.name, o.kind, res.status, res.status === 201 ? '' : JSON.stringify(res.body)]).toEqual([o.metadata.name, o.kind, 201, '']);
    }
    const warnings = [];
    for (const o of admissionPolicies().filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
      // The API server type-checks a policy in the background: its status says so once it has (status.typeChecking).
      type Checked = { status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: unknown[] } } };
      const res = await until(
        `${o.metadata.name} type-checked`,
        () => cp.api('GET', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${o.metadata.name}`),
        (r) => (r.body as Checked).status?.typeChecking !== undefined,
        30_000,
      );
      warnings.push([o.metadata.name, (res.body as Checked).status?.typeChecking?.expressionWarnings ?? []]);
    }
    expect(warnings).toEqual(
      admissionPolicies()
        .filter((o) => o.kind === 'ValidatingAdmissionPolicy')
        .map((o) => [o.metadata.name, []]),
    );
  }, 60_000);

  it.each(['deployment', 'kserve', 'kserve-hf'] as ServingForm[])(
    'every matrix generates objects the API server accepts (%s)',
    async (serving) => {
      const files = [
        'matrices/nightly.yaml',
        'matrices/smoke.yaml',
        ...readdirSync(join(projectRoot, 'matrices', 'examples'))
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => `matrices/examples/${f}`),
      ];
      for (const file of files) {
        const set = generateForMatrix(projectCatalog(), loadMatrix(join(projectRoot, file), projectCatalog()), { serving, namespace: 'scalebench' });
        for (const f of set.files) {
          for (const o of f.objects) {
            if (o.kind.startsWith('ValidatingAdmissionPolicy')) continue;
            const res = await create(o);
            expect([file, f.path, res.status, res.status === 201 ? '' : JSON.stringify(res.body)]).toEqual([file, f.path, 201, '']);
          }
        }
      }
    },
    120_000,
  );

  describe('the admission policies deny what the pre-deploy checks refuse', () => {
    const nightly = (serving: ServingForm): K8sObject[] =>
      generateForMatrix(projectCatalog(), loadMatrix(join(projectRoot, 'matrices', 'nightly.yaml'), projectCatalog()), {
        serving,
        namespace: 'scalebench',
      }).files.flatMap((f) => f.objects);
    const find = (objects: K8sObject[], kind: string, name?: string): K8sObject =>
      structuredClone(objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name.endsWith(name)))!);
    const args = (o: K8sObject): string[] => {
      const spec = o.spec as Record<string, any>;
      if (o.kind === 'Deployment') return spec.template.spec.containers[0].args;
      return spec.predictor.containers?.[0].args ?? spec.predictor.model.args;
    };
    const setFlag = (o: K8sObject, flag: string, value: string): K8sObject => {
      const a = args(o);
      const i = a.findIndex((x) => x.startsWith(`${flag}=`));
      if (i >= 0) a[i] = `${flag}=${value}`;
      else a.push(`${flag}=${value}`);
      return o;
    };
    const denial = async (o: K8sObject): Promise<string> => {
      const res = await create(o);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      return (res.body as { message: string }).message;
    };

    beforeAll(async () => {
      // Bindings take effect once the admission plugin has seen them: wait for a known denial.
      const bad = setFlag(find(nightly('deployment'), 'Deployment'), '--max-num-seqs', '4096');
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await create(bad)).status !== 422) await new Promise((r) => setTimeout(r, 500));
    }, 40_000);

    it('a Deployment whose KV cache does not fit (max-num-seqs raised to 4096)', async () => {
      const msg = await denial(setFlag(find(nightly('deployment'), 'Deployment'), '--max-num-seqs', '4096'));
      expect(msg).toContain(
        'weights + KV cache for max-num-seqs × max-model-len = 4096 × 4096 + runtime overhead need 2217.1 GB per GPU, more than the 72.0 GB of H100 at gpu-memory-utilization 0.9',
      );
    });

    it('tensor parallel 3 on 4 GPUs', async () => {
      const o = setFlag(find(nightly('deployment'), 'Deployment'), '--tensor-parallel-size', '3');
      (o.spec as any).template.spec.containers[0].resources.limits['nvidia.com/gpu'] = 4;
      expect(await denial(o)).toContain('tensor parallel 3 does not divide the 4 GPUs (nvidia.com/gpu) of the vLLM container');
    });

    it('tensor parallel that does not divide the attention heads', async () => {
      const o = setFlag(find(nightly('deployment'), 'Deployment'), '--tensor-parallel-size', '3');
      (o.spec as any).template.spec.containers[0].resources.limits['nvidia.com/gpu'] = 3;
      expect(await denial(o)).toContain('tensor parallel 3 does not divide the 32 attention heads of meta-llama/Llama-3.1-8B-Instruct');
    });

    it('max-num-batched-tokens below max-num-seqs', async () => {
      expect(await denial(setFlag(find(nightly('deployment'), 'Deployment'), '--max-num-batched-tokens', '16'))).toContain(
        '--max-num-batched-tokens 16 must be at least --max-num-seqs 32',
      );
    });

    it.each(['kserve', 'kserve-hf'] as ServingForm[])('an InferenceService (%s) that does not fit', async (serving) => {
      const msg = await denial(setFlag(find(nightly(serving), 'InferenceService'), '--max-model-len', '131072'));
      expect(msg).toContain('32 × 131072');
    });

    it('an InferenceService whose minReplicas exceed maxReplicas', async () => {
      const o = find(nightly('kserve'), 'InferenceService');
      (o.spec as any).predictor.minReplicas = 9;
      expect(await denial(o)).toContain('InferenceService predictor: minimum replicas 9 is more than the maximum 6');
    });

    it.each([
      ['a zero threshold', (t: any) => (t.metadata.threshold = '0'), 'trigger thresholds must be positive, got 0'],
      ['a query returning one series per pod', (t: any) => (t.metadata.query = 'vllm:num_requests_waiting'), "a Prometheus trigger's query must be aggregated"],
      ['a negative activation threshold', (t: any) => (t.metadata.activationThreshold = '-1'), 'activationThreshold must be 0 or more'],
    ])('a ScaledObject with %s', async (_, mutate, message) => {
      const o = find(nightly('deployment'), 'ScaledObject');
      mutate((o.spec as any).triggers[0]);
      expect(await denial(o)).toContain(message);
    });

    it('a ScaledObject whose idle replicas are not below its minimum', async () => {
      const o = find(nightly('deployment'), 'ScaledObject');
      (o.spec as any).idleReplicaCount = 1;
      expect(await denial(o)).toContain('idleReplicaCount must be less than minReplicaCount');
    });

    it('leaves objects scalebench did not label alone', async () => {
      const o = setFlag(find(nightly('deployment'), 'Deployment'), '--max-num-seqs', '4096');
      delete o.metadata.labels!['app.kubernetes.io/managed-by'];
      expect((await create(o)).status).toBe(201);
    });
  });
});
