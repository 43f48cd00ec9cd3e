import { describe, expect, it } from 'vitest';
import { generateForMatrix } from '../../src/manifests/from-matrix.js';
import type { ServingForm } from '../../src/manifests/types.js';
import { fileYaml, headerLine } from '../../src/manifests/yaml.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/**
 * Snapshots of a representative set of generated files, beyond
 * manifests/examples/ (one model on one H100): an AMD GPU with tensor
 * parallel from a recipe, a MIG slice, a Hugging Face token from another
 * Secret, run/cell labels, KServe with KEDA's autoscalerClass and with the
 * huggingface runtime. A change to a generator shows here as a diff to review;
 * accept it with `npx vitest run -u test/unit/manifests-snapshots.test.ts`.
 */

const source = 'test/unit/manifests-snapshots.test.ts';
const matrix = parseMatrix(
  `name: snapshots
target: { kind: kubernetes, namespace: bench, prometheus_url: "http://prometheus.monitoring.svc:9090" }
slo: { ttft_ms_p95: 800ms, tpot_ms_p95: 60ms }
deployments:
  - { name: llama70b-mi300x, model: meta-llama/Llama-3.1-70B-Instruct, recipe: llama-3.1-70b-mi300x2-bf16, gpu: { type: MI300X }, replicas: { min: 1, max: 3 } }
  - { name: llama1b-mig, model: meta-llama/Llama-3.2-1B-Instruct, recipe: llama-3.2-1b-a100-mig-1g.10gb-bf16, gpu: { type: A100-80 }, replicas: { min: 1, max: 7 } }
autoscalers:
  - name: waiting
    kind: hpa-custom
    metric: vllm:num_requests_waiting
    target: 4
    behavior: { scale_down: { stabilization_window: 3m, policies: [{ type: Percent, value: 50, period: 1m }] } }
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="bench"})', threshold: 8, activation_threshold: 1, min_replicas: 0, polling_interval: 10s }
load: { shape: constant, users: [8], duration: 1m }
`,
  source,
  projectCatalog(),
);

const files = (serving: ServingForm): Map<string, string> => {
  const set = generateForMatrix(projectCatalog(), matrix, {
    serving,
    source,
    hfTokenSecret: { name: 'hf-read', key: 'HF_TOKEN' },
    labels: { 'scalebench.dev/run': 'snap-1' },
  });
  return new Map(set.files.map((f) => [f.path, fileYaml(f, headerLine(source))]));
};

describe.each([
  [
    'deployment',
    [
      'llama70b-mi300x/waiting/deployment.yaml',
      'llama70b-mi300x/waiting/hpa.yaml',
      'llama70b-mi300x/waiting/adapter-rules.yaml',
      'llama1b-mig/keda/deployment.yaml',
      'llama1b-mig/keda/scaledobject.yaml',
      'llama1b-mig/keda/servicemonitor.yaml',
      'llama1b-mig/keda/prometheusrule.yaml',
      'admission-policies.yaml',
    ],
  ],
  [
    'kserve',
    [
      'llama70b-mi300x/keda/inferenceservice.yaml',
      'llama70b-mi300x/keda/podmonitor.yaml',
      'llama1b-mig/waiting/inferenceservice.yaml',
      'llama1b-mig/waiting/hpa.yaml',
    ],
  ],
  ['kserve-hf', ['llama70b-mi300x/waiting/inferenceservice.yaml', 'llama1b-mig/keda/inferenceservice.yaml']],
] as const)('generated files served as %s', (serving, paths) => {
  const generated = files(serving);

  it.each(paths)('%s', async (path) => {
    const text = generated.get(path);
    expect(text, `${path} was not generated; generated: ${[...generated.keys()].join(', ')}`).toBeDefined();
    await expect(text).toMatchFileSnapshot(`__snapshots__/manifests/${serving}/${path.replaceAll('/', '--')}`);
  });
});
