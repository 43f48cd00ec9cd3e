import type { ErrorSource } from '../results/points.js';
import type { DecisionEvent, ReplicaEvent } from '../results/events.js';
import type { ReplicaCounts } from '../results/samples.js';
import type { Cell, ResolvedAutoscaler, ResolvedControllers, ResolvedDeployment, ResolvedWorkload } from '../matrix/types.js';
import type { K6Result, RunK6Options } from '../load/k6-process.js';

export interface DeployOptions {
  cell: Cell;
  workload: ResolvedWorkload;
  /** The cell's directory: logs and manifests go under it. */
  dir: string;
  onEvent: (e: ReplicaEvent) => void;
}

/** A running autoscaler of the current cell. */
export interface AutoscalerHandle {
  /** The metric values it last saw, by metric name (null: no value). */
  seen(): Record<string, number | null>;
  stop(): Promise<void>;
}

/**
 * Where cells run. The runner, sampler, analysis and reports see only this:
 * whatever differs between targets is asked of the target (its scrape
 * interval, how long its replicas may take to be ready, which errors are the
 * harness's own), never decided on its kind.
 */
export interface Target {
  /** For records and messages only: nothing branches on it. */
  readonly kind: 'local' | 'kubernetes';
  /** Base URL of the Prometheus the sampler queries. */
  readonly prometheusUrl: string;
  /** How often that Prometheus scrapes the serving pods, ms: the sampler's rate window and the wait for the last scrape after the load. */
  readonly scrapeIntervalMs: number;
  /** How long a cell's first replicas of `d` may take to be ready, ms. */
  readyTimeoutMs(d: ResolvedDeployment): number;
  /** Failed requests of these sources are the harness's doing on this target, not the system's (validity counts them apart). */
  readonly harnessErrorSources: readonly ErrorSource[];
  /** PromQL label matchers selecting the current cell's pods, e.g. `namespace="x",pod=~"a-.*"`. */
  selector(): string;
  /** Deploys the cell's serving replicas at their starting count. */
  deploy(opts: DeployOptions): Promise<void>;
  /**
   * Resolves when `desired` replicas are ready; throws after timeoutMs. When
   * `signal` aborts (Ctrl-C), rejects with its reason at once: the runner
   * ends the cell there and starts no load.
   */
  waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Base URL the load generator sends to (OpenAI API under /v1). */
  endpoint(): string;
  /** The served model name to put in requests. */
  model(): string;
  counts(): ReplicaCounts;
  /**
   * Mean CPU utilisation of the live replicas since the previous call, in % of
   * their declared CPU request; undefined where the target cannot tell.
   */
  cpuUtilization?(): number | undefined;
  /** Processes of the harness on this machine that carry the load (the local router), by name: their CPU is watched while a cell runs. */
  harnessPids?(): Record<string, number>;
  /** Requests in flight through the target's entry point, where it knows (local router). */
  inFlight(): Promise<number | undefined>;
  /**
   * Starts the cell's autoscaler (on the local target, an emulation of the HPA
   * controller or KEDA; `fixed` starts nothing). Every decision goes to onDecision.
   */
  startAutoscaler(a: ResolvedAutoscaler, o: { controllers: ResolvedControllers; onDecision: (record: DecisionEvent) => void }): AutoscalerHandle | undefined;
  /** Sets the desired replica count (the autoscalers' actuator). */
  scale(desired: number, reason: string): void;
  /**
   * Runs the cell's load where the target generates it (the kubernetes
   * target's runner: job); absent, k6 runs on this machine (runK6).
   */
  runLoad?(o: RunK6Options): Promise<K6Result>;
  /** Removes everything the cell deployed. */
  teardown(): Promise<void>;
  /** Stops what the run started (Prometheus, router). */
  close(): Promise<void>;
}
