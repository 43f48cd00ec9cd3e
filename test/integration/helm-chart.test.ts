import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { findHelm, HELM_FIX, runHelm } from '../../src/helm/helm-binary.js';
import { writeHelmChart } from '../../src/helm/write.js';
import { CrdSchemas } from '../../src/manifests/crd-schemas.js';
import { generateForMatrix } from '../../src/manifests/from-matrix.js';
import { servingForms, type ServingForm } from '../../src/manifests/types.js';
import { validatePaths } from '../../src/manifests/validate-files.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { crdDir, haveCrds, prerequisite } from '../prerequisites.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/**
 * `generate --helm`: helm lint, and `helm template` over every serving form ×
 * autoscaler × recipe choice equal (object for object) to what `generate`
 * writes for the same inputs; the output valid against the CRDs; a clear
 * failure when no recipe fits.
 */

const helm = findHelm();
const present = prerequisite('helm', helm !== undefined, HELM_FIX);
const crds = present && haveCrds() ? CrdSchemas.fromPath(crdDir) : CrdSchemas.none();

const source = 'test/integration/helm-chart.test.ts';
const matrixText = (deployment: string): string => `name: helm
target: { kind: kubernetes, namespace: bench, prometheus_url: "http://prometheus.monitoring.svc:9090" }
slo: { ttft_ms_p95: 500ms, tpot_ms_p95: 50ms }
deployments:
  - { name: llama8b, model: meta-llama/Llama-3.1-8B-Instruct, replicas: { start: 1, min: 1, max: 4 }, cpu_request: "4", ${deployment} }
autoscalers:
  - { name: fixed, kind: fixed }
  - { name: cpu, kind: hpa-cpu, target_utilization: 70 }
  - { name: waiting, kind: hpa-custom, metric: vllm:num_requests_waiting, target: 5 }
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="bench"})', threshold: 8, min_replicas: 1 }
load: { shape: constant, users: [1], duration: 1m }
`;

/** Recipe choices: the chart's values, and the same deployment as a matrix writes it for generate. */
const choices: Array<[string, string[], string]> = [
  ['auto on 1 × H100 (the defaults)', [], 'recipe: auto, gpu: { type: H100, count: 1 }'],
  ['auto on L4, at most 2 per replica', ['--set', 'gpu.type=L4', '--set', 'gpu.count=2'], 'recipe: auto, gpu: { type: L4, count: 2 }'],
  ['auto on A100-80', ['--set', 'gpu.type=A100-80'], 'recipe: auto, gpu: { type: A100-80, count: 1 }'],
  ['a named recipe', ['--set', 'auto_select=false', '--set', 'recipe=llama-3.1-8b-h100-fp8'], 'recipe: llama-3.1-8b-h100-fp8, gpu: { type: H100 }'],
  [
    'overrides: gpu_count, precision, vllm_args',
    [
      '--set',
      'auto_select=false',
      '--set',
      'recipe=llama-3.1-8b-h100-bf16',
      '--set',
      'overrides.gpu_count=2',
      '--set',
      'overrides.precision=fp8',
      '--set',
      'overrides.vllm_args={--enforce-eager}',
    ],
    'recipe: llama-3.1-8b-h100-bf16, gpu: { type: H100, count: 2 }, vllm: { extra_args: ["--quantization=fp8", "--enforce-eager"] }',
  ],
];

type Obj = { kind: string; metadata: { name: string } };
const objects = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
    .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

const generated = (deployment: string, serving: ServingForm, autoscaler: string): Obj[] => {
  const m = parseMatrix(matrixText(deployment), source, projectCatalog());
  const set = generateForMatrix(projectCatalog(), { ...m, autoscalers: m.autoscalers.filter((a) => a.name === autoscaler) }, { serving, source });
  return set.files.flatMap((f) => f.objects as unknown as Obj[]).sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
};

describe.skipIf(!present)('generate --helm', () => {
  let dir: string;
  let chart: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scalebench-helm-'));
    chart = join(dir, 'chart');
    writeHelmChart(projectCatalog(), chart, parseMatrix(matrixText('recipe: auto, gpu: { type: H100, count: 1 }'), source, projectCatalog()), {}, source);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const template = (args: string[]) => runHelm(helm!, ['template', 'rel', chart, ...args]);

  it('passes helm lint --strict', () => {
    const r = runHelm(helm!, ['lint', '--strict', chart]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  describe.each(servingForms)('served as %s', (serving) => {
    it.each(choices)('%s: helm template equals generate for every autoscaler', (_label, args, deployment) => {
      for (const autoscaler of ['fixed', 'cpu', 'waiting', 'keda']) {
        const r = template([...args, '--set', `serving=${serving}`, '--set', `autoscaling.name=${autoscaler}`, '--set', `autoscaling.kind=`]);
        expect(r.code, r.stderr).toBe(0);
        expect(objects(r.stdout), `${serving} × ${autoscaler}`).toEqual(generated(deployment, serving, autoscaler));
      }
    });
  });

  it('validates against Kubernetes and the CRDs', async () => {
    const out = join(dir, 'rendered');
    mkdirSync(out, { recursive: true });
    for (const serving of servingForms) {
      for (const autoscaler of ['fixed', 'cpu', 'waiting', 'keda']) {
        const r = template(['--set', `serving=${serving}`, '--set', `autoscaling.name=${autoscaler}`, '--set', 'autoscaling.kind=']);
        writeFileSync(join(out, `${serving}-${autoscaler}.yaml`), r.stdout);
      }
    }
    const report = await validatePaths([out], crds);
    expect(report.objects.filter((o) => o.status === 'invalid').map((o) => `${o.file}: ${o.kind}: ${JSON.stringify(o.issues)}`)).toEqual([]);
    expect(report.objects.length).toBeGreaterThan(60);
  });

  it('switches monitoring and the admission policies off', () => {
    const kinds = (args: string[]): string[] => [...new Set(objects(template(args).stdout).map((o) => o.kind))].sort();
    expect(kinds(['--set', 'monitoring.enabled=false', '--set', 'admission_controller.enabled=false'])).toEqual(['Deployment', 'Service']);
    expect(kinds([])).toContain('ValidatingAdmissionPolicy');
  });

  it('sets env_vars, and refuses another backend', () => {
    const r = template(['--set', 'overrides.env_vars.VLLM_LOGGING_LEVEL=DEBUG']);
    expect(r.stdout).toContain('name: VLLM_LOGGING_LEVEL');
    expect(template(['--set', 'overrides.backend=sglang']).stderr).toContain('overrides.backend "sglang": this chart serves vllm only');
  });

  it('fails clearly when no recipe fits', () => {
    const r = template(['--set', 'model_id=meta-llama/Llama-3.1-70B-Instruct', '--set', 'gpu.type=H100', '--set', 'gpu.count=1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "no recipe fits meta-llama/Llama-3.1-70B-Instruct on H100 with at most 1 GPUs per replica (bf16 preferred); the chart's recipes for it on H100: llama-3.1-70b-h100x2-fp8, llama-3.1-70b-h100x4-bf16, llama-3.1-70b-h100x8-bf16. Set gpu.type or gpu.count, or auto_select=false with recipe=<id>",
    );
    expect(template(['--set', 'model_id=meta-llama/Llama-3.1-70B-Instruct', '--set', 'gpu.type=L4']).stderr).toContain(
      "the chart's recipes for it on L4: none",
    );
    expect(template(['--set', 'auto_select=false', '--set', 'recipe=nope']).stderr).toContain('recipe "nope" is not in the chart\'s recipes table');
    expect(template(['--set', 'autoscaling.name=cpu', '--set', 'autoscaling.kind=keda']).stderr).toContain(
      'autoscaling.kind "keda": autoscaler "cpu" is hpa-cpu',
    );
  });
});
