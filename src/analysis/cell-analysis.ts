import type { Cell } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import type { CellEntry, CellStatus } from '../results/run-dir.js';
import { loadSteps, replicaSeconds, summarizeScaling, type ScalingSummary } from './scaling.js';
import { mainSamples, serverStats, type ServerStats } from './server.js';
import { recovery, type Recovery, type SloWindow } from './windows.js';
import type { RunEvent } from '../results/events.js';
import type { CellResult, ClientSummary, HarnessCpu, Validity } from '../results/cell-result.js';

/** stable: keeps up; backlogged: the waiting queue grows; overloaded: errors, or a rate it cannot reach. */
export type Saturation = 'stable' | 'backlogged' | 'overloaded';

/** Everything the reports show of one cell. */
export interface CellAnalysis {
  cell: Cell;
  status: CellStatus;
  reason?: string;
  client?: ClientSummary;
  server?: ServerStats;
  scaling?: ScalingSummary &
    Recovery & {
      /** Replica-seconds of the main phase alone (warm-up and settle left out). */
      mainReplicaSeconds: number;
    };
  saturation?: Saturation;
  /** Whether the cell measured what it was meant to (result.json); undefined for failed cells and older runs. */
  validity?: Validity;
  /** The load's runner pods when it ran in the cluster (result.json runnerPods). */
  runnerPods?: CellResult['runnerPods'];
  /** CPU of the load generator, the router and the machine during the load (result.json). */
  harnessCpu?: HarnessCpu;
  /** A scheduled load's schedule (trace or arrival process): requests and the lengths it asked for. */
  schedule?: NonNullable<CellResult['schedule']>;
  /**
   * Replica-seconds spent over those the best measured per-replica capacity in
   * the run would have needed for the same good requests, minus 1 (0: as
   * tight as the best cell; 0.5: half as much again). Set by the run analysis.
   */
  overProvisioning?: number;
}

/** One cell's inputs, read by the I/O shell; `client` and `windows` come from streaming its points. */
export interface CellInput {
  cell: Cell;
  entry: CellEntry;
  result?: CellResult;
  samples: readonly Sample[];
  events: readonly RunEvent[];
  client?: ClientSummary;
  /** Client-side windows over lagRange(), of windowMs each. */
  windows?: readonly SloWindow[];
  windowMs: number;
  /** Price of one GPU of the cell's type, USD per hour, when the catalog has it. */
  gpuUsdPerHour?: number;
}

/** When the cell's load started (ms since the epoch): result.json, else the first sample. */
export function loadStartOf(result: CellResult | undefined, samples: readonly Sample[]): number | undefined {
  if (result) return result.loadStart;
  const s = samples[0];
  return s ? s.t - s.elapsed_s * 1000 : undefined;
}

/** The span the scale-up lag is judged over: from the load stepping up to it going down, ms since the epoch. */
export function lagRange(cell: Cell, loadStartMs: number): { fromMs: number; toMs: number } {
  const steps = loadSteps(cell);
  return { fromMs: loadStartMs + steps.upMs, toMs: loadStartMs + steps.downMs };
}

/** Saturation of a cell from its client and server figures (see Saturation). */
export function saturationOf(cell: Cell, client: ClientSummary, server: ServerStats | undefined, maxReplicas: number): Saturation {
  if (client.errorRate >= 0.05) return 'overloaded';
  if (cell.load.shape === 'arrival-rate' && client.rps < 0.9 * cell.level) return 'overloaded';
  // A queue that grows by a request per replica or more over the main phase is not keeping up.
  if (server?.waitingGrowth !== undefined && server.waitingGrowth >= Math.max(1, maxReplicas)) return 'backlogged';
  return 'stable';
}

/** Analyses one cell (pure). A cell that has not run has its status and nothing else. */
export function analyzeCell(i: CellInput): CellAnalysis {
  const { cell } = i;
  const out: CellAnalysis = { cell, status: i.entry.status, ...(i.entry.reason ? { reason: i.entry.reason } : {}) };
  if (i.client) out.client = i.client;
  if (i.result?.validity) out.validity = i.result.validity;
  if (i.result?.harnessCpu) out.harnessCpu = i.result.harnessCpu;
  if (i.result?.schedule) out.schedule = i.result.schedule;
  if (i.result?.runnerPods) out.runnerPods = i.result.runnerPods;
  const loadStart = loadStartOf(i.result, i.samples);
  if (loadStart === undefined || i.samples.length === 0) return out;
  const main = mainSamples(i.samples, cell.load.warmupMs, cell.load.durationMs);
  out.server = serverStats(main, cell.load.durationMs, i.result?.phaseServer);

  const steps = loadSteps(cell);
  const mainFrom = loadStart + cell.load.warmupMs;
  out.scaling = {
    ...summarizeScaling(i.samples, i.events, {
      gpusPerReplica: cell.deployment.gpu.count,
      ...(i.gpuUsdPerHour !== undefined ? { usdPerGpuHour: i.gpuUsdPerHour } : {}),
      loadStart,
      riseAt: loadStart + steps.upMs,
      fallAt: loadStart + steps.downMs,
    }),
    ...recovery(i.windows ?? [], i.windowMs),
    mainReplicaSeconds: replicaSeconds(i.samples, mainFrom, mainFrom + cell.load.durationMs),
  };
  if (i.client) out.saturation = saturationOf(cell, i.client, out.server, out.scaling.replicasMax);
  return out;
}
