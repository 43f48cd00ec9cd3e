import { dirname, isAbsolute, join } from 'node:path';
import type { ArrivalProcess } from '../load/arrivals.js';
import { profiles, type TokenDistribution } from '../load/profiles.js';
import type { Catalog } from '../catalog/catalog.js';
import { recipeFor } from '../sizing/recipe-hook.js';
import { contentHash } from '../util/canonical.js';
import { parseDuration } from '../util/duration.js';
import { objectives } from '../vocabulary/metrics.js';
import { checkMatrix } from './checks.js';
import { defaults } from './defaults.js';
import type { MatrixIssue } from './issues.js';
import type { AutoscalerInput, BehaviorInput, DeploymentInput, LoadInput, MatrixInput } from './schema.js';
import type {
  ResolvedAutoscaler,
  ResolvedControllers,
  ResolvedBehavior,
  ResolvedDeployment,
  ResolvedLoad,
  ResolvedMatrix,
  ResolvedScalingRules,
  ResolvedSlo,
  ResolvedTarget,
  ResolvedWorkload,
} from './types.js';

/** The outcome of resolveMatrix: the matrix, or every problem zod could not see. */
export type ResolveResult = { ok: true; matrix: ResolvedMatrix } | { ok: false; issues: MatrixIssue[] };

/** Milliseconds of a duration the schema has already accepted. */
function ms(text: string): number;
function ms(text: string | undefined): number | undefined;
function ms(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = parseDuration(text);
  if (v === undefined) throw new Error(`resolve: "${text}" is not a duration; the schema should have refused it`);
  return v;
}

/** Drops the members that are undefined, so resolved objects hold only what is set. */
/** The objectives given, in ms. */
function resolveSlo(slo: MatrixInput['slo']): ResolvedSlo {
  const out: ResolvedSlo = {};
  for (const o of objectives) {
    const v = ms(slo?.[o]);
    if (v !== undefined) out[o] = v;
  }
  return out;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Shortens periods and durations by time_scale; a non-zero one stays at least 1 ms. */
type Scale = (ms: number) => number;
const scaler =
  (factor: number): Scale =>
  (v) =>
    v === 0 ? 0 : Math.max(1, Math.round(v * factor));

/** "500m" → 500, "2" → 2000 (a Kubernetes CPU quantity). */
function cpuMillis(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Replica bounds: a default never contradicts a bound that was given. */
export function replicaBounds(r: DeploymentInput['replicas']): ResolvedDeployment['replicas'] {
  const d = defaults.deployment.replicas;
  const min = r?.min ?? Math.min(d.min, r?.start ?? Infinity, r?.max ?? Infinity);
  const max = r?.max ?? Math.max(d.max, min, r?.start ?? 0);
  const start = r?.start ?? Math.min(Math.max(min, d.start), max);
  return { start, min, max };
}

function deployment(catalog: Catalog, d: DeploymentInput, scale: Scale): ResolvedDeployment {
  const dd = defaults.deployment;
  const sim = d.simulator ?? {};
  // Recipe hook (src/sizing/recipe-hook.ts): what the deployment leaves out, its recipe fills in; `auto` picks the recipe and its GPU count.
  const r = recipeFor(catalog, d);
  const rv = r?.fill.vllm;
  return defined({
    name: d.name,
    model: d.model,
    recipe: r?.id ?? d.recipe,
    gpu: defined({
      type: d.gpu.type,
      count: (d.recipe === 'auto' ? r?.fill.gpu.count : undefined) ?? d.gpu.count ?? r?.fill.gpu.count ?? dd.gpuCount,
      // gpu.sharing, else a MIG recipe's slice.
      sharing: d.gpu.sharing ?? (r?.fill.mig !== undefined ? { mode: 'mig' as const, profile: r.fill.mig } : undefined),
    }),
    vllm: defined({
      maxNumSeqs: d.vllm?.max_num_seqs ?? rv?.maxNumSeqs ?? dd.maxNumSeqs,
      maxModelLen: d.vllm?.max_model_len ?? rv?.maxModelLen ?? dd.maxModelLen,
      maxNumBatchedTokens: d.vllm?.max_num_batched_tokens ?? rv?.maxNumBatchedTokens,
      gpuMemoryUtilization: d.vllm?.gpu_memory_utilization ?? rv?.gpuMemoryUtilization ?? dd.gpuMemoryUtilization,
      enablePrefixCaching: d.vllm?.enable_prefix_caching ?? rv?.enablePrefixCaching ?? dd.enablePrefixCaching,
      extraArgs: [...(rv?.extraArgs ?? []), ...(d.vllm?.extra_args ?? [])],
    }),
    replicas: replicaBounds(d.replicas),
    cpuRequestMillis: d.cpu_request !== undefined ? cpuMillis(d.cpu_request) : dd.cpuRequestMillis,
    // Latencies are what a replica takes to answer: time_scale leaves them alone.
    simulator: defined({
      ttftMs: ms(sim.ttft),
      ttftStdevMs: ms(sim.ttft_stdev) ?? defaults.simulator.ttftStdevMs,
      itlMs: ms(sim.itl),
      itlStdevMs: ms(sim.itl_stdev) ?? defaults.simulator.itlStdevMs,
      timeFactorUnderLoad: sim.time_factor_under_load,
      startupMs: scale(ms(sim.startup) ?? defaults.simulator.startupMs),
      failureRate: sim.failure_rate ?? defaults.simulator.failureRate,
      maxWaiting: sim.max_waiting,
      command: sim.command,
    }),
  });
}

function rules(r: NonNullable<BehaviorInput['scale_up']> | undefined, scale: Scale): ResolvedScalingRules | undefined {
  if (!r) return undefined;
  const window = ms(r.stabilization_window);
  return defined({
    stabilizationWindowMs: window === undefined ? undefined : scale(window),
    selectPolicy: r.select_policy,
    policies: r.policies?.map((p) => ({ type: p.type, value: p.value, periodMs: scale(ms(p.period)) })),
  });
}

function behavior(b: BehaviorInput | undefined, scale: Scale): ResolvedBehavior | undefined {
  return b && defined({ scaleUp: rules(b.scale_up, scale), scaleDown: rules(b.scale_down, scale) });
}

function autoscaler(a: AutoscalerInput, scale: Scale): ResolvedAutoscaler {
  if (a.kind === 'fixed') return { kind: 'fixed', name: a.name };
  const common = defined({
    name: a.name,
    syncPeriodMs: scale(ms(a.sync_period) ?? defaults.hpa.syncPeriodMs),
    tolerance: a.tolerance ?? defaults.hpa.tolerance,
    behavior: behavior(a.behavior, scale),
  });
  switch (a.kind) {
    case 'hpa-cpu':
      return { ...common, kind: a.kind, targetUtilization: a.target_utilization };
    case 'hpa-custom':
      return defined({ ...common, kind: a.kind, metric: a.metric, target: a.target, query: a.query });
    case 'keda':
      return defined({
        ...common,
        kind: a.kind,
        query: a.query,
        threshold: a.threshold,
        activationThreshold: a.activation_threshold ?? defaults.keda.activationThreshold,
        pollingIntervalMs: scale(ms(a.polling_interval) ?? defaults.keda.pollingIntervalMs),
        cooldownPeriodMs: scale(ms(a.cooldown_period) ?? defaults.keda.cooldownPeriodMs),
        minReplicas: a.min_replicas ?? defaults.keda.minReplicas,
        idleReplicas: a.idle_replicas,
        fallback: a.fallback && { failureThreshold: a.fallback.failure_threshold, replicas: a.fallback.replicas },
      });
  }
}

function load(l: LoadInput, scale: Scale, timeScale: number, source: string): ResolvedLoad {
  const dl = defaults.load;
  const durationMs = scale(ms(l.duration));
  const settleText = l.settle ?? dl.settle;
  const common = defined({
    levels: l.shape === 'arrival-rate' ? l.rates : l.shape === 'trace' ? (l.levels ?? [1]) : (l.users ?? []),
    durationMs,
    warmupMs: scale(ms(l.warmup) ?? dl.warmupMs),
    settle:
      settleText === 'until-idle'
        ? { kind: 'until-idle' as const, timeoutMs: scale(dl.settleTimeoutMs), estimateMs: Math.min(scale(dl.settleTimeoutMs), scale(dl.untilIdleEstimateMs)) }
        : { kind: 'fixed' as const, ms: scale(ms(settleText)) },
    maxRequests: l.max_requests,
  });
  switch (l.shape) {
    case 'constant':
    case 'ramp':
      return { ...common, shape: l.shape };
    case 'step':
      return { ...common, shape: l.shape, low: l.low ?? dl.stepLow };
    case 'spike': {
      const spike = ms(l.spike);
      const spikeMs = spike === undefined ? Math.round(durationMs * dl.spikeFraction) : scale(spike);
      return { ...common, shape: l.shape, low: l.low ?? dl.stepLow, spikeMs };
    }
    case 'arrival-rate':
      return defined({ ...common, shape: l.shape, maxVus: l.max_vus ?? dl.maxVus, arrival: l.arrival && arrivalProcess(l.arrival, scale) });
    case 'trace':
      return defined({
        ...common,
        shape: l.shape,
        trace: isAbsolute(l.trace) || !source ? l.trace : join(dirname(source), l.trace),
        format: l.format,
        fromMs: ms(l.from) ?? 0,
        // A shorter cell (time_scale) plays the same stretch of trace faster.
        speed: (l.speedup ?? 1) / timeScale,
        maxVus: l.max_vus ?? dl.maxVus,
      });
  }
}

function arrivalProcess(a: NonNullable<Extract<LoadInput, { shape: 'arrival-rate' }>['arrival']>, scale: Scale): ArrivalProcess {
  switch (a.process) {
    case 'uniform':
    case 'poisson':
      return { process: a.process };
    case 'gamma':
      return { process: a.process, cv: a.cv };
    case 'on-off':
      return { process: a.process, onMs: scale(ms(a.on)), offMs: scale(ms(a.off)) };
    case 'diurnal':
      return { process: a.process, periodMs: scale(ms(a.period)), amplitude: a.amplitude };
  }
}

/** A named profile with the matrix's overrides laid over it, member by member. */
export function tokenDistribution(base: TokenDistribution, over: Partial<TokenDistribution> | undefined): TokenDistribution {
  return { ...base, ...defined(over ?? {}) };
}

function target(t: MatrixInput['target']): ResolvedTarget {
  if (!t || t.kind === 'local') {
    // Measurement resolution, not dynamics: the time scale leaves it alone.
    return { kind: 'local', scrapeIntervalMs: ms(t?.scrape_interval) ?? defaults.target.scrapeIntervalMs };
  }
  const load =
    t.load &&
    defined({
      runner: t.load.runner ?? 'local',
      parallelism: t.load.parallelism ?? 1,
      image: t.load.image,
      resources: t.load.resources,
      nodeSelector: t.load.node_selector,
    });
  return defined({
    kind: t.kind,
    context: t.context,
    namespace: t.namespace,
    url: t.url,
    prometheusUrl: t.prometheus_url,
    serving: t.serving,
    createNamespace: t.create_namespace,
    load,
  });
}

/** The controllers' flags no matrix field sets, time-scaled. */
function controllers(scale: Scale): ResolvedControllers {
  const c = defaults.controllers;
  return {
    downscaleStabilizationWindowMs: scale(c.downscaleStabilizationWindowMs),
    cpuInitializationPeriodMs: scale(c.cpuInitializationPeriodMs),
    initialReadinessDelayMs: scale(c.initialReadinessDelayMs),
    cpuWindowMs: Math.max(c.minCpuWindowMs, scale(c.metricResolutionMs)),
  };
}

/**
 * MatrixInput → ResolvedMatrix: every default from defaults.ts, durations in
 * ms, time_scale applied once, here, to every period, window and duration,
 * the controllers' own flags included (not to latencies, SLOs, or the sample
 * and scrape intervals, which are measurement resolution), then the checks
 * zod cannot make (checks.ts). Pure: the catalog (models, GPUs, recipes) is
 * given, read once by the caller (src/catalog/catalog.ts).
 */
export function resolveMatrix(input: MatrixInput, source: string, catalog: Catalog): ResolveResult {
  const timeScale = input.time_scale ?? defaults.timeScale;
  const scale = scaler(timeScale);
  const profile = input.workload?.profile ?? defaults.workload.profile;
  const workload: ResolvedWorkload = {
    profile,
    prompt: tokenDistribution(profiles[profile].prompt, input.workload?.prompt_tokens),
    output: tokenDistribution(profiles[profile].output, input.workload?.output_tokens),
    seed: input.workload?.seed ?? defaults.workload.seed,
  };
  const conv = input.workload?.conversation;
  if (conv) workload.conversation = { turns: conv.turns, thinkTimeMs: scale(ms(conv.think_time) ?? 0), systemPromptTokens: conv.system_prompt_tokens ?? 0 };
  const body: Omit<ResolvedMatrix, 'hash' | 'source'> = defined({
    name: input.name,
    description: input.description,
    target: target(input.target),
    slo: resolveSlo(input.slo),
    workload,
    deployments: input.deployments.map((d) => deployment(catalog, d, scale)),
    autoscalers: (input.autoscalers ?? defaults.autoscalers).map((a) => autoscaler(a, scale)),
    load: load(input.load, scale, timeScale, source),
    repeats: input.repeats ?? defaults.repeats,
    sampleIntervalMs: ms(input.sample_interval) ?? defaults.sampleIntervalMs,
    timeScale,
    controllers: controllers(scale),
  });
  const issues = checkMatrix(catalog, input, body);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, matrix: { ...body, hash: contentHash(body), source } };
}
