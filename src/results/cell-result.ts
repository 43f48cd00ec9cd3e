import { z } from 'zod';
import { runnerPodsSchema } from '../load/runner-pods.js';
import { ERROR_SOURCES } from './points.js';

/**
 * result.json of a cell, written once when the cell has ended, and the
 * summaries it holds. The schemas are the types: the runner and the
 * simulator write these, the analysis, report, search, tune and calibration
 * read them back through cellResultSchema (readCellResult).
 */

const optional = z.number().optional();

/** Count, mean and quantiles of a set of values (absent when empty). */
export const distributionSchema = z.object({ count: z.number(), mean: optional, p50: optional, p90: optional, p95: optional, p99: optional, max: optional });
export type Distribution = z.infer<typeof distributionSchema>;

export const sloResultSchema = z.object({
  /** Share of requests meeting every SLO (failed requests meet none). Undefined without SLOs or requests. */
  attainment: optional,
  /** Requests per second meeting every SLO. */
  goodputRps: optional,
  /** p95 of each metric against its objective; absent objectives are not listed. */
  pass: z.object({ ttft: z.boolean().optional(), tpot: z.boolean().optional(), e2e: z.boolean().optional() }),
});
export type SloResult = z.infer<typeof sloResultSchema>;

/** Client-side results of one cell, exact from the raw points of its main phase. */
export const clientSummarySchema = z.object({
  requests: z.number(),
  errors: z.number(),
  errorRate: z.number(),
  /** Errors by message, most frequent first (at most 10). */
  errorKinds: z.array(z.object({ message: z.string(), count: z.number() })),
  /** Errors by source (ERROR_SOURCES; "unknown" for points that do not say). */
  errorSources: z.partialRecord(z.enum([...ERROR_SOURCES, 'unknown']), z.number()),
  rps: z.number(),
  outputTokensPerS: z.number(),
  ttftMs: distributionSchema,
  /** Time to the first content token: differs from TTFT for reasoning models. */
  ttfcMs: distributionSchema,
  tpotMs: distributionSchema,
  itlMs: distributionSchema,
  e2eMs: distributionSchema,
  /**
   * Open-loop loads: how late requests were sent after they were due, and
   * latency counted from when they were due (what a user arriving on schedule
   * would have waited); undefined for closed-loop loads.
   */
  scheduled: z.object({ lateMs: distributionSchema, ttftMs: distributionSchema, e2eMs: distributionSchema }).optional(),
  promptTokensMean: optional,
  /** Sample standard deviation of the prompt tokens reported per request. */
  promptTokensStdev: optional,
  outputTokensMean: optional,
  outputTokensStdev: optional,
  /** Share of prompt tokens the server served from its prefix cache, over the requests that report it. */
  cachedTokenShare: optional,
  slo: sloResultSchema,
});
export type ClientSummary = z.infer<typeof clientSummarySchema>;

/** A quantile of one phase, from the histogram's increase over the phase, ms; with the bucket [lo, hi] that bounds it (hi null: +Inf). */
export const phaseQuantileSchema = z.object({ ms: z.number(), bucketMs: z.tuple([z.number(), z.number().nullable()]) });
export type PhaseQuantile = z.infer<typeof phaseQuantileSchema>;
export const phaseQuantilesSchema = z.object({ p50: phaseQuantileSchema.optional(), p95: phaseQuantileSchema.optional(), p99: phaseQuantileSchema.optional() });
export type PhaseQuantiles = z.infer<typeof phaseQuantilesSchema>;

/**
 * Server-side figures of a cell's main phase, each from one query over the
 * whole phase (not a statistic of short windows): quantiles from the
 * increase of each vLLM histogram, and how many observations it holds.
 */
export const phaseServerSchema = z.object({
  /** The span the increase was taken over, ms since the epoch. */
  fromMs: z.number(),
  toMs: z.number(),
  ttft: phaseQuantilesSchema,
  tpot: phaseQuantilesSchema,
  e2e: phaseQuantilesSchema,
  /** Time requests waited in the server's queue before being scheduled (vllm:request_queue_time_seconds). */
  queue: phaseQuantilesSchema,
  /** Observations of the TTFT histogram over the span: requests that reached their first token. */
  requests: optional,
});
export type PhaseServer = z.infer<typeof phaseServerSchema>;

/** CPU used, % of one core: mean over the monitored span and the highest 1 s (or sampling period) value. */
export const cpuUseSchema = z.object({ meanPct: z.number(), maxPct: z.number() });
export type CpuUse = z.infer<typeof cpuUseSchema>;

/** What the load generator, the router, the runner and the machine used while a cell's load ran. */
export const harnessCpuSchema = z.object({
  cores: z.number(),
  /** Per monitored process (k6, router, runner), % of one core. */
  processes: z.record(z.string(), cpuUseSchema),
  /** The whole machine, % of all its cores busy. */
  machineBusyPct: cpuUseSchema,
});
export type HarnessCpu = z.infer<typeof harnessCpuSchema>;

export const validityFiguresSchema = z.object({
  /** Closed loop: the client's mean requests in flight over the main phase, and the users offered (time-averaged). */
  inFlightMean: optional,
  offeredMean: optional,
  /** The client's most requests in flight at once, over the whole load; and the most it may have (users, or max_vus for arrival rates). */
  inFlightMax: optional,
  inFlightAllowed: optional,
  /** Open loop: requests/s sent in the main phase and offered. */
  achievedRps: optional,
  offeredRps: optional,
  droppedIterations: optional,
  /** A scheduled load: main-phase requests of the schedule never sent (every VU busy until the load ended). */
  unsent: optional,
  /** Open loop: how late requests were sent after they were due, p95 and p99, ms. */
  lateMsP95: optional,
  lateMsP99: optional,
  /** Main-phase errors the harness made (see harnessSources). */
  harnessErrors: z.number(),
  samples: z.number(),
  sampleGaps: z.number(),
  expectedSamples: z.number(),
});
export type ValidityFigures = z.infer<typeof validityFiguresSchema>;

export const validitySchema = z.object({
  verdict: z.enum(['valid', 'warn', 'invalid']),
  /** Why, one sentence each, the worst first; empty when valid. */
  reasons: z.array(z.string()),
  /** The figures the verdict was judged on. */
  figures: validityFiguresSchema,
});
export type Validity = z.infer<typeof validitySchema>;
export type ValidityVerdict = Validity['verdict'];

/** A scheduled load (a trace, an arrival process): what its schedule held (schedule.jsonl), and the VUs that replayed it. */
export const scheduleSummarySchema = z.object({
  /** Requests in the schedule, and those due in the main phase. */
  requests: z.number(),
  mainRequests: z.number(),
  /** The most requests due in any one second. */
  peakPerSecond: z.number(),
  /** Mean lengths requested. */
  promptMean: z.number(),
  outputMean: z.number(),
  vus: z.number(),
});
export type ScheduleSummary = z.infer<typeof scheduleSummarySchema>;

export const cellResultSchema = z.object({
  id: z.string(),
  status: z.enum(['done', 'failed']),
  reason: z.string().optional(),
  loadStart: z.number(),
  loadEnd: z.number(),
  k6ExitCode: z.number().nullable(),
  client: clientSummarySchema,
  replicas: z.object({ max: z.number(), mean: z.number(), final: z.number() }),
  samples: z.number(),
  sampleGaps: z.number(),
  /** Set when the caller ended the load early (search: a level clearly failing); the cell is otherwise complete. */
  stoppedEarly: z.string().optional(),
  /** When k6's scenario (warm-up, then main phase) started, ms since the epoch; the main phase starts warmupMs later. */
  scenarioStartMs: optional,
  /** Open-loop iterations k6 dropped for want of a free VU. */
  droppedIterations: optional,
  schedule: scheduleSummarySchema.optional(),
  /** The client's requests in flight: mean over the main phase, most at once over the load. */
  inFlight: z.object({ mean: z.number(), max: z.number() }).optional(),
  harnessCpu: harnessCpuSchema.optional(),
  phaseServer: phaseServerSchema.optional(),
  validity: validitySchema.optional(),
  /**
   * Every load change's scale-up or scale-down, stage by stage, for people
   * reading the file (src/analysis/anatomy.ts CellAnatomy); the report
   * computes it again from the points, so nothing reads it back.
   */
  anatomy: z.unknown().optional(),
  /** A simulated cell (src/simulate): what the simulation adds. */
  simulated: z.record(z.string(), z.unknown()).optional(),
  /** The load's pods when it ran in the cluster (target.load.runner: job): requests per pod, failures, clock skew. */
  runnerPods: runnerPodsSchema.optional(),
});
export type CellResult = z.infer<typeof cellResultSchema>;
