/**
 * The local target's own delays, which a matrix does not state: measured on
 * this machine's local runs (events.jsonl and result.json of
 * matrices/examples/tune-step.yaml) and kept here in one place. Every one
 * can be given again to `simulateCell` (calibration does).
 */
export interface SimTiming {
  /** Process start and the first passing health check (polled every 100 ms), on top of simulator.startup. @default 170 ms */
  readyOverheadMs: number;
  /** From the runner starting k6 to k6's scenario starting. @default 165 ms */
  k6StartMs: number;
  /** From k6's last answer to the process having exited. @default 100 ms */
  k6ExitMs: number;
  /** Router, connection and client time added to every answer (TTFT and E2E). @default 1 ms */
  clientOverheadMs: number;
  /** Between one closed-loop request's end and the same user's next request. @default 0.5 ms */
  iterationOverheadMs: number;
  /** What a request takes to fail when the router has no ready replica. @default 2 ms */
  noReplicaMs: number;
  /**
   * From an HPA sync's or KEDA poll's tick to its decision: the Prometheus
   * query (the tune-step runs' events: 3–7 ms between a sync's `time` and its
   * record). A sample taken on the same tick reads the replicas before it. @default 5 ms
   */
  queryMs: number;
  /** How long a drained replica may finish its streams (the local target's drainGraceMs). @default 30000 ms */
  drainGraceMs: number;
  /**
   * Prometheus's discovery manager sends target changes on a ticker of this
   * period, started with the process (Prometheus discovery/manager.go:
   * `updatert: 5 * time.Second`; its sender's select has a default, so a
   * change waits for the next tick). The scrape manager's reloader
   * (scrape/manager.go `reloader`, also 5 s) blocks on the trigger once its
   * own tick has passed, so it reloads at once; the new target's first
   * scrape is then the next scrape tick. A replica's series thus reach the
   * HPA between 0 and 5 s (+ a scrape interval + a sync) after its start,
   * depending on where its start falls between two ticks. Not time-scaled:
   * Prometheus's own clock. @default 5000 ms
   */
  discoveryTickMs: number;
  /**
   * When Prometheus's discovery ticker started, ms since the epoch: its ticks
   * fall at this + k × discoveryTickMs. The local target starts Prometheus
   * once per run, just before the first cell's replicas (measured: 100 ms
   * before; the ticker starts with the process). Unset: `startMs` of the
   * first cell − 100 ms. Calibration gives the measured run's own.
   */
  prometheusStartMs?: number;
  /**
   * CPU of a simulator replica for hpa-cpu, in millicores, from the output
   * tokens per second it streams over the metrics window r:
   * min(cpuMillisPerTokenPerSLow × r, cpuBaseMillis + cpuMillisPerTokenPerS × r).
   * Fitted on the spike example's measured runs (llm-d-inference-sim v0.10.2,
   * the tiny workload's 16-token answers, 1000m requested): 4 % at 210 tokens/s,
   * 6–7 % at 650, 12–13 % at 1750, 0 idle. Another workload's CPU per token
   * (longer prompts, other lengths) is not measured.
   * @default 28, 0.055, 0.19
   */
  cpuBaseMillis: number;
  cpuMillisPerTokenPerS: number;
  cpuMillisPerTokenPerSLow: number;
}

export const simTimingDefaults: SimTiming = {
  readyOverheadMs: 170,
  k6StartMs: 165,
  k6ExitMs: 100,
  clientOverheadMs: 1,
  iterationOverheadMs: 0.5,
  noReplicaMs: 2,
  queryMs: 5,
  drainGraceMs: 30_000,
  discoveryTickMs: 5000,
  cpuBaseMillis: 28,
  cpuMillisPerTokenPerS: 0.055,
  cpuMillisPerTokenPerSLow: 0.19,
};
