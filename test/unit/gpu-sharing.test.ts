import { describe, expect, it } from 'vitest';
import { profiles } from '../../src/load/profiles.js';
import { parseMatrix } from '../../src/matrix/load.js';
import type { GpuSharing, ResolvedDeployment, ResolvedWorkload } from '../../src/matrix/types.js';
import { deviceGpu, gpuRequest } from '../../src/sizing/accelerators.js';
import { buildCandidates } from '../../src/recommend/candidates.js';
import { checkDeployment } from '../../src/sizing/checks.js';
import { recommend, type UseCase } from '../../src/recommend/recommender.js';
import { vllmMemoryUtilization } from '../../src/sizing/sharing.js';
import { sharingModes } from '../../src/recommend/sharing-modes.js';
import { gpuSharePerReplica, sliceCostFields } from '../../src/recommend/slice-cost.js';
import { replicaLatency } from '../../src/sizing/replica-latency.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const dep = (gpu: ResolvedDeployment['gpu'], vllm: Partial<ResolvedDeployment['vllm']> = {}): ResolvedDeployment => ({
  name: 'd',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  gpu,
  vllm: { maxNumSeqs: 16, maxModelLen: 4096, gpuMemoryUtilization: 0.9, enablePrefixCaching: true, extraArgs: [], ...vllm },
  replicas: { start: 1, min: 1, max: 2 },
  cpuRequestMillis: 1000,
  simulator: { ttftStdevMs: 0, itlStdevMs: 0, startupMs: 0, failureRate: 0 },
});
const workload: ResolvedWorkload = { profile: 'chatbot', prompt: profiles.chatbot.prompt, output: profiles.chatbot.output, seed: 1 };
const errors = (d: ResolvedDeployment): string[] =>
  checkDeployment(projectCatalog(), d)
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.field}: ${i.message}`);

describe('a slice of a GPU (src/sizing/sharing.ts)', () => {
  it.each<[string, GpuSharing | undefined, { compute: number; bandwidth: number; cost: number; memoryGb: number; visibleMemoryGb: number }]>([
    ['A100-80', undefined, { compute: 1, bandwidth: 1, cost: 1, memoryGb: 80, visibleMemoryGb: 80 }],
    ['A100-80', { mode: 'mig', profile: '1g.10gb' }, { compute: 1 / 7, bandwidth: 0.125, cost: 1 / 7, memoryGb: 10, visibleMemoryGb: 10 }],
    ['H100', { mode: 'mig', profile: '3g.40gb' }, { compute: 3 / 7, bandwidth: 0.5, cost: 0.5, memoryGb: 40, visibleMemoryGb: 40 }],
    ['H100', { mode: 'mig', profile: '1g.20gb' }, { compute: 1 / 7, bandwidth: 0.25, cost: 0.25, memoryGb: 20, visibleMemoryGb: 20 }],
    ['L4', { mode: 'time-slice', replicas: 4 }, { compute: 0.25, bandwidth: 0.25, cost: 0.25, memoryGb: 6, visibleMemoryGb: 24 }],
    ['MI300X', { mode: 'partition', compute: 'CPX', memory: 'NPS4' }, { compute: 0.125, bandwidth: 0.125, cost: 0.125, memoryGb: 24, visibleMemoryGb: 24 }],
    ['MI300X', { mode: 'partition', compute: 'SPX', memory: 'NPS1' }, { compute: 1, bandwidth: 1, cost: 1, memoryGb: 192, visibleMemoryGb: 192 }],
  ])('%s %j', (type, sharing, slice) => {
    const s = gpuRequest(projectCatalog(), type, 1, sharing).slice;
    for (const [k, v] of Object.entries(slice)) expect(s[k as keyof typeof s], k).toBeCloseTo(v, 9);
  });

  it.each<[string, GpuSharing, string]>([
    ['L4', { mode: 'mig', profile: '1g.10gb' }, 'MIG profile "1g.10gb" is not known for L4 in data/accelerators.json (it has no MIG profiles)'],
    [
      'MI300X',
      { mode: 'time-slice', replicas: 2 },
      'MI300X cannot be time-sliced: its device plugin (amd.com/gpu) has no time-slicing in data/accelerators.json',
    ],
    ['MI300X', { mode: 'partition', compute: 'SPX', memory: 'NPS4' }, 'MI300X does not support partition SPX/NPS4: its modes are SPX/NPS1, CPX/NPS1, CPX/NPS4'],
    [
      'H100',
      { mode: 'partition', compute: 'CPX', memory: 'NPS1' },
      'H100 has no compute/memory partitions in data/accelerators.json (AMD Instinct MI300X has)',
    ],
  ])('%s cannot be shared as %j', (type, sharing, message) => {
    expect(() => gpuRequest(projectCatalog(), type, 1, sharing)).toThrow(message);
  });

  it('the device the roofline sees: peak, bandwidth, memory and price scaled', () => {
    expect(deviceGpu(gpuRequest(projectCatalog(), 'H100', 1, { mode: 'mig', profile: '3g.40gb' }))).toMatchObject({
      bf16_tflops: (989 * 3) / 7,
      hbm_gb_per_s: 1675,
      memory_gb: 40,
      usd_per_hour: 2.25,
    });
  });

  it("vLLM's gpu_memory_utilization: of the slice, so a time-sliced process gets its share of the whole GPU", () => {
    expect(vllmMemoryUtilization(0.9, { mode: 'time-slice', replicas: 4 })).toBe(0.225);
    expect(vllmMemoryUtilization(0.9, { mode: 'time-slice', replicas: 3 })).toBe(0.3);
    expect(vllmMemoryUtilization(0.9, { mode: 'mig', profile: '3g.40gb' })).toBe(0.9);
  });

  it('lists the modes the recommender tries for each GPU', () => {
    expect(sharingModes(projectCatalog(), 'A100-80').map((s) => JSON.stringify(s))).toEqual([
      '{"mode":"mig","profile":"1g.10gb"}',
      '{"mode":"mig","profile":"1g.20gb"}',
      '{"mode":"mig","profile":"2g.20gb"}',
      '{"mode":"mig","profile":"3g.40gb"}',
      '{"mode":"mig","profile":"4g.40gb"}',
      '{"mode":"time-slice","replicas":2}',
      '{"mode":"time-slice","replicas":4}',
    ]);
    expect(sharingModes(projectCatalog(), 'MI300X')).toEqual([
      { mode: 'partition', compute: 'CPX', memory: 'NPS1' },
      { mode: 'partition', compute: 'CPX', memory: 'NPS4' },
    ]);
  });
});

describe('the pre-deploy checks on a slice', () => {
  it("budget the slice's memory", () => {
    expect(errors(dep({ type: 'L4', count: 1, sharing: { mode: 'time-slice', replicas: 2 } }, { maxNumSeqs: 1, maxModelLen: 1024 }))).toEqual([
      'gpu.count: the weights of meta-llama/Llama-3.1-8B-Instruct (8.03 B parameters in bf16) need 16.1 GB, plus 2.0 GB runtime overhead, more than the 10.8 GB one L4 time-sliced ×2 gives vLLM (12 GB × gpu_memory_utilization 0.9); share the GPU fewer ways, or use whole GPUs, or fp8 weights (--quantization=fp8)',
    ]);
    expect(errors(dep({ type: 'H100', count: 1, sharing: { mode: 'mig', profile: '3g.40gb' } }, { maxNumSeqs: 32 }))).toEqual([]);
    expect(errors(dep({ type: 'H100', count: 1, sharing: { mode: 'mig', profile: '3g.40gb' } }, { maxNumSeqs: 64 }))[0]).toContain(
      'at most 33 sequences of 4096 tokens fit',
    );
  });

  it('refuse several time-sliced devices per replica, and a mode the GPU lacks', () => {
    expect(
      errors(
        dep({ type: 'L4', count: 2, sharing: { mode: 'time-slice', replicas: 2 } }, { maxNumSeqs: 1, maxModelLen: 1024, extraArgs: ['--quantization=fp8'] }),
      ),
    ).toEqual(['gpu.count: expected 1 with time-slicing (several time-sliced replicas may be slices of the same GPU: no more compute or memory), got 2']);
    expect(errors(dep({ type: 'H100', count: 1, sharing: { mode: 'time-slice', replicas: 2 } }))).toEqual([]);
    expect(errors(dep({ type: 'H100', count: 1, sharing: { mode: 'partition', compute: 'CPX', memory: 'NPS1' } }))[0]).toMatch(
      /^gpu\.sharing: H100 has no compute\/memory partitions/,
    );
  });

  it('the matrix says where, before a local run', () => {
    const m = (sharing: string): string =>
      `name: s\ndeployments:\n  - { name: d, model: meta-llama/Llama-3.1-8B-Instruct, gpu: { type: A100-80, count: 2, sharing: ${sharing} } }\nload: { shape: constant, users: [1], duration: 10s }\n`;
    expect(() => parseMatrix(m('{ mode: mig, profile: 3g.40gb }'), 'm.yaml', projectCatalog())).toThrow(
      'm.yaml:3:98: deployments[0].gpu.sharing: expected gpu.count 1 with MIG (a replica cannot span MIG slices), got 2',
    );
    expect(() => parseMatrix(m('{ mode: mig, profile: 5g.50gb }'), 'm.yaml', projectCatalog())).toThrow('MIG profile "5g.50gb" is not known for A100-80');
    expect(() => parseMatrix(m('{ mode: time-slice, replicas: 1 }'), 'm.yaml', projectCatalog())).toThrow('replicas');
  });

  it('a MIG recipe resolves to its slice', () => {
    const r = parseMatrix(
      'name: s\ndeployments:\n  - { name: d, model: meta-llama/Llama-3.2-1B-Instruct, recipe: llama-3.2-1b-a100-mig-1g.10gb-bf16, gpu: { type: A100-80 } }\nload: { shape: constant, users: [1], duration: 10s }\n',
      'm.yaml',
      projectCatalog(),
    );
    expect(r.deployments[0]!.gpu).toEqual({ type: 'A100-80', count: 1, sharing: { mode: 'mig', profile: '1g.10gb' } });
  });
});

describe('the roofline and the simulator on a slice', () => {
  it("decode slows by the slice's bandwidth share, prefill by its compute share", () => {
    const whole = replicaLatency(projectCatalog(), dep({ type: 'H100', count: 1 }), workload);
    const mig = replicaLatency(projectCatalog(), dep({ type: 'H100', count: 1, sharing: { mode: 'mig', profile: '3g.40gb' } }), workload);
    const ts = replicaLatency(projectCatalog(), dep({ type: 'H100', count: 1, sharing: { mode: 'time-slice', replicas: 4 } }), workload);
    expect(mig.itlMs / whole.itlMs).toBeCloseTo(2, 2);
    expect(ts.itlMs / whole.itlMs).toBeCloseTo(4, 2);
    if (whole.ttft.kind !== 'per-token' || mig.ttft.kind !== 'per-token') throw new Error('expected per-token prefill');
    expect(mig.ttft.perTokenMs / whole.ttft.perTokenMs).toBeCloseTo(7 / 3, 2);
  });
});

describe('cost per slice', () => {
  it('prices a replica at its share of the GPU, and a million tokens that met the SLO', () => {
    const d = dep({ type: 'H100', count: 1, sharing: { mode: 'mig', profile: '3g.40gb' } });
    // 2 replicas for 60 s at $2.25/h = $0.075; 5 good requests/s × 60 s × 768 tokens = 230400 tokens.
    expect(gpuSharePerReplica(projectCatalog(), d)).toBe(0.5);
    expect(gpuSharePerReplica(projectCatalog(), dep({ type: 'no-such-gpu', count: 1 }))).toBeUndefined();
    expect(
      sliceCostFields(d, {
        gpuShare: 0.5,
        gpuUsdPerHour: 4.5,
        mainReplicaSeconds: 120,
        goodputRps: 5,
        seconds: 60,
        promptTokensMean: 512,
        outputTokensMean: 256,
      }),
    ).toEqual({
      gpu_sharing: 'MIG 3g.40gb',
      gpu_share_per_replica: 0.5,
      usd_per_replica_hour: 2.25,
      usd_per_million_tokens_at_slo: 0.3255,
    });
    expect(
      sliceCostFields(dep({ type: 'H100', count: 2 }), {
        gpuShare: gpuSharePerReplica(projectCatalog(), dep({ type: 'H100', count: 2 }))!,
        gpuUsdPerHour: 4.5,
        goodputRps: 0,
        mainReplicaSeconds: 60,
        seconds: 60,
        promptTokensMean: 1,
        outputTokensMean: 1,
      }),
    ).toMatchObject({ gpu_sharing: 'whole', gpu_share_per_replica: 2, usd_per_million_tokens_at_slo: null });
  });
});

describe('the recommender with sharing', () => {
  const u: UseCase = {
    name: 'chat',
    workload: 'chatbot',
    promptTokens: 512,
    outputTokens: 256,
    slo: { ttft_ms_p95: 300, tpot_ms_p95: 40 },
    peakQps: 2,
    growth: 0,
    rampPerMin: 0.2,
  };
  const candidates = (sharing: boolean) =>
    buildCandidates({
      catalog: projectCatalog(),
      profiles: [],
      workload: 'chatbot',
      promptTokens: 512,
      outputTokens: 256,
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      gpus: ['A100-80'],
      sharing,
    }).candidates;

  it('picks a slice when it meets the SLO more cheaply, and says why', () => {
    const r = recommend(candidates(true), u);
    expect(r.best?.candidate.sharing).toEqual({ mode: 'mig', profile: '3g.40gb' });
    expect(r.best?.candidate.usdPerGpuHour).toBe(1.75);
    expect(r.why?.[0]).toMatch(
      /^chosen a GPU slice: llama-3\.1-8b-a100-bf16-mig-3g\.40gb: 1 replica of 1 × A100-80 MIG 3g\.40gb \(0\.5 of a GPU, \$1\.75\/h\)/,
    );
    expect(r.why?.[1]).toMatch(/^50 % cheaper than the best whole-GPU configuration meeting the SLO, llama-3\.1-8b-a100-bf16/);
  });

  it('keeps whole GPUs when no slice meets the SLO, and says so', () => {
    const r = recommend(candidates(true), { ...u, slo: { ttft_ms_p95: 120, tpot_ms_p95: 40 } });
    expect(r.best?.candidate.sharing).toBeUndefined();
    expect(r.why?.[0]).toMatch(/^chosen whole GPUs: .*; no slice of the \d+ considered meets the SLO$/);
  });

  it('without --sharing, only whole GPUs (and MIG recipes) are candidates', () => {
    expect(candidates(false).every((c) => c.sharing === undefined)).toBe(true);
  });
});
