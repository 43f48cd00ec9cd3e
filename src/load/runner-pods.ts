import { z } from 'zod';

/** How far apart the runner pods started and how far their wall clocks stepped (src/load/pod-points.ts runnerSkew). */
export const runnerSkewSchema = z.object({ startSpreadMs: z.number(), clockStepMaxMs: z.number() });
export type RunnerSkew = z.infer<typeof runnerSkewSchema>;

/** One runner pod of a load run in the cluster (src/targets/kubernetes/job-runner.ts). */
export const runnerPodSchema = z.object({
  index: z.number(),
  name: z.string(),
  /** Points read from its log (main phase: mainRequests). */
  requests: z.number(),
  mainRequests: z.number(),
  errors: z.number(),
  phase: z.string(),
  /** Why it failed (its status reason, or its container's termination). */
  reason: z.string().optional(),
  /** It wrote its end line: nothing of it is missing. */
  ended: z.boolean(),
  scenarioStartMs: z.number().optional(),
  /** Its scenario's start less the barrier's instant, ms (its wall clock). */
  startLagMs: z.number().optional(),
  clockStepMs: z.number(),
  droppedIterations: z.number().optional(),
  /** The image its container ran, as the kubelet resolved it (status.containerStatuses[].imageID). */
  imageID: z.string().optional(),
});
export type RunnerPod = z.infer<typeof runnerPodSchema>;

/** The load's pods: result.json's `runnerPods`. */
export const runnerPodsSchema = z.object({
  job: z.string(),
  parallelism: z.number(),
  image: z.string(),
  /** The barrier: every pod starts its scenario at this instant, ms since the epoch. */
  startAtMs: z.number(),
  pods: z.array(runnerPodSchema),
  skew: runnerSkewSchema,
});
export type RunnerPods = z.infer<typeof runnerPodsSchema>;
