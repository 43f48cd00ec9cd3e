import type { ProfileName } from '../load/profiles.js';
import type { ArrivalProcess, LengthDistribution } from '../load/arrivals.js';
import type { TraceFormat } from '../load/trace.js';
import type { Objective } from '../vocabulary/metrics.js';

/**
 * The resolved matrix: every default applied (defaults.ts), every duration in
 * milliseconds, the time scale already applied to periods and durations.
 * Only these types travel past src/matrix.
 */
export interface ResolvedMatrix {
  name: string;
  description?: string;
  /** sha256 of the canonical JSON of this object (without hash and source). */
  hash: string;
  /** Where it was read from, for messages and run.json. */
  source: string;
  target: ResolvedTarget;
  slo: ResolvedSlo;
  workload: ResolvedWorkload;
  deployments: ResolvedDeployment[];
  autoscalers: ResolvedAutoscaler[];
  load: ResolvedLoad;
  repeats: number;
  sampleIntervalMs: number;
  /** 1 = real time; 0.1 = every period and duration ten times shorter. */
  timeScale: number;
  controllers: ResolvedControllers;
}

/**
 * The autoscaling controllers' own settings, which no matrix field sets
 * (defaults.controllers), already time-scaled: the autoscaler loops of the
 * local target and of the simulation use them as they are.
 */
export interface ResolvedControllers {
  /** --horizontal-pod-autoscaler-downscale-stabilization, ms (a behavior's scale_down window overrides it). */
  downscaleStabilizationWindowMs: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period, ms. */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay, ms. */
  initialReadinessDelayMs: number;
  /** CPU usage is averaged over this window (metrics-server's resolution), ms; at least 2000. */
  cpuWindowMs: number;
}

export type ResolvedTarget =
  | { kind: 'local'; scrapeIntervalMs: number }
  | {
      kind: 'kubernetes';
      context?: string;
      namespace: string;
      url?: string;
      prometheusUrl?: string;
      serving?: 'deployment' | 'kserve' | 'kserve-hf';
      createNamespace?: boolean;
      /** Where the load runs; absent: where scalebench runs. */
      load?: ResolvedLoadRunner;
    };

/** target.load of the kubernetes target. */
export interface ResolvedLoadRunner {
  runner: 'local' | 'job';
  /** Runner pods of a job. */
  parallelism: number;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  nodeSelector?: Record<string, string>;
}

/** Client-side p95 objectives in ms, by their names in the metric table; an absent one is not checked. */
export type ResolvedSlo = Partial<Record<Objective, number>>;

export interface ResolvedWorkload {
  profile: ProfileName;
  prompt: LengthDistribution;
  output: LengthDistribution;
  /** Sessions of several turns with a growing history (closed-loop loads). */
  conversation?: { turns: number; thinkTimeMs: number; systemPromptTokens: number };
  seed: number;
}

export interface ResolvedSimulator {
  /** Explicit latencies override the roofline-derived ones. */
  ttftMs?: number;
  ttftStdevMs: number;
  itlMs?: number;
  itlStdevMs: number;
  timeFactorUnderLoad?: number;
  /** Model-load time before the replica reports ready (time-scaled). */
  startupMs: number;
  failureRate: number;
  maxWaiting?: number;
  /** Replaces the simulator: argv of any OpenAI-compatible server ({port} and {model} substituted). */
  command?: string[];
}

/** How a replica shares its GPU (the matrix's gpu.sharing, or a recipe's MIG profile); absent: whole GPUs. */
export type GpuSharing =
  | { mode: 'mig'; profile: string }
  | { mode: 'time-slice'; replicas: number }
  | { mode: 'partition'; compute: 'SPX' | 'CPX'; memory: 'NPS1' | 'NPS4' };

export interface ResolvedDeployment {
  name: string;
  model: string;
  recipe?: string;
  gpu: { type: string; count: number; sharing?: GpuSharing };
  vllm: {
    maxNumSeqs: number;
    maxModelLen: number;
    maxNumBatchedTokens?: number;
    gpuMemoryUtilization: number;
    enablePrefixCaching: boolean;
    extraArgs: string[];
  };
  replicas: { start: number; min: number; max: number };
  cpuRequestMillis: number;
  simulator: ResolvedSimulator;
}

export interface ResolvedPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodMs: number;
}
export interface ResolvedScalingRules {
  stabilizationWindowMs?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ResolvedPolicy[];
}
/** HPA spec.behavior; absent means the legacy (behavior == nil) path. */
export interface ResolvedBehavior {
  scaleUp?: ResolvedScalingRules;
  scaleDown?: ResolvedScalingRules;
}

interface HpaCommon {
  name: string;
  syncPeriodMs: number;
  tolerance: number;
  behavior?: ResolvedBehavior;
}

export type ResolvedAutoscaler =
  | { kind: 'fixed'; name: string }
  | (HpaCommon & { kind: 'hpa-cpu'; targetUtilization: number })
  | (HpaCommon & { kind: 'hpa-custom'; metric: string; target: number; query?: string })
  | (HpaCommon & {
      kind: 'keda';
      query: string;
      threshold: number;
      activationThreshold: number;
      pollingIntervalMs: number;
      cooldownPeriodMs: number;
      minReplicas: number;
      idleReplicas?: number;
      fallback?: { failureThreshold: number; replicas: number };
    });
export type AutoscalerKind = ResolvedAutoscaler['kind'];

/** until-idle: wait at most timeoutMs; estimateMs is what `plan` counts (both time-scaled). */
export type ResolvedSettle = { kind: 'fixed'; ms: number } | { kind: 'until-idle'; timeoutMs: number; estimateMs: number };

interface LoadCommon {
  /** One cell per level: users, or requests/s for arrival-rate. */
  levels: number[];
  durationMs: number;
  warmupMs: number;
  settle: ResolvedSettle;
  /** Request budget per cell; loops stop sending past it. */
  maxRequests?: number;
}

export type ResolvedLoad =
  | (LoadCommon & { shape: 'constant' })
  | (LoadCommon & { shape: 'step'; low: number })
  | (LoadCommon & { shape: 'spike'; low: number; spikeMs: number })
  | (LoadCommon & { shape: 'ramp' })
  | (LoadCommon & { shape: 'arrival-rate'; maxVus: number; arrival?: ArrivalProcess })
  | (LoadCommon & {
      shape: 'trace';
      /** The trace file (absolute, or relative to where scalebench runs). */
      trace: string;
      format?: TraceFormat;
      /** Where in the trace the cell starts, trace ms. */
      fromMs: number;
      /** Trace ms played per cell ms at level 1 (speedup ÷ time_scale); a level multiplies it. */
      speed: number;
      maxVus: number;
    });
export type LoadShape = ResolvedLoad['shape'];

/** One unit of work: a deployment × autoscaler × load level × repeat. */
export interface Cell {
  /** Stable id derived from the cell's resolved content (not from formatting). */
  id: string;
  index: number;
  deployment: ResolvedDeployment;
  autoscaler: ResolvedAutoscaler;
  load: ResolvedLoad;
  /** Users (or requests/s for arrival-rate) at this cell's level. */
  level: number;
  /** 1-based. */
  repeat: number;
}
