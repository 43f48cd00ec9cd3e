import { compareMetric, type GateRule, type MetricComparison, type Verdict } from '../analysis/regression.js';
import type { BenchmarkRecord } from '../report/records.js';

/** A saved baseline: the records of one run, with what identifies how they were made. */
export interface Baseline {
  name: string;
  createdAt: string;
  runId: string;
  matrixHash: string;
  tools: Record<string, string>;
  records: BenchmarkRecord[];
}

export interface CellGate {
  key: string;
  comparisons: MetricComparison[];
}

export interface GateOutcome {
  cells: CellGate[];
  /** Cell keys with records on one side only. */
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  warnings: string[];
  counts: Record<Verdict, number>;
  /** Any regression fails the gate. */
  passed: boolean;
}

/** Values of one metric per cell key (repeats together); cells that did not finish are left out. */
export function groupByCell(records: readonly BenchmarkRecord[]): Map<string, BenchmarkRecord[]> {
  const out = new Map<string, BenchmarkRecord[]>();
  for (const r of records) {
    if (r.status !== 'done' || typeof r.cell_key !== 'string') continue;
    const list = out.get(r.cell_key) ?? [];
    list.push(r);
    out.set(r.cell_key, list);
  }
  return out;
}

const numbers = (rows: readonly BenchmarkRecord[], metric: string): number[] =>
  rows.map((r) => r[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

/**
 * Gates current records against a baseline: cells matched by content
 * (deployment × autoscaler × shape × level), each rule's metric compared with
 * compareMetric. Missing cells are listed, never dropped silently.
 */
export function gate(baseline: Baseline, current: { records: readonly BenchmarkRecord[]; matrixHash: string }, rules: readonly GateRule[]): GateOutcome {
  const base = groupByCell(baseline.records);
  const cur = groupByCell(current.records);
  const warnings: string[] = [];
  if (baseline.matrixHash !== current.matrixHash) {
    warnings.push(`the matrix changed since the baseline (hash ${baseline.matrixHash.slice(0, 12)} → ${current.matrixHash.slice(0, 12)}): cells are matched by content`);
  }
  const counts: Record<Verdict, number> = { pass: 0, regression: 0, improvement: 0, inconclusive: 0 };
  const cells: CellGate[] = [];
  for (const [key, curRows] of [...cur.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const baseRows = base.get(key);
    if (!baseRows) continue;
    const comparisons: MetricComparison[] = [];
    for (const rule of rules) {
      const b = numbers(baseRows, rule.metric);
      const c = numbers(curRows, rule.metric);
      if (!b.length || !c.length) continue;
      const cmp = compareMetric(b, c, rule);
      counts[cmp.verdict]++;
      comparisons.push(cmp);
    }
    cells.push({ key, comparisons });
  }
  const onlyInBaseline = [...base.keys()].filter((k) => !cur.has(k)).sort();
  const onlyInCurrent = [...cur.keys()].filter((k) => !base.has(k)).sort();
  return { cells, onlyInBaseline, onlyInCurrent, warnings, counts, passed: counts.regression === 0 };
}
