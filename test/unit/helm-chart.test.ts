import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmChart } from '../../src/helm/chart.js';
import { guarded, literal } from '../../src/helm/chart-templates.js';
import { nodeGpuLabels } from '../../src/helm/chart-values.js';
import { optionsForMatrix } from '../../src/manifests/from-matrix.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/** The chart as data (pure); helm lint/template and the equality with generate are test/integration/helm-chart.test.ts. */

const m = parseMatrix(
  `name: h
target: { kind: kubernetes, namespace: bench }
deployments:
  - { name: llama8b, model: meta-llama/Llama-3.1-8B-Instruct, recipe: auto, gpu: { type: H100 } }
autoscalers:
  - { name: fixed, kind: fixed }
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting)', threshold: 8 }
load: { shape: constant, users: [1], duration: 1m }
`,
  'h.yaml',
  projectCatalog(),
);
const files = helmChart({
  deployment: m.deployments[0]!,
  autoscalers: m.autoscalers,
  options: optionsForMatrix(m),
  catalog: projectCatalog(),
  source: 'h.yaml',
});
const byPath = new Map(files.map((f) => [f.path, f.text]));
const values = parse(byPath.get('values.yaml')!) as Record<string, unknown> & {
  recipes: Record<string, { model: string; fits: boolean; args_head: Record<string, string[]> }>;
  recipe_order: string[];
};

describe('the chart of generate --helm', () => {
  it('has the files a chart needs, a template per serving form × autoscaler, monitoring apart', () => {
    expect([...byPath.keys()]).toEqual([
      'Chart.yaml',
      'values.yaml',
      'templates/_helpers.tpl',
      'templates/workload.yaml',
      'templates/admission-policies.yaml',
      'templates/deployment--fixed.yaml',
      'templates/deployment--fixed--monitoring.yaml',
      'templates/deployment--keda.yaml',
      'templates/deployment--keda--monitoring.yaml',
      'templates/kserve--fixed--monitoring.yaml',
      'templates/kserve--keda--monitoring.yaml',
      'templates/kserve-hf--fixed--monitoring.yaml',
      'templates/kserve-hf--keda--monitoring.yaml',
    ]);
    expect(parse(byPath.get('Chart.yaml')!)).toMatchObject({ apiVersion: 'v2', name: 'scalebench-llama8b', type: 'application' });
  });

  it('values in the shape of recipe-aware charts, the recipes as a table ranked as select.ts ranks them', () => {
    expect(Object.keys(values)).toEqual([
      'auto_select',
      'model_id',
      'recipe',
      'gpu',
      'precision',
      'overrides',
      'serving',
      'autoscaling',
      'monitoring',
      'admission_controller',
      'autoscalers',
      'node_gpu_labels',
      'recipe_order',
      'recipes',
      'workloads',
    ]);
    expect(values).toMatchObject({
      auto_select: true,
      model_id: 'meta-llama/Llama-3.1-8B-Instruct',
      gpu: { type: 'H100', count: 1 },
      overrides: { gpu_count: null, precision: null, backend: 'vllm', vllm_args: [], env_vars: {} },
      autoscaling: { name: 'fixed', kind: 'fixed' },
      autoscalers: { fixed: 'fixed', keda: 'keda' },
    });
    expect(values.recipe_order.length).toBe(projectCatalog().recipes.length);
    const h100 = values.recipe_order.filter((id) => id.startsWith('llama-3.1-8b-h100'));
    expect(h100).toEqual(['llama-3.1-8b-h100-fp8', 'llama-3.1-8b-h100-bf16']);
    expect(values.recipes['llama-3.1-8b-h100-bf16']!.args_head.deployment).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct',
      '--served-model-name=meta-llama/Llama-3.1-8B-Instruct',
      '--port=8000',
      '--max-model-len=8192',
      '--max-num-seqs=48',
      '--max-num-batched-tokens=8192',
      '--gpu-memory-utilization=0.9',
    ]);
  });

  it('tells the GPU from the node labels data/accelerators.json names', () => {
    expect(nodeGpuLabels(projectCatalog())).toEqual({
      'nvidia.com/gpu.product': { 'NVIDIA-H100-80GB-HBM3': 'H100', 'NVIDIA-A100-SXM4-80GB': 'A100-80', 'NVIDIA-L4': 'L4', 'NVIDIA-A10G': 'A10G' },
      'amd.com/gpu.device-id': { '74a1': 'MI300X' },
    });
  });

  it("keeps Go template delimiters in generated text as text (Grafana's {{pod}}, alert templates)", () => {
    expect(literal('legendFormat: "{{pod}}"')).toBe('legendFormat: "{{ "{{" }}pod}}"');
    expect(guarded('.Values.monitoring.enabled', 'a: 1\n')).toBe('{{- if .Values.monitoring.enabled }}\na: 1\n{{- end }}\n');
    const text = byPath.get('templates/deployment--keda--monitoring.yaml')!;
    expect(text).toContain('{{ "{{" }}');
    expect(text.replaceAll('{{ "{{" }}', '').match(/\{\{[^}]*\}\}/g)).toEqual([
      expect.stringMatching(/^\{\{- if and \.Values\.monitoring\.enabled/),
      '{{- end }}',
    ]);
  });
});
