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
   * CPU of a simulator replica for hpa-cpu: idle millicores, and millicores per
   * output token per second. Not calibrated: an hpa-cpu simulation is a sketch.
   * @default 5, 0.5
   */
  cpuIdleMillis: number;
  cpuMillisPerTokenPerS: number;
}

export const simTimingDefaults: SimTiming = {
  readyOverheadMs: 170,
  k6StartMs: 165,
  k6ExitMs: 100,
  clientOverheadMs: 1,
  iterationOverheadMs: 0.5,
  noReplicaMs: 2,
  drainGraceMs: 30_000,
  discoveryTickMs: 5000,
  cpuIdleMillis: 5,
  cpuMillisPerTokenPerS: 0.5,
};
