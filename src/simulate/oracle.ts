import { capacityOf } from '../analysis/capacity.js';
import { round } from '../analysis/stats.js';
import { offeredAt } from '../load/k6-options.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import { deploymentParams } from '../recommend/candidates.js';
import { capacityAtSlo, type CapacityEstimate } from '../recommend/capacity-model.js';
import type { Profile } from '../recommend/profiles.js';
import { profileConfig } from '../tune/observe.js';
import { openArrivals } from './load.js';
import type { Catalog } from '../catalog/catalog.js';
import { hasObjectives } from '../vocabulary/metrics.js';

/**
 * The oracle: the fewest replica-seconds any schedule could have spent on a
 * cell's load while meeting the SLO, knowing the whole load in advance and
 * paying the start-up delay. Each replica holds `capacity` (users, or
 * requests/s for open loops) within the SLO; at every instant the schedule
 * needs ceil(load / capacity) ready replicas. Replica k is needed over some
 * intervals; between two of them it is kept when the gap is shorter than the
 * start-up (restarting would cost more), and every interval after the load's
 * start is paid from start-up to its end. The replicas in place when the
 * load starts are free of start-up (the cell starts from ready replicas too).
 * Only the main phase is counted, as the cells' replica-seconds are.
 */

export interface OracleInput {
  /** Replicas needed, per grid step (from the load's start, warm-up included). */
  needed: readonly number[];
  stepMs: number;
  startupMs: number;
  /** The main phase, ms from the load's start. */
  mainFromMs: number;
  mainToMs: number;
}

/** Replica-seconds of the best schedule for a needed-replicas series (pure). */
export function oracleReplicaSeconds(i: OracleInput): number {
  const max = i.needed.reduce((a, b) => Math.max(a, b), 0);
  const clip = (a: number, b: number): number => Math.max(0, Math.min(b, i.mainToMs) - Math.max(a, i.mainFromMs));
  let total = 0;
  for (let k = 1; k <= max; k++) {
    // Intervals where at least k replicas are needed, in ms.
    const spans: Array<[number, number]> = [];
    let open: number | undefined;
    for (let s = 0; s <= i.needed.length; s++) {
      const on = s < i.needed.length && i.needed[s]! >= k;
      if (on && open === undefined) open = s * i.stepMs;
      if (!on && open !== undefined) {
        spans.push([open, s * i.stepMs]);
        open = undefined;
      }
    }
    // Keep the replica across a gap shorter than the start-up.
    const merged: Array<[number, number]> = [];
    for (const sp of spans) {
      const last = merged[merged.length - 1];
      if (last && sp[0] - last[1] < i.startupMs) last[1] = sp[1];
      else merged.push([sp[0], sp[1]]);
    }
    for (const [a, b] of merged) total += clip(a === 0 ? 0 : a - i.startupMs, b);
  }
  return round(total / 1000, 3);
}

export interface Oracle {
  replicaSeconds: number;
  /** Per-replica capacity at the SLO and its unit. */
  capacity: number;
  unit: 'users' | 'requests/s';
  source: 'profile' | 'capacity-model';
  /** The most replicas the oracle needed, and whether that is more than the deployment's max. */
  peak: number;
  overMax: boolean;
}

/** Open loops: arrivals counted over windows of this length (a burst inside one is averaged). */
export const ORACLE_WINDOW_MS = 5000;
const CLOSED_STEP_MS = 100;

/** Per-replica capacity at the SLO: from a matching profile's curve, else the capacity model. */
function capacityFor(
  catalog: Catalog,
  cell: Cell,
  m: ResolvedMatrix,
  profiles: readonly Profile[],
  open: boolean,
  lengths?: { prompt: number; output: number },
): { capacity: number; source: Oracle['source'] } | undefined {
  const key = profileConfig(cell.deployment, m).key;
  const profile = profiles.find((p) => p.config.key === key && p.arrival === (open ? 'rate' : 'users'));
  if (profile) {
    const c = capacityOf(profile.curve, m.slo);
    if (c.kind === 'interval') return { capacity: c.estimate, source: 'profile' };
  }
  let est: CapacityEstimate;
  try {
    // An open load's own mean lengths (a trace's), not the workload profile's.
    const w = lengths
      ? { ...m.workload, prompt: { ...m.workload.prompt, mean: lengths.prompt }, output: { ...m.workload.output, mean: lengths.output } }
      : m.workload;
    est = capacityAtSlo(deploymentParams(catalog, cell.deployment, w), m.slo);
  } catch {
    return undefined;
  }
  if (!est.ok) return undefined;
  return { capacity: open ? est.rps : est.users, source: 'capacity-model' };
}

/** The oracle of a cell's load; undefined without an SLO, or when one replica cannot meet it at all. */
export function oracleFor(catalog: Catalog, cell: Cell, m: ResolvedMatrix, profiles: readonly Profile[]): Oracle | undefined {
  if (!hasObjectives(m.slo)) return undefined;
  const open = cell.load.shape === 'arrival-rate' || cell.load.shape === 'trace';
  const total = cell.load.warmupMs + cell.load.durationMs;
  let counts: number[] = [];
  let lengths: { prompt: number; output: number } | undefined;
  if (open) {
    counts = new Array<number>(Math.ceil(total / ORACLE_WINDOW_MS)).fill(0);
    let n = 0;
    let prompt = 0;
    let output = 0;
    for (const a of openArrivals(cell, m.workload)) {
      counts[Math.floor(a.t / ORACLE_WINDOW_MS)]!++;
      n++;
      prompt += a.prompt;
      output += a.output;
    }
    if (n > 0) lengths = { prompt: prompt / n, output: output / n };
  }
  const cap = capacityFor(catalog, cell, m, profiles, open, lengths);
  if (!cap || !(cap.capacity > 0)) return undefined;
  let needed: number[];
  let stepMs: number;
  if (open) {
    stepMs = ORACLE_WINDOW_MS;
    needed = counts.map((c) => Math.ceil(c / (stepMs / 1000) / cap.capacity - 1e-9));
  } else {
    stepMs = CLOSED_STEP_MS;
    needed = [];
    for (let t = 0; t < total; t += stepMs) needed.push(Math.ceil(offeredAt(cell, t + stepMs / 2) / cap.capacity - 1e-9));
  }
  const peak = needed.reduce((a, b) => Math.max(a, b), 0);
  return {
    replicaSeconds: oracleReplicaSeconds({
      needed,
      stepMs,
      startupMs: cell.deployment.simulator.startupMs,
      mainFromMs: cell.load.warmupMs,
      mainToMs: total,
    }),
    capacity: round(cap.capacity, 3),
    unit: open ? 'requests/s' : 'users',
    source: cap.source,
    peak,
    overMax: peak > cell.deployment.replicas.max,
  };
}
