import { describe, expect, it } from 'vitest';
import { CrdSchemas } from '../../src/manifests/crd-schemas.js';
import { generateForMatrix } from '../../src/manifests/from-matrix.js';
import { validateObject } from '../../src/manifests/validate.js';
import { fileYaml, headerLine } from '../../src/manifests/yaml.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/**
 * GPU sharing in the manifests, one deployment per mode: a MIG slice asks for
 * nvidia.com/mig-<profile>; a time-sliced GPU keeps nvidia.com/gpu, selects
 * the nodes GPU Feature Discovery labels as sliced that many ways, and gives
 * vLLM its share of the memory; an AMD partition asks for amd.com/<compute>_<memory>.
 * Accept a change with `npx vitest run -u test/unit/manifests-sharing.test.ts`.
 */

const source = 'test/unit/manifests-sharing.test.ts';
const matrix = parseMatrix(
  `name: sharing
target: { kind: kubernetes, namespace: bench }
slo: { ttft_ms_p95: 400ms, tpot_ms_p95: 40ms }
deployments:
  - { name: mig, model: meta-llama/Llama-3.1-8B-Instruct, gpu: { type: H100, sharing: { mode: mig, profile: 3g.40gb } }, vllm: { max_num_seqs: 32, max_model_len: 4096 } }
  - { name: ts, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4, sharing: { mode: time-slice, replicas: 4 } }, vllm: { max_num_seqs: 12, max_model_len: 2048 } }
  - { name: cpx, model: meta-llama/Llama-3.1-8B-Instruct, gpu: { type: MI300X, sharing: { mode: partition, compute: CPX, memory: NPS4 } }, vllm: { max_num_seqs: 6, max_model_len: 4096 } }
autoscalers:
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="bench"})', threshold: 8 }
load: { shape: constant, users: [8], duration: 1m }
`,
  source,
  projectCatalog(),
);

const set = generateForMatrix(projectCatalog(), matrix, { serving: 'deployment', source });
const text = new Map(set.files.map((f) => [f.path, fileYaml(f, headerLine(source))]));
type Pod = { nodeSelector: Record<string, string>; containers: Array<{ args: string[]; resources: { limits: Record<string, number> } }> };
const pod = (name: string): Pod => {
  const o = set.files.find((f) => f.path === `${name}/keda/deployment.yaml`)!.objects[0] as unknown as { spec: { template: { spec: Pod } } };
  return o.spec.template.spec;
};

describe('gpu.sharing in the generated Deployment', () => {
  it.each(['mig', 'ts', 'cpx'])('%s matches its snapshot', async (name) => {
    await expect(text.get(`${name}/keda/deployment.yaml`)).toMatchFileSnapshot(`__snapshots__/manifests/sharing/${name}--deployment.yaml`);
  });

  it('requests the slice and places the pod', () => {
    expect(pod('mig').containers[0]!.resources.limits).toEqual({ 'nvidia.com/mig-3g.40gb': 1 });
    expect(pod('ts').containers[0]!.resources.limits).toEqual({ 'nvidia.com/gpu': 1 });
    expect(pod('ts').nodeSelector).toEqual({
      'nvidia.com/gpu.product': 'NVIDIA-L4',
      'nvidia.com/gpu.sharing-strategy': 'time-slicing',
      'nvidia.com/gpu.replicas': '4',
    });
    expect(pod('cpx').containers[0]!.resources.limits).toEqual({ 'amd.com/cpx_nps4': 1 });
  });

  it("gives a time-sliced vLLM its share of the GPU's memory", () => {
    expect(pod('ts').containers[0]!.args).toContain('--gpu-memory-utilization=0.225');
    expect(pod('mig').containers[0]!.args).toContain('--gpu-memory-utilization=0.9');
  });

  it('validates: every object of every mode (built-in kinds with kubernetes-models)', async () => {
    const verdicts = await Promise.all(
      set.files.flatMap((f) => f.objects.map(async (o) => [`${f.path} ${o.kind}`, await validateObject(o, CrdSchemas.none())] as const)),
    );
    expect(verdicts.filter(([, v]) => v.status === 'invalid').map(([where, v]) => `${where}: ${JSON.stringify(v.issues)}`)).toEqual([]);
    expect(verdicts.filter(([w]) => w.endsWith(' Deployment')).map(([, v]) => v.status)).toEqual(['valid', 'valid', 'valid']);
  });
});
