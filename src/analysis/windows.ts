import type { ResolvedSlo } from '../matrix/types.js';
import type { PointAccumulator } from './cell-summary.js';
import { quantilesInPlace, round } from './stats.js';
import { objectiveQuantity, objectives } from '../vocabulary/metrics.js';

/** Client-side latency of the requests started in one window of time. */
export interface SloWindow {
  /** Window start, ms after the range's start. */
  startMs: number;
  /** Requests started in the window (main phase), and how many failed. */
  requests: number;
  errors: number;
  ttft_ms_p95?: number;
  tpot_ms_p95?: number;
  e2e_ms_p95?: number;
  /**
   * Every objective's p95 met by the window's successful requests; undefined
   * without objectives or successful requests.
   */
  meets?: boolean;
}

/**
 * Cuts [fromMs, toMs) (ms since the epoch) into windows of widthMs and gives,
 * for each, the p95 of TTFT, TPOT and E2E over the successful requests that
 * started in it, and whether those meet the SLO. Requests are binned by start
 * time; a window with no requests is listed with requests = 0.
 */
export function sloWindows(acc: PointAccumulator, fromMs: number, toMs: number, widthMs: number, slo: ResolvedSlo): SloWindow[] {
  const count = Math.max(0, Math.ceil((toMs - fromMs) / widthMs));
  if (count === 0) return [];
  const t = acc.t.view();
  const ok = acc.ok.view();
  const bin = new Int32Array(t.length).fill(-1);
  const starts = new Int32Array(count + 1);
  for (let i = 0; i < t.length; i++) {
    const b = Math.floor((t[i]! - fromMs) / widthMs);
    if (t[i]! >= fromMs && b < count) {
      bin[i] = b;
      starts[b + 1]!++;
    }
  }
  for (let b = 0; b < count; b++) starts[b + 1]! += starts[b]!;
  // Counting sort: the points of window b are order[starts[b] … starts[b + 1]).
  const order = new Int32Array(starts[count]!);
  const fill = starts.slice(0, count);
  for (let i = 0; i < t.length; i++) if (bin[i]! >= 0) order[fill[bin[i]!]!++] = i;

  const columns = { ttft: acc.ttft.view(), tpot: acc.tpot.view(), e2e: acc.e2e.view() };
  const scratch = new Float64Array(order.length);
  const p95 = (values: Float64Array, lo: number, hi: number): number | undefined => {
    let n = 0;
    for (let k = lo; k < hi; k++) {
      const i = order[k]!;
      if (ok[i] === 1 && !Number.isNaN(values[i]!)) scratch[n++] = values[i]!;
    }
    const q = quantilesInPlace(scratch.subarray(0, n), [0.95])[0];
    return q === undefined ? undefined : round(q);
  };
  const out: SloWindow[] = [];
  for (let b = 0; b < count; b++) {
    const lo = starts[b]!;
    const hi = starts[b + 1]!;
    let errors = 0;
    for (let k = lo; k < hi; k++) if (ok[order[k]!] === 0) errors++;
    const w: SloWindow = { startMs: b * widthMs, requests: hi - lo, errors };
    for (const o of objectives) {
      const v = p95(columns[objectiveQuantity[o]], lo, hi);
      if (v !== undefined) w[o] = v;
    }
    const given = objectives.filter((o) => slo[o] !== undefined);
    if (given.length > 0 && w.e2e_ms_p95 !== undefined) {
      w.meets = given.every((o) => w[o] === undefined || w[o] <= slo[o]!);
    }
    out.push(w);
  }
  return out;
}

/** How long after a load step the SLO was missed, from windows that start at the step. */
export interface Recovery {
  /**
   * Seconds from the step to the end of the last window that missed the SLO:
   * 0 when none did. Absent when the last judged window still missed it (not
   * recovered before the load went down) or when no window could be judged.
   */
  recoveryS?: number;
  /** Absent when no window could be judged (no SLO, or no successful request). */
  recovered?: boolean;
}

/** Recovery after a step from the windows that follow it (each widthMs long, the first starting at the step). */
export function recovery(windows: readonly SloWindow[], widthMs: number): Recovery {
  const judged = windows.filter((w) => w.meets !== undefined);
  if (judged.length === 0) return {};
  const lastMiss = judged.map((w) => w.meets).lastIndexOf(false);
  if (lastMiss === judged.length - 1) return { recovered: false };
  return { recovered: true, recoveryS: lastMiss < 0 ? 0 : round((judged[lastMiss]!.startMs + widthMs) / 1000, 3) };
}
