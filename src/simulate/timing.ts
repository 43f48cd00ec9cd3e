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
   * From a replica's start to Prometheus scraping it: file_sd, then the
   * discovery and scrape managers, which apply changes on 5 s tickers
   * (Prometheus discovery/manager.go updatert, scrape/manager.go reloader).
   * On the reference run the first series of a new pod reached the HPA 2.2–5.8 s
   * after its start; a constant stands for that spread. Not time-scaled:
   * Prometheus's own clock. @default 4000 ms
   */
  discoveryMs: number;
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
  discoveryMs: 4000,
  cpuIdleMillis: 5,
  cpuMillisPerTokenPerS: 0.5,
};
