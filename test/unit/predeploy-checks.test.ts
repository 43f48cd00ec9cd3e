import { describe, expect, it } from 'vitest';
import { checkAutoscaler, isAggregated } from '../../src/recommend/autoscaler-checks.js';
import { projectCatalog } from '../../src/catalog/catalog.js';
import { checkDeployment } from '../../src/sizing/checks.js';
import { flagValue, memoryPlan, parallelLayout } from '../../src/sizing/memory.js';
import { autoscalers, dep } from './predeploy-helpers.js';

const errors = (issues: ReturnType<typeof checkDeployment>): string[] => issues.filter((i) => i.severity === 'error').map((i) => `${i.field}: ${i.message}`);

describe('the memory arithmetic (reference/recommender.md)', () => {
  it('Llama-3.1-8B in bf16: about 16 GB of weights and 128 KiB of KV cache per token', () => {
    const plan = memoryPlan(projectCatalog().models['meta-llama/Llama-3.1-8B-Instruct']!, 80, {
      maxNumSeqs: 32,
      maxModelLen: 4096,
      gpuMemoryUtilization: 0.9,
      extraArgs: [],
      gpuCount: 1,
    });
    expect(plan).toMatchObject({ weightsGb: 16.06, kvBytesPerToken: 131_072, usableGb: 72, precision: 'bf16', layout: { tp: 1, pp: 1, dp: 1 } });
    expect(plan.kvGb).toBeCloseTo((32 * 4096 * 131_072) / 1e9, 9);
    expect(plan.neededGb).toBeCloseTo(16.06 + 17.179869184 + 2, 6);
  });

  it('tensor parallel splits the KV heads; with more ranks than KV heads each rank keeps one', () => {
    const m = projectCatalog().models['meta-llama/Llama-3.1-70B-Instruct']!;
    const at = (tp: number): number =>
      memoryPlan(m, 80, { maxNumSeqs: 1, maxModelLen: 16, gpuMemoryUtilization: 0.9, extraArgs: [`--tensor-parallel-size=${tp}`], gpuCount: tp })
        .kvBytesPerToken;
    expect([at(1), at(4), at(8), at(16)]).toEqual([327_680, 81_920, 40_960, 40_960]);
  });

  it('fp8 weights (--quantization fp8) and an fp8 KV cache take one byte', () => {
    const m = projectCatalog().models['meta-llama/Llama-3.1-8B-Instruct']!;
    const plan = memoryPlan(m, 24, {
      maxNumSeqs: 1,
      maxModelLen: 16,
      gpuMemoryUtilization: 0.9,
      extraArgs: ['--quantization', 'fp8', '--kv-cache-dtype=fp8_e4m3'],
      gpuCount: 1,
    });
    expect([plan.precision, plan.weightsGb, plan.kvBytesPerToken]).toEqual(['fp8', 8.03, 65_536]);
  });

  it.each([
    [['--tensor-parallel-size=2'], 4, { tp: 2, pp: 1, dp: 1 }],
    [['-tp', '2', '--pipeline-parallel-size', '2'], 4, { tp: 2, pp: 2, dp: 1 }],
    [['--pipeline_parallel_size=2'], 8, { tp: 4, pp: 2, dp: 1 }],
    [[], 8, { tp: 8, pp: 1, dp: 1 }],
  ])('parallel layout of %j on %i GPUs', (args, count, layout) => {
    expect(parallelLayout(count, args)).toEqual(layout);
  });

  it('reads flags in both spellings, the last one winning (argparse)', () => {
    expect(flagValue(['--max_num_seqs', '8', '--max-num-seqs=16'], '--max-num-seqs')).toBe('16');
  });
});

describe('impossible configurations are refused with the field and the numbers', () => {
  it.each([
    [
      'a 70B model on one 24 GB L4',
      dep({ model: 'meta-llama/Llama-3.1-70B-Instruct', gpu: { type: 'L4' } }),
      'gpu.count: the weights of meta-llama/Llama-3.1-70B-Instruct (70.6 B parameters in bf16) need 141.2 GB, plus 2.0 GB runtime overhead, more than the 21.6 GB one L4 gives vLLM (24 GB × gpu_memory_utilization 0.9); it needs at least 8 L4 GPUs, or fp8 weights (--quantization=fp8)',
    ],
    [
      'a 70B model in fp8 on one H100',
      dep({ model: 'meta-llama/Llama-3.1-70B-Instruct', vllm: { extraArgs: ['--quantization=fp8'] } }),
      'gpu.count: the weights of meta-llama/Llama-3.1-70B-Instruct (70.6 B parameters in fp8) need 70.6 GB, plus 2.0 GB runtime overhead, more than the 72.0 GB one H100 gives vLLM (80 GB × gpu_memory_utilization 0.9); it needs at least 2 H100 GPUs',
    ],
    [
      'tensor parallel 8 for 28 attention heads',
      dep({ model: 'Qwen/Qwen2.5-7B-Instruct', gpu: { count: 8 } }),
      'gpu.count: tensor parallel 8 does not divide the 28 attention heads of Qwen/Qwen2.5-7B-Instruct (vLLM refuses to start); use one of 1, 2, 4, 7',
    ],
    [
      'tensor parallel 2 on 4 GPUs',
      dep({ gpu: { count: 4 }, vllm: { extraArgs: ['--tensor-parallel-size', '2'] } }),
      'gpu.count: tensor × pipeline × data parallel = 2 × 1 × 1 = 2 GPUs, but gpu.count is 4: the rest would sit idle',
    ],
    [
      "vLLM's default 256 sequences of 4096 tokens of an 8B model on an L4",
      dep({ gpu: { type: 'L4' }, vllm: { maxNumSeqs: 256 } }),
      'vllm.max_num_seqs: KV cache for max_num_seqs × max_model_len = 256 × 4096 = 1048576 tokens needs 137.4 GB (131072 B per token); with 16.1 GB of weights and 2.0 GB overhead that is 155.5 GB, more than the 21.6 GB one L4 gives vLLM (24 GB × gpu_memory_utilization 0.9); at most 6 sequences of 4096 tokens fit: lower max_num_seqs to 6 or max_model_len, or add GPUs',
    ],
    [
      'one sequence of 131072 tokens beside an 8B model on an L4',
      dep({ gpu: { type: 'L4' }, vllm: { maxNumSeqs: 1, maxModelLen: 131_072 } }),
      'vllm.max_model_len: KV cache for max_num_seqs × max_model_len = 1 × 131072 = 131072 tokens needs 17.2 GB (131072 B per token); with 16.1 GB of weights and 2.0 GB overhead that is 35.2 GB, more than the 21.6 GB one L4 gives vLLM (24 GB × gpu_memory_utilization 0.9): not even one sequence of 131072 tokens fits (vLLM refuses to start); lower max_model_len to at most 27008, or add GPUs',
    ],
    [
      'max_num_batched_tokens below max_num_seqs',
      dep({ vllm: { maxNumBatchedTokens: 16 } }),
      'vllm.max_num_batched_tokens: expected at least max_num_seqs (32; vLLM schedules at least one token per sequence), got 16',
    ],
    ['gpu_memory_utilization 1.5', dep({ vllm: { gpuMemoryUtilization: 1.5 } }), 'vllm.gpu_memory_utilization: expected more than 0 and at most 1, got 1.5'],
    ['replicas.min above replicas.max', dep({ replicas: { start: 1, min: 5, max: 2 } }), 'replicas.min: expected at most replicas.max (2), got 5'],
    [
      'replicas.start outside the bounds',
      dep({ replicas: { start: 7, min: 1, max: 4 } }),
      'replicas.start: expected from replicas.min to replicas.max (1 to 4), got 7',
    ],
    [
      'max_num_seqs given twice',
      dep({ vllm: { extraArgs: ['--max-num-seqs', '64'] } }),
      'vllm.extra_args: --max-num-seqs is set from vllm.max_num_seqs: remove it from extra_args',
    ],
    [
      'pipeline parallel 32 for 16 layers',
      dep({ model: 'meta-llama/Llama-3.2-1B-Instruct', gpu: { count: 32 }, vllm: { extraArgs: ['--pipeline-parallel-size=32', '--tensor-parallel-size=1'] } }),
      'vllm.extra_args: pipeline parallel 32 is more than the 16 layers of meta-llama/Llama-3.2-1B-Instruct',
    ],
    [
      'a GPU type with no catalog entry',
      dep({ gpu: { type: 'H200' } }),
      'gpu.type: GPU type "H200" is not in data/accelerators.json and data/gpus.json (known: H100, A100-80, L4, A10G, MI300X); add it to both',
    ],
  ])('%s', (_, d, message) => {
    expect(errors(checkDeployment(projectCatalog(), d))).toEqual([message]);
  });

  it('tensor parallel 3 on 4 GPUs (which does not divide 32 heads either)', () => {
    expect(errors(checkDeployment(projectCatalog(), dep({ gpu: { count: 4 }, vllm: { extraArgs: ['--tensor-parallel-size=3'] } })))).toEqual([
      'vllm.extra_args: tensor parallel 3 does not divide gpu.count 4; use one of 1, 2, 4',
      'vllm.extra_args: tensor parallel 3 does not divide the 32 attention heads of meta-llama/Llama-3.1-8B-Instruct (vLLM refuses to start); use one of 1, 2, 4, 8',
    ]);
  });

  it('two MIG slices for one replica', () => {
    const d = dep({ model: 'meta-llama/Llama-3.2-1B-Instruct', gpu: { type: 'A100-80', count: 2 } });
    expect(errors(checkDeployment(projectCatalog(), d, '1g.10gb'))).toEqual([
      'gpu.count: expected 1 with MIG profile 1g.10gb (a replica cannot span MIG slices: no tensor parallel across them), got 2',
    ]);
  });

  it('a MIG profile on a GPU without MIG', () => {
    expect(errors(checkDeployment(projectCatalog(), dep({ gpu: { type: 'L4' } }), '1g.10gb'))).toEqual([
      'recipe: MIG profile "1g.10gb" is not known for L4 in data/accelerators.json (it has no MIG profiles)',
    ]);
  });

  it('an 8B model on one 10 GB MIG slice: measured against the slice, not the GPU', () => {
    const [e] = errors(checkDeployment(projectCatalog(), dep({ gpu: { type: 'A100-80' } }), '1g.10gb'));
    expect(e).toContain('more than the 9.0 GB one A100-80 MIG 1g.10gb gives vLLM (10 GB × gpu_memory_utilization 0.9); use a larger MIG profile or whole GPUs');
  });

  it('a model missing from data/models.json is a warning: what cannot be sized is not refused', () => {
    expect(checkDeployment(projectCatalog(), dep({ model: 'some/unknown-model' }))).toEqual([
      {
        severity: 'warning',
        field: 'model',
        message: '"some/unknown-model" is not in data/models.json: memory and attention-head checks skipped (add its architecture there)',
      },
    ]);
  });

  it('the nightly deployment passes', () => {
    expect(checkDeployment(projectCatalog(), dep({ vllm: { maxNumSeqs: 32, maxModelLen: 4096 }, replicas: { start: 1, min: 1, max: 6 } }))).toEqual([]);
  });
});

describe('autoscaler checks', () => {
  it.each([
    [
      'an HPA on CPU with replicas.min 0',
      autoscalers.cpu,
      dep({ replicas: { start: 0, min: 0, max: 3 } }),
      ['replicas.min: expected at least 1 with an HPA on CPU (it cannot scale to zero; KEDA can), got 0'],
    ],
    [
      'a Pods target of -1',
      { ...autoscalers.waiting, target: -1 },
      dep(),
      ['target: expected a positive per-pod average of vllm:num_requests_waiting, got -1'],
    ],
    ['a CPU target of 0', { ...autoscalers.cpu, targetUtilization: 0 }, dep(), ['target_utilization: expected a positive CPU utilisation in percent, got 0']],
    [
      'KEDA with threshold 0, idle = min and a bare series',
      { ...autoscalers.keda, threshold: 0, idleReplicas: 1, query: 'vllm:num_requests_waiting' },
      dep(),
      [
        'threshold: expected a positive threshold, got 0',
        'idle_replicas: expected less than min_replicas (1), got 1',
        `query: expected a query aggregated to one element, such as sum(...) (KEDA's Prometheus scaler fails when a query returns one series per pod), got "vllm:num_requests_waiting"`,
      ],
    ],
    [
      'KEDA min_replicas above replicas.max',
      { ...autoscalers.keda, minReplicas: 9 },
      dep(),
      [`min_replicas: expected at most replicas.max of deployment "d" (4; the ScaledObject's minReplicaCount ≤ maxReplicaCount), got 9`],
    ],
    [
      'KEDA fallback above replicas.max',
      { ...autoscalers.keda, fallback: { failureThreshold: 3, replicas: 8 } },
      dep(),
      ['fallback.replicas: expected from 1 to replicas.max (4), got 8'],
    ],
    [
      'a policy period beyond the HPA API limit',
      { ...autoscalers.cpu, behavior: { scaleDown: { policies: [{ type: 'Pods' as const, value: 1, periodMs: 3_600_000 }] } } },
      dep(),
      ["behavior.scale_down.policies[0].period: expected from 1s to 30m (the HPA API's limit: 1 to 1800 seconds), got 3600s"],
    ],
  ])('%s', (_, a, d, messages) => {
    expect(checkAutoscaler(a, d).map((i) => `${i.field}: ${i.message}`)).toEqual(messages);
  });

  it.each([
    ['sum(vllm:num_requests_waiting{namespace="x"})', true],
    ['sum(vllm:num_requests_waiting) or vector(0)', true],
    ['  (sum(rate(vllm:request_success_total[1m])))', true],
    ['histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket[1m])))', true],
    ['vllm:num_requests_waiting', false],
    ['sum by (pod) (vllm:num_requests_waiting)', false],
    ['sum(vllm:num_requests_waiting) by (pod)', false],
    ['histogram_quantile(0.95, sum by (le, pod) (rate(x_bucket[1m])))', false],
    ['rate(vllm:request_success_total[1m])', false],
  ])('isAggregated(%s) is %s', (query, expected) => {
    expect(isAggregated(query)).toBe(expected);
  });
});
