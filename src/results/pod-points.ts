import type { RunnerSkew } from '../load/runner-pods.js';
import { isPlainObject } from '../util/is-object.js';

export type { RunnerPod, RunnerPods, RunnerSkew } from '../load/runner-pods.js';
/**
 * The lines a runner pod writes to its standard output (scenarios/openai-chat.js
 * with `runner`), read back from its log and merged: point lines (as a local
 * run writes them, plus "pod" and "clk"), meta lines (the scenario's start) and
 * one end line. Anything else in the log (k6's own messages) is counted and
 * left out.
 */

/** One runner pod's lines, as read so far. */
export interface PodLines {
  index: number;
  /** Point lines, as written, with their start time and clock offset. */
  points: Array<{ line: string; t: number; clk: number | null; main: boolean; ok: boolean }>;
  /** The scenario's start on the pod's wall clock, and its clock offset then (the first meta line). */
  start?: { ms: number; clk: number | null };
  /** The pod's end line: it finished its scenario and wrote everything. */
  end?: { droppedIterations: number; clk: number | null };
  /** Lines that were none of these. */
  other: number;
}

export function newPodLines(index: number): PodLines {
  return { index, points: [], other: 0 };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What one log line is, added to `p`; returns the point's line when it was one. */
export function addPodLine(p: PodLines, line: string): 'point' | 'meta' | 'end' | 'other' {
  if (!line.startsWith('{"')) {
    if (line.trim() !== '') p.other++;
    return 'other';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    p.other++;
    return 'other';
  }
  // A guard and per-field checks, not a zod schema, per log line; a point line's own fields are checked where
  // points.jsonl is decoded (point-lines.ts), naming file:line.
  if (!isPlainObject(parsed)) {
    p.other++;
    return 'other';
  }
  const o = parsed;
  const t = num(o.t);
  if (t !== null && typeof o.phase === 'string') {
    p.points.push({ line, t, clk: num(o.clk), main: o.phase === 'main', ok: o.ok === true });
    return 'point';
  }
  const start = num(o.scenario_start_ms);
  if (start !== null) {
    if (!p.start || start < p.start.ms) p.start = { ms: start, clk: num(o.clk) };
    return 'meta';
  }
  if (o.end === true) {
    p.end = { droppedIterations: num(o.dropped_iterations) ?? 0, clk: num(o.clk) };
    return 'end';
  }
  p.other++;
  return 'other';
}

/** A pod's clock: its reference offset (at the scenario's start) and the largest step of its wall clock since. */
export function podClock(p: PodLines): { refClk: number | null; stepMs: number } {
  const ref = p.start?.clk ?? p.points.find((x) => x.clk !== null)?.clk ?? null;
  if (ref === null) return { refClk: null, stepMs: 0 };
  let step = 0;
  for (const x of p.points) if (x.clk !== null) step = Math.max(step, Math.abs(x.clk - ref));
  if (p.end?.clk != null) step = Math.max(step, Math.abs(p.end.clk - ref));
  return { refClk: ref, stepMs: Math.round(step * 1000) / 1000 };
}

/**
 * A point's start on the pod's time line at its scenario's start: its wall
 * time less any step of the wall clock since then (clk - refClk). Each pod's
 * time line is its monotonic clock from the barrier on, so the pods'
 * series align within the spread of their scenario starts.
 */
export function alignedT(t: number, clk: number | null, refClk: number | null): number {
  if (clk === null || refClk === null) return t;
  return Math.round((t - (clk - refClk)) * 1000) / 1000;
}

/** The point line with its "t" replaced (the line starts with {"t":<number>). */
export function withT(line: string, t: number): string {
  const m = /^\{"t":(-?[0-9.eE+-]+)/.exec(line);
  if (!m) return line;
  return `{"t":${t}${line.slice(m[0].length)}`;
}

/** Every pod's points in one list, in order of their aligned start (ties: by pod, then as read). */
export function mergePoints(pods: readonly PodLines[]): string[] {
  const all: Array<{ t: number; pod: number; i: number; line: string }> = [];
  for (const p of pods) {
    const { refClk } = podClock(p);
    p.points.forEach((x, i) => {
      const t = alignedT(x.t, x.clk, refClk);
      all.push({ t, pod: p.index, i, line: t === x.t ? x.line : withT(x.line, t) });
    });
  }
  all.sort((a, b) => a.t - b.t || a.pod - b.pod || a.i - b.i);
  return all.map((x) => x.line);
}

export function runnerSkew(pods: readonly PodLines[]): RunnerSkew {
  const starts = pods.map((p) => p.start?.ms).filter((x): x is number => x !== undefined);
  const spread = starts.length ? Math.max(...starts) - Math.min(...starts) : 0;
  return { startSpreadMs: Math.round(spread * 1000) / 1000, clockStepMaxMs: Math.max(0, ...pods.map((p) => podClock(p).stepMs)) };
}
