import { describe, expect, it } from 'vitest';
import { profiles } from '../../src/load/profiles.js';
import { defaults } from '../../src/matrix/defaults.js';
import { resolveMatrix } from '../../src/matrix/resolve.js';
import { matrixSchema } from '../../src/matrix/schema.js';
import type { ResolvedMatrix } from '../../src/matrix/types.js';
import { loadYaml, scratchDir } from './matrix-helpers.js';
import { projectCatalog, type Catalog } from '../../src/catalog/catalog.js';

const dir = scratchDir();

const minimal = `name: t
deployments: [{ name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 } }]
autoscalers:
  - { name: h, kind: hpa-custom, metric: vllm:num_requests_waiting, target: 5 }
  - { name: k, kind: keda, query: sum(q), threshold: 5 }
load: { shape: step, users: [4, 8], duration: 1m }
`;

describe('defaults', () => {
  it('fill every field the matrix leaves out, from defaults.ts', () => {
    const { hash, source, ...m } = loadYaml(dir, minimal);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(source).toBe(`${dir}/m.yaml`);
    const hpa = { syncPeriodMs: defaults.hpa.syncPeriodMs, tolerance: defaults.hpa.tolerance };
    const expected: Omit<ResolvedMatrix, 'hash' | 'source'> = {
      name: 't',
      target: defaults.target,
      slo: {},
      workload: {
        profile: defaults.workload.profile,
        prompt: profiles[defaults.workload.profile].prompt,
        output: profiles[defaults.workload.profile].output,
        seed: defaults.workload.seed,
      },
      deployments: [
        {
          name: 'd',
          model: 'meta-llama/Llama-3.2-1B-Instruct',
          gpu: { type: 'L4', count: defaults.deployment.gpuCount },
          vllm: {
            maxNumSeqs: defaults.deployment.maxNumSeqs,
            maxModelLen: defaults.deployment.maxModelLen,
            gpuMemoryUtilization: defaults.deployment.gpuMemoryUtilization,
            enablePrefixCaching: defaults.deployment.enablePrefixCaching,
            extraArgs: [],
          },
          replicas: defaults.deployment.replicas,
          cpuRequestMillis: defaults.deployment.cpuRequestMillis,
          simulator: defaults.simulator,
        },
      ],
      autoscalers: [
        { name: 'h', kind: 'hpa-custom', metric: 'vllm:num_requests_waiting', target: 5, ...hpa },
        { name: 'k', kind: 'keda', query: 'sum(q)', threshold: 5, ...hpa, ...defaults.keda },
      ],
      load: {
        shape: 'step',
        levels: [4, 8],
        durationMs: 60_000,
        warmupMs: defaults.load.warmupMs,
        settle: { kind: defaults.load.settle, timeoutMs: defaults.load.settleTimeoutMs, estimateMs: defaults.load.untilIdleEstimateMs },
        low: defaults.load.stepLow,
      },
      repeats: defaults.repeats,
      sampleIntervalMs: defaults.sampleIntervalMs,
      timeScale: defaults.timeScale,
      controllers: {
        downscaleStabilizationWindowMs: 300_000,
        cpuInitializationPeriodMs: 300_000,
        initialReadinessDelayMs: 30_000,
        cpuWindowMs: 15_000,
      },
    };
    expect(m).toEqual(expected);
    // No undefined members either: what is not set is absent.
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('use the autoscaler default when none is given', () => {
    const m = loadYaml(dir, minimal.replace(/autoscalers:\n( {2}- .*\n)+/, ''));
    expect(m.autoscalers).toEqual(defaults.autoscalers);
  });

  it.each([
    ['nothing', '', { start: 1, min: 1, max: 4 }],
    ['max only', 'max: 6', { start: 1, min: 1, max: 6 }],
    ['min only, above the default max', 'min: 6', { start: 6, min: 6, max: 6 }],
    ['start 0 only', 'start: 0', { start: 0, min: 0, max: 4 }],
    ['start above the default max', 'start: 5', { start: 5, min: 1, max: 5 }],
    ['min 2 and max 3', 'min: 2, max: 3', { start: 2, min: 2, max: 3 }],
  ])('replicas from %s', (_, given, expected) => {
    const m = loadYaml(dir, minimal.replace('gpu: { type: L4 } }', `gpu: { type: L4 }, replicas: { ${given} } }`).replace(/autoscalers:\n( {2}- .*\n)+/, ''));
    expect(m.deployments[0]!.replicas).toEqual(expected);
  });

  it('lay token overrides over the named profile', () => {
    const m = loadYaml(dir, `${minimal}workload: { profile: tiny, output_tokens: { mean: 20, max: 40 } }\n`);
    expect(m.workload.output).toEqual({ ...profiles.tiny.output, mean: 20, max: 40 });
    expect(m.workload.prompt).toEqual(profiles.tiny.prompt);
  });
});

const scaled = `name: t
slo: { ttft_ms_p95: 500ms, tpot_ms_p95: 50ms, e2e_ms_p95: 20s }
deployments:
  - name: d
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    simulator: { ttft: 80ms, itl: 20ms, ttft_stdev: 10ms, startup: 30s }
autoscalers:
  - name: h
    kind: hpa-cpu
    target_utilization: 70
    behavior:
      scale_down: { stabilization_window: 5m, policies: [{ type: Pods, value: 1, period: 1m }] }
  - { name: k, kind: keda, query: sum(q), threshold: 5, polling_interval: 10s }
load: { shape: spike, users: [8], duration: 10m, warmup: 30s, settle: 1m, spike: 2m }
sample_interval: 2s
time_scale: 0.1
`;

describe('time_scale 0.1', () => {
  const m = loadYaml(dir, scaled);
  const [hpa, keda] = m.autoscalers;
  if (hpa?.kind !== 'hpa-cpu' || keda?.kind !== 'keda' || m.load.shape !== 'spike') throw new Error('unexpected matrix');
  const d = m.deployments[0]!;
  it.each([
    ['HPA sync period 15 s (default)', hpa.syncPeriodMs, 1500],
    ['scale-down stabilization window 5m', hpa.behavior?.scaleDown?.stabilizationWindowMs, 30_000],
    ['policy period 1m', hpa.behavior?.scaleDown?.policies?.[0]?.periodMs, 6000],
    ['KEDA polling interval 10s', keda.pollingIntervalMs, 1000],
    ['KEDA cooldown 300 s (default)', keda.cooldownPeriodMs, 30_000],
    ['load duration 10m', m.load.durationMs, 60_000],
    ['warm-up 30s', m.load.warmupMs, 3000],
    ['settle 1m', m.load.settle, { kind: 'fixed', ms: 6000 }],
    ['spike 2m', m.load.spikeMs, 12_000],
    ['simulator startup 30s', d.simulator.startupMs, 3000],
    ['sample interval 2s (measurement resolution: not scaled)', m.sampleIntervalMs, 2000],
    ['scrape interval 1 s (default; not scaled)', m.target.kind === 'local' ? m.target.scrapeIntervalMs : 0, 1000],
    ['not the simulator ttft', d.simulator.ttftMs, 80],
    ['not the simulator itl', d.simulator.itlMs, 20],
    ['not a latency stdev', d.simulator.ttftStdevMs, 10],
    ['not the SLOs', m.slo, { ttft_ms_p95: 500, tpot_ms_p95: 50, e2e_ms_p95: 20_000 }],
    // The controllers' own flags, once, here: the autoscaler loops use them as they are.
    ['HPA downscale stabilization 5m (controller flag)', m.controllers.downscaleStabilizationWindowMs, 30_000],
    ['CPU initialization period 5m (controller flag)', m.controllers.cpuInitializationPeriodMs, 30_000],
    ['initial readiness delay 30s (controller flag)', m.controllers.initialReadinessDelayMs, 3000],
    ['metrics-server resolution 15s, at least 2s (CPU window)', m.controllers.cpuWindowMs, 2000],
  ])('scales %s', (_, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe('resolveMatrix', () => {
  const input = matrixSchema.parse({
    name: 't',
    deployments: [{ name: 'd', model: 'acme/tiny', gpu: { type: 'X1' }, recipe: 'tiny-x1' }],
    load: { shape: 'constant', users: [1], duration: '1m' },
  });
  const gpu = { hbm_gb_per_s: 1000, bf16_tflops: 100, memory_gb: 24, usd_per_hour: 1, mfu_prefill: 0.5, mfu_decode: 0.5 };
  const catalog: Catalog = {
    gpus: { X1: gpu },
    models: { 'acme/tiny': { params_b: 1, layers: 16, attention_heads: 32, kv_heads: 8, head_dim: 64, hidden: 2048 } },
    accelerators: { X1: { resource: 'acme.com/gpu', node_selector: {}, tolerations: [], image: 'vllm' } },
    recipes: [
      {
        id: 'tiny-x1',
        model: 'acme/tiny',
        hardware: 'X1',
        gpu_count: 1,
        precision: 'bf16',
        engine: { name: 'vllm', version: '0' },
        vllm_args: { max_model_len: 2048, max_num_seqs: 7, gpu_memory_utilization: 0.8, enable_prefix_caching: false },
      },
    ],
  };

  it('uses the catalog it is given, and nothing else (no file is read)', () => {
    const r = resolveMatrix(input, 'mem', catalog);
    expect(r.ok && r.matrix.deployments[0]!.vllm).toMatchObject({ maxNumSeqs: 7, maxModelLen: 2048, gpuMemoryUtilization: 0.8 });
    // The project's catalog has neither the GPU, the recipe nor the model.
    const project = resolveMatrix(input, 'mem', projectCatalog());
    expect(project.ok ? [] : project.issues.map((i) => i.path.join('.'))).toEqual(['deployments.0.recipe', 'deployments.0.gpu.type', 'deployments.0.model']);
  });

  it('returns issues with document paths (load.ts positions them)', () => {
    const input = matrixSchema.parse({
      name: 't',
      deployments: [{ name: 'd', model: 'meta-llama/Llama-3.2-1B-Instruct', gpu: { type: 'L4' }, replicas: { min: 3, max: 2 } }],
      load: { shape: 'ramp', duration: '1m' },
    });
    expect(resolveMatrix(input, 'mem', projectCatalog())).toEqual({
      ok: false,
      issues: [
        { path: ['deployments', 0, 'replicas', 'min'], message: 'expected min <= max, got min 3 and max 2' },
        { path: ['load', 'users'], message: 'expected a list of user counts for shape "ramp", got nothing' },
      ],
    });
  });
});
