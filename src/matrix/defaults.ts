/**
 * Every default of the matrix, in one place. Durations in milliseconds.
 * Upstream defaults are cited where they come from a controller.
 */
export const defaults = {
  target: { kind: 'local' as const, scrapeIntervalMs: 1000 },
  workload: { profile: 'chatbot' as const, seed: 1 },
  deployment: {
    gpuCount: 1,
    /** vLLM's default for max_num_seqs in recent releases. */
    maxNumSeqs: 256,
    maxModelLen: 4096,
    gpuMemoryUtilization: 0.9,
    enablePrefixCaching: true,
    replicas: { start: 1, min: 1, max: 4 },
    /** Declared CPU request of a replica, for hpa-cpu utilisation. */
    cpuRequestMillis: 1000,
  },
  simulator: { ttftStdevMs: 0, itlStdevMs: 0, startupMs: 0, failureRate: 0 },
  autoscalers: [{ name: 'fixed', kind: 'fixed' as const }],
  hpa: {
    /** kube-controller-manager --horizontal-pod-autoscaler-sync-period. */
    syncPeriodMs: 15_000,
    /** --horizontal-pod-autoscaler-tolerance. */
    tolerance: 0.1,
  },
  /**
   * The controllers' own flags, which no matrix field sets; resolve scales
   * them by time_scale into ResolvedMatrix.controllers.
   */
  controllers: {
    /** kube-controller-manager --horizontal-pod-autoscaler-downscale-stabilization (5m). */
    downscaleStabilizationWindowMs: 300_000,
    /** --horizontal-pod-autoscaler-cpu-initialization-period (5m). */
    cpuInitializationPeriodMs: 300_000,
    /** --horizontal-pod-autoscaler-initial-readiness-delay (30s). */
    initialReadinessDelayMs: 30_000,
    /** metrics-server --metric-resolution (15s): the window CPU usage is averaged over. */
    metricResolutionMs: 15_000,
    /** The shortest CPU window, time scale or not: /proc counts CPU time in 10 ms ticks. */
    minCpuWindowMs: 2000,
  },
  keda: {
    /** ScaledObject spec.pollingInterval (30 s) and spec.cooldownPeriod (300 s). */
    pollingIntervalMs: 30_000,
    cooldownPeriodMs: 300_000,
    minReplicas: 0,
    activationThreshold: 0,
  },
  load: {
    warmupMs: 0,
    /** What happens after the main phase when the matrix gives no settle. */
    settle: 'until-idle' as const,
    /** Settle "until-idle" waits at most this long for running and waiting requests to reach 0. */
    settleTimeoutMs: 120_000,
    /** Settle "until-idle": in-flight requests usually drain within this long (an estimate for `plan`, at most the timeout). */
    untilIdleEstimateMs: 15_000,
    stepLow: 0.25,
    spikeFraction: 0.2,
    /** arrival-rate: k6 maxVUs, the most requests in flight at once. */
    maxVus: 1000,
  },
  repeats: 1,
  sampleIntervalMs: 5000,
  timeScale: 1,
} as const;
