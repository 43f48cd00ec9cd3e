import type { Catalog } from '../catalog/catalog.js';
import { precisions, type Gpu, type ModelArch, type Precision } from '../catalog/gpus.js';
import { precisionArgs, type Recipe } from '../catalog/recipes.js';
import type { GpuSharing, ResolvedDeployment, ResolvedWorkload } from '../matrix/types.js';
import { deviceGpu, gpuRequest } from '../sizing/accelerators.js';
import { replicaLatency } from '../sizing/replica-latency.js';
import type { LatencyParams } from './capacity-model.js';
import { memoryPlan } from '../sizing/memory.js';
import { configKey, type Profile } from './profiles.js';
import { sharingModes } from './sharing-modes.js';
import type { Candidate } from './recommender.js';
import { simLatency } from '../sizing/roofline.js';

/**
 * The candidate configurations: every recipe of data/recipes/ at its
 * max_num_seqs and at a half and a quarter of it (fewer sequences, lower
 * inter-token latency), each estimated from the roofline, and every measured
 * profile for the workload. A profile of the same config replaces the estimate.
 */

/** The roofline's latency parameters for a configuration (fp8 weights: half the bytes and FLOP time, as estimate.ts). */
export function rooflineParams(
  model: ModelArch,
  gpu: Gpu,
  gpuCount: number,
  precision: Precision,
  maxNumSeqs: number,
  promptTokens: number,
  outputTokens: number,
): LatencyParams {
  const scaled = { ...model, params_b: (model.params_b * precisions[precision]) / precisions.bf16 };
  const l = simLatency(scaled, gpu, gpuCount, maxNumSeqs, promptTokens, outputTokens);
  return {
    ttftMs: l.prefillOverheadMs + l.prefillPerTokenMs * promptTokens,
    itlMs: l.interTokenMs,
    timeFactorUnderLoad: l.timeFactorUnderLoad,
    maxNumSeqs,
    outputTokens,
  };
}

/** The latency parameters a deployment's replicas run with on the local target (explicit simulator settings, else the roofline). */
export function deploymentParams(catalog: Catalog, d: ResolvedDeployment, w: ResolvedWorkload): LatencyParams {
  const l = replicaLatency(catalog, d, w);
  const ttftMs = l.ttft.kind === 'constant' ? l.ttft.ms : l.ttft.overheadMs + l.ttft.perTokenMs * w.prompt.mean;
  return { ttftMs, itlMs: l.itlMs, timeFactorUnderLoad: l.timeFactorUnderLoad, maxNumSeqs: d.vllm.maxNumSeqs, outputTokens: w.output.mean };
}

/** max_num_seqs, its half and its quarter (at least 1, no repeats). */
export function seqVariants(n: number): number[] {
  return [...new Set([n, Math.floor(n / 2), Math.floor(n / 4)].filter((v) => v >= 1))];
}

export interface CandidateInput {
  catalog: Catalog;
  /** The recipes to start from. @default catalog.recipes */
  recipes?: readonly Recipe[];
  profiles: readonly Profile[];
  workload: string;
  promptTokens: number;
  outputTokens: number;
  /** Only this model, when given. */
  model?: string;
  /** Only these GPU types, when given. */
  gpus?: readonly string[];
  /** Also every way of sharing the GPU of each one-GPU recipe (MIG slices, time-slicing, partitions; sharing.ts). @default false */
  sharing?: boolean;
}

/** A one-GPU recipe on a slice of its GPU: max_num_seqs cut to what the slice's memory holds; undefined when not one sequence fits. */
function onSlice(catalog: Catalog, r: Recipe, model: ModelArch, sharing: GpuSharing): { seqs: number; gpu: Gpu; share: number } | undefined {
  const req = gpuRequest(catalog, r.hardware, 1, sharing);
  const v = r.vllm_args;
  const plan = memoryPlan(model, req.memoryGb, {
    maxNumSeqs: v.max_num_seqs,
    maxModelLen: v.max_model_len,
    gpuMemoryUtilization: v.gpu_memory_utilization,
    extraArgs: precisionArgs(r),
    gpuCount: 1,
  });
  const seqs = Math.min(v.max_num_seqs, plan.maxSeqsThatFit);
  return seqs >= 1 ? { seqs, gpu: deviceGpu(req), share: req.slice.cost } : undefined;
}

/** "mig-3g.40gb", "ts4", "cpx-nps4": a candidate id's suffix. */
function sharingSuffix(s: GpuSharing): string {
  return s.mode === 'mig' ? `mig-${s.profile}` : s.mode === 'time-slice' ? `ts${s.replicas}` : `${s.compute}-${s.memory}`.toLowerCase();
}

export function buildCandidates(i: CandidateInput): { candidates: Candidate[]; notes: string[] } {
  const notes: string[] = [];
  const catalog = i.catalog.gpus;
  const models = i.catalog.models;
  const wanted = (model: string, hardware: string): boolean => (!i.model || model === i.model) && (!i.gpus || i.gpus.includes(hardware));
  const measured = new Map<string, Candidate>();
  for (const p of i.profiles) {
    const c = p.config;
    if (c.workload !== i.workload || !wanted(c.model, c.hardware)) continue;
    const gpu = catalog[c.hardware];
    if (!gpu) {
      notes.push(`profile ${c.key}: GPU "${c.hardware}" is not in data/gpus.json, so it has no price: left out`);
      continue;
    }
    measured.set(c.key, {
      id: c.deployment,
      model: c.model,
      hardware: c.hardware,
      gpuCount: c.gpus_per_replica,
      precision: c.precision,
      maxNumSeqs: c.max_num_seqs,
      maxModelLen: c.max_model_len,
      gpuMemoryUtilization: 0.9,
      enablePrefixCaching: true,
      extraArgs: c.precision === 'fp8' ? ['--quantization=fp8'] : [],
      usdPerGpuHour: gpu.usd_per_hour,
      basis: {
        kind: 'measured',
        curve: p.curve,
        runId: p.run_id,
        engine: c.engine,
        ...(p.scale_up_lag_s !== undefined ? { scaleUpLagS: p.scale_up_lag_s } : {}),
      },
    });
  }
  const out: Candidate[] = [];
  for (const r of i.recipes ?? i.catalog.recipes) {
    if (!wanted(r.model, r.hardware)) continue;
    const model = models[r.model];
    const whole = catalog[r.hardware];
    if (!model || !whole) continue;
    // A MIG recipe runs on its slice: the slice's compute, bandwidth and price.
    const recipeSlice: GpuSharing | undefined = r.mig !== undefined ? { mode: 'mig', profile: r.mig } : undefined;
    const sliceReq = recipeSlice ? gpuRequest(i.catalog, r.hardware, r.gpu_count, recipeSlice) : undefined;
    const gpu = sliceReq ? deviceGpu(sliceReq) : whole;
    for (const seqs of seqVariants(r.vllm_args.max_num_seqs)) {
      const key = configKey({
        model: r.model,
        hardware: r.hardware,
        gpus_per_replica: r.gpu_count,
        precision: r.precision,
        max_num_seqs: seqs,
        workload: i.workload,
        engine: 'vllm',
      });
      // Profiles do not record sharing yet: a sliced recipe is never matched with a whole-GPU profile.
      const fromProfile = recipeSlice ? undefined : measured.get(key);
      if (fromProfile) {
        out.push({ ...fromProfile, id: seqs === r.vllm_args.max_num_seqs ? r.id : `${r.id}-seqs${seqs}`, recipe: r.id });
        measured.delete(key);
        continue;
      }
      const v = r.vllm_args;
      out.push({
        id: seqs === v.max_num_seqs ? r.id : `${r.id}-seqs${seqs}`,
        model: r.model,
        hardware: r.hardware,
        gpuCount: r.gpu_count,
        precision: r.precision,
        maxNumSeqs: seqs,
        maxModelLen: v.max_model_len,
        gpuMemoryUtilization: v.gpu_memory_utilization,
        enablePrefixCaching: v.enable_prefix_caching,
        extraArgs: [
          ...(r.precision === 'fp8' ? ['--quantization=fp8'] : []),
          ...(v.kv_cache_dtype === 'fp8' ? ['--kv-cache-dtype=fp8'] : []),
          ...(v.extra_args ?? []),
        ],
        recipe: r.id,
        usdPerGpuHour: gpu.usd_per_hour,
        ...(recipeSlice && sliceReq ? { sharing: recipeSlice, gpuShare: sliceReq.slice.cost } : {}),
        basis: { kind: 'estimated', params: rooflineParams(model, gpu, r.gpu_count, r.precision, seqs, i.promptTokens, i.outputTokens) },
      });
    }
    if (!i.sharing || r.gpu_count !== 1 || recipeSlice) continue;
    for (const sharing of sharingModes(i.catalog, r.hardware)) {
      const slice = onSlice(i.catalog, r, model, sharing);
      if (!slice) continue;
      const v = r.vllm_args;
      for (const seqs of seqVariants(slice.seqs)) {
        const id = `${r.id}-${sharingSuffix(sharing)}${seqs === slice.seqs ? '' : `-seqs${seqs}`}`;
        out.push({
          id,
          model: r.model,
          hardware: r.hardware,
          gpuCount: 1,
          precision: r.precision,
          maxNumSeqs: seqs,
          maxModelLen: v.max_model_len,
          gpuMemoryUtilization: v.gpu_memory_utilization,
          enablePrefixCaching: v.enable_prefix_caching,
          extraArgs: [...precisionArgs(r), ...(v.extra_args ?? [])],
          recipe: r.id,
          usdPerGpuHour: slice.gpu.usd_per_hour,
          sharing,
          gpuShare: slice.share,
          basis: { kind: 'estimated', params: rooflineParams(model, slice.gpu, 1, r.precision, seqs, i.promptTokens, i.outputTokens) },
        });
      }
    }
  }
  out.push(...measured.values());
  return { candidates: out, notes };
}
