import { describe, expect, it } from 'vitest';
import { projectCatalog } from '../../src/catalog/catalog.js';
import { checkDeployment } from '../../src/sizing/checks.js';
import { estimatePerformance } from '../../src/sizing/estimate.js';
import { recipeFill, type Recipe } from '../../src/catalog/recipes.js';
import { selectRecipe } from '../../src/sizing/select.js';
import { dep } from './predeploy-helpers.js';
import { D, L, loadYaml, problems, scratchDir } from './matrix-helpers.js';

const dir = scratchDir();
const recipes = projectCatalog().recipes;

describe('data/recipes/', () => {
  it('holds recipes for every model of the catalog', () => {
    expect(new Set(recipes.map((r) => r.model))).toEqual(new Set(Object.keys(projectCatalog().models)));
    expect(recipes.length).toBeGreaterThanOrEqual(15);
  });

  it.each(recipes.map((r) => [r.id, r] as const))('%s passes the pre-deploy checks on its hardware', (_, r) => {
    const fill = recipeFill(r);
    expect(checkDeployment(projectCatalog(), dep({ model: r.model, gpu: fill.gpu, vllm: fill.vllm }), fill.mig)).toEqual([]);
  });

  it.each(recipes.map((r) => [r.id, r] as const))('%s: its roofline estimate is what the roofline says now', (_, r) => {
    expect(r.expected_performance?.source).toBe('roofline-estimate');
    const expected = estimatePerformance(
      projectCatalog().models[r.model]!,
      projectCatalog().gpus[r.hardware]!,
      r.gpu_count,
      r.precision,
      r.vllm_args.max_num_seqs,
      r.expected_performance!.workload,
    );
    expect(r.expected_performance).toEqual(expected);
  });

  it('a recipe becomes deployment settings; fp8 becomes --quantization', () => {
    const r = recipes.find((x) => x.id === 'llama-3.1-8b-l4-fp8')!;
    expect(recipeFill(r)).toEqual({
      gpu: { type: 'L4', count: 1 },
      vllm: {
        maxNumSeqs: 16,
        maxModelLen: 4096,
        maxNumBatchedTokens: 4096,
        gpuMemoryUtilization: 0.9,
        enablePrefixCaching: true,
        extraArgs: ['--quantization=fp8'],
      },
    });
  });
});

describe('auto-selection: the fallback chain explains its choice', () => {
  const L8 = 'meta-llama/Llama-3.1-8B-Instruct';
  const L70 = 'meta-llama/Llama-3.1-70B-Instruct';
  it.each([
    ['exact', L8, 'L4', 1, undefined, 'llama-3.1-8b-l4-bf16'],
    ['exact, two GPUs', L8, 'L4', 2, undefined, 'llama-3.1-8b-l4x2-bf16'],
    ['exact, fp8 asked for', L8, 'H100', 1, 'fp8', 'llama-3.1-8b-h100-fp8'],
    ['other GPU count', L8, 'H100', 8, undefined, 'llama-3.1-8b-h100-bf16'],
    ['other precision', L70, 'H100', 2, undefined, 'llama-3.1-70b-h100x2-fp8'],
    ['minimal', 'Qwen/Qwen2.5-7B-Instruct', 'A100-80', 1, undefined, 'minimal-1xa100-80-bf16'],
    ['generic default', 'some/unknown-model', 'H100', 2, undefined, 'generic-default'],
  ] as const)('%s: %s on %s × %i', (step, model, type, count, precision, id) => {
    const s = selectRecipe(projectCatalog(), { model, gpu: { type, count }, ...(precision ? { precision } : {}) });
    expect(s.ok && [s.step, s.recipe.id]).toEqual([step.replace(/, .*/, ''), id]);
  });

  it('explains each step it went through', () => {
    const s = selectRecipe(projectCatalog(), { model: L70, gpu: { type: 'H100', count: 2 } });
    expect(s.explanation).toEqual([
      '3 recipes for meta-llama/Llama-3.1-70B-Instruct on H100 (at most 2 per replica)',
      'exact: no recipe',
      'other GPU count: no recipe',
      'other precision: picked llama-3.1-70b-h100x2-fp8 (2 × H100, fp8, 1065 output tokens/s per GPU (roofline-estimate))',
    ]);
  });

  it('the minimal configuration is sized from the catalog: as many sequences as fit', () => {
    const s = selectRecipe(projectCatalog(), { model: 'Qwen/Qwen2.5-7B-Instruct', gpu: { type: 'A100-80', count: 1 } });
    expect(s.ok && s.recipe.vllm_args).toEqual({ max_model_len: 4096, max_num_seqs: 233, gpu_memory_utilization: 0.9, enable_prefix_caching: true });
    expect(s.ok && checkDeployment(projectCatalog(), dep({ model: s.recipe.model, gpu: { type: 'A100-80' }, vllm: recipeFill(s.recipe).vllm }))).toEqual([]);
  });

  it('a recipe that fails the checks is passed over, with the reason', () => {
    const good = recipes.find((r) => r.id === 'llama-3.1-8b-l4-bf16')!;
    const broken: Recipe = {
      ...good,
      id: 'too-many-seqs',
      vllm_args: { ...good.vllm_args, max_num_seqs: 256 },
      expected_performance: { ...good.expected_performance!, output_tokens_per_s: 99_999 },
    };
    const s = selectRecipe(projectCatalog(), { model: L8, gpu: { type: 'L4', count: 1 } }, [broken, good]);
    expect(s.ok && s.recipe.id).toBe(good.id);
    expect(s.explanation[1]).toMatch(/^exact: too-many-seqs rejected: vllm.max_num_seqs: KV cache for max_num_seqs × max_model_len = 256 × 2048 /);
  });

  it('a model that fits nowhere on the GPUs given: no recipe, and why', () => {
    const s = selectRecipe(projectCatalog(), { model: L70, gpu: { type: 'H100', count: 1 } });
    expect(s.ok).toBe(false);
    expect(s.explanation.at(-1)).toBe('minimal: meta-llama/Llama-3.1-70B-Instruct does not fit on 1 × H100 in bf16 or fp8: add GPUs or pick a larger GPU');
  });
});

describe('the matrix recipe hook', () => {
  const with_ = (deployment: string): string => `name: r\ntarget: { kind: kubernetes, namespace: b }\ndeployments: [${deployment}]\n${L}\n`;

  it('fills in what the deployment leaves out; its own fields win', () => {
    const m = loadYaml(
      dir,
      with_('{ name: d, model: meta-llama/Llama-3.1-8B-Instruct, recipe: llama-3.1-8b-l4-fp8, gpu: { type: L4 }, vllm: { max_num_seqs: 8 } }'),
    );
    expect(m.deployments[0]).toMatchObject({
      recipe: 'llama-3.1-8b-l4-fp8',
      gpu: { type: 'L4', count: 1 },
      vllm: { maxNumSeqs: 8, maxModelLen: 4096, maxNumBatchedTokens: 4096, extraArgs: ['--quantization=fp8'] },
    });
  });

  it('recipe: auto picks one, with its GPU count', () => {
    const m = loadYaml(dir, with_('{ name: d, model: meta-llama/Llama-3.1-70B-Instruct, recipe: auto, gpu: { type: H100, count: 4 } }'));
    expect(m.deployments[0]).toMatchObject({
      recipe: 'llama-3.1-70b-h100x4-bf16',
      gpu: { type: 'H100', count: 4 },
      vllm: { maxNumSeqs: 48, gpuMemoryUtilization: 0.92 },
    });
  });

  it.each([
    [
      'an unknown id',
      '{ name: d, model: m/x, recipe: nope, gpu: { type: H100 } }',
      'm.yaml:3:46: deployments[0].recipe: expected a recipe id from data/recipes/ or "auto", got "nope"',
    ],
    [
      'a recipe for other hardware',
      '{ name: d, model: meta-llama/Llama-3.1-8B-Instruct, recipe: llama-3.1-8b-l4-bf16, gpu: { type: H100 } }',
      'm.yaml:3:75: deployments[0].recipe: expected a recipe for gpu.type "H100", got "llama-3.1-8b-l4-bf16" (it is for L4)',
    ],
  ])('refuses %s', (_, deployment, message) => {
    expect(problems(dir, with_(deployment))).toBe(message);
  });

  it('refuses recipe: auto where nothing fits, with the chain', () => {
    expect(
      problems(dir, `name: r\n${D.replace('gpu: { type: L4 }', 'recipe: auto, gpu: { type: L4 }').replace('Llama-3.2-1B', 'Llama-3.1-70B')}\n${L}\n`),
    ).toMatch(
      /deployments\[0\]\.recipe: expected a configuration that fits, got none: .*minimal: meta-llama\/Llama-3.1-70B-Instruct does not fit on 1 × L4 in bf16 or fp8/,
    );
  });
});
