import { findChangePoint } from '../analysis/changepoint.js';
import type { BenchmarkRecord } from '../results/records.js';
import { acknowledgementFor, type Acknowledgement } from './acknowledgements.js';
import type { ResolvedGateRule } from './gate-file.js';
import { groupByCell } from './gate.js';

export interface HistoryRun {
  id: string;
  records: readonly BenchmarkRecord[];
}

export interface HistoryOptions {
  /** Runs on each side of a change point, at least (and none in the first or last window − 1 runs). @default 5 */
  window?: number;
  acknowledgements?: readonly Acknowledgement[];
  /** @default the current time */
  now?: Date;
  /** A corroborating change point may be this many runs away. @default 1 */
  within?: number;
}

export interface HistoryChange {
  cell: string;
  metric: string;
  /** The first run of the new regime. */
  run: string;
  before: number;
  after: number;
  p: number;
  /** counts: fails the gate; acknowledged: listed only; uncorroborated: its rule needs a change in another metric too, and none was found. */
  status: 'counts' | 'acknowledged' | 'uncorroborated';
  /** Acknowledgement that applies (status acknowledged), or that expired (status counts). */
  acknowledgement?: { reason: string; at: string; expires: string; expired: boolean };
  /** The rule's corroborating metrics, and the one that did change, if any. */
  corroboration?: { needs: string[]; found?: string };
}

export interface HistoryOutcome {
  runs: number;
  window: number;
  /** Cell × metric series tested (long enough: 2 × window runs with the value). */
  series: number;
  changes: HistoryChange[];
  passed: boolean;
}

/**
 * Change points per cell and metric over runs given oldest first (the mean of a
 * cell's usable repeats per run). A change point counts unless acknowledged, or
 * unless its rule asks for a corroborating change point in another metric of the
 * same cell within `within` runs and there is none.
 */
export function historyChanges(runs: readonly HistoryRun[], rules: readonly ResolvedGateRule[], opts: HistoryOptions = {}): HistoryOutcome {
  const window = opts.window ?? 5;
  const within = opts.within ?? 1;
  const now = opts.now ?? new Date();
  const grouped = runs.map((r) => groupByCell(r.records.filter((x) => x.status === 'done' && x.validity !== 'invalid')));
  const keys = [...new Set(grouped.flatMap((g) => [...g.keys()]))].sort((a, b) => a.localeCompare(b));
  const metrics = [...new Set(rules.flatMap((r) => [r.metric, ...(r.corroboratedBy ?? [])]))];
  let series = 0;
  // Change points by cell and metric, as the run position where the new regime starts.
  const found = new Map<string, Map<string, { at: number; before: number; after: number; p: number }>>();
  for (const key of keys) {
    const perMetric = new Map<string, { at: number; before: number; after: number; p: number }>();
    for (const metric of metrics) {
      const values: number[] = [];
      const at: number[] = [];
      grouped.forEach((g, i) => {
        const v = (g.get(key) ?? []).map((x) => x[metric]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
        if (v.length) {
          values.push(v.reduce((a, c) => a + c, 0) / v.length);
          at.push(i);
        }
      });
      if (values.length < 2 * window) continue;
      series++;
      const cp = findChangePoint(values, { minSize: window });
      if (cp) perMetric.set(metric, { at: at[cp.index]!, before: cp.before.mean, after: cp.after.mean, p: cp.p });
    }
    found.set(key, perMetric);
  }
  const changes: HistoryChange[] = [];
  for (const [key, perMetric] of found) {
    for (const rule of rules) {
      const cp = perMetric.get(rule.metric);
      if (!cp) continue;
      const run = runs[cp.at]!.id;
      const change: HistoryChange = { cell: key, metric: rule.metric, run, before: cp.before, after: cp.after, p: cp.p, status: 'counts' };
      if (rule.corroboratedBy) {
        const other = rule.corroboratedBy.find((m) => {
          const o = perMetric.get(m);
          return o !== undefined && Math.abs(o.at - cp.at) <= within;
        });
        change.corroboration = { needs: rule.corroboratedBy, ...(other ? { found: other } : {}) };
        if (!other) change.status = 'uncorroborated';
      }
      const match = acknowledgementFor(opts.acknowledgements ?? [], rule.metric, key, run, now);
      if (match) {
        change.acknowledgement = { reason: match.ack.reason, at: match.ack.at, expires: match.ack.expires, expired: match.expired };
        if (!match.expired && change.status === 'counts') change.status = 'acknowledged';
      }
      changes.push(change);
    }
  }
  return { runs: runs.length, window, series, changes, passed: !changes.some((c) => c.status === 'counts') };
}

/** One line per change point, for the terminal. */
export function historyText(o: HistoryOutcome): string {
  const head = `history: ${o.runs} runs, ${o.series} cell × metric series tested (window ${o.window} runs a side): ${o.passed ? 'passed' : 'FAILED'}`;
  const lines = o.changes.map((c) => {
    const tail =
      c.status === 'acknowledged'
        ? ` — acknowledged until ${c.acknowledgement!.expires}: ${c.acknowledgement!.reason} (${c.acknowledgement!.at})`
        : c.status === 'uncorroborated'
          ? ` — not counted: no change in ${c.corroboration!.needs.join(' or ')} within a run`
          : c.acknowledgement?.expired
            ? ` — COUNTS: its acknowledgement expired ${c.acknowledgement.expires} (${c.acknowledgement.at})`
            : ' — COUNTS';
    return `${c.cell} ${c.metric}: changed at run ${c.run}, mean ${c.before.toFixed(2)} → ${c.after.toFixed(2)} (p = ${c.p.toFixed(3)})${tail}`;
  });
  return `${[head, ...(lines.length ? lines : ['no change point'])].join('\n')}\n`;
}
