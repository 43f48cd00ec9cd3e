import { compareMetric, type GateRule, type MetricComparison, type Verdict } from '../analysis/regression.js';
import type { BenchmarkRecord } from '../results/records.js';
import { acknowledgementFor, type Acknowledgement } from './acknowledgements.js';

/** A saved baseline: the records of one run, with what identifies how they were made. */
export interface Baseline {
  name: string;
  createdAt: string;
  runId: string;
  matrixHash: string;
  tools: Record<string, string>;
  records: BenchmarkRecord[];
}

/**
 * What keeps a cell or metric from being compared, each failing the gate unless
 * its flag allows it: the flag's name is shown wherever the exception applies.
 */
export const problemFlags = {
  failed: '--allow-failed',
  invalid: '--allow-invalid',
  missing: '--allow-missing',
  'missing-metric': '--allow-missing-metric',
} as const;
export type ProblemKind = keyof typeof problemFlags;

export interface Problem {
  kind: ProblemKind;
  cell: string;
  metric?: string;
  detail: string;
  /** Allowed by its flag: reported, does not fail. */
  allowed: boolean;
}

export interface GatedComparison extends MetricComparison {
  /** A regression covered by an acknowledgement: reported, does not fail (until `expires`). */
  acknowledged?: { reason: string; at: string; expires: string };
  /** A regression whose acknowledgement has expired: it fails again. */
  expiredAcknowledgement?: { reason: string; at: string; expires: string };
}

export interface CellGate {
  key: string;
  comparisons: GatedComparison[];
}

/** Per rule: how many comparisons were made, and of which cells none could be. */
export interface RuleTally {
  metric: string;
  relTolerance: number;
  absTolerance: number;
  /** Cells in both runs with usable records: each should make one comparison. */
  cells: number;
  made: number;
  regressions: number;
  acknowledged: number;
  /** Cells where neither side measured the metric (null in every record): nothing to gate. */
  notMeasured: number;
  /** Problems of kind missing-metric. */
  missing: number;
  /** The largest of the comparisons' smallest detectable worsening (share of baseline); undefined without repeats. */
  detectable?: number;
}

export interface GateOutcome {
  cells: CellGate[];
  problems: Problem[];
  rules: RuleTally[];
  /** Comparisons made, over all rules. */
  comparisons: number;
  /** Cells in this run that the baseline has no usable record of: not gated, listed. */
  onlyInCurrent: string[];
  warnings: string[];
  counts: Record<Verdict | 'acknowledged', number>;
  /** The flags that were given, whether or not they applied. */
  allowed: ProblemKind[];
  /** Why the gate failed, one line each; empty when it passed. */
  failures: string[];
  passed: boolean;
}

export interface GateOptions {
  /** Problem kinds that are reported but do not fail. @default none */
  allow?: readonly ProblemKind[];
  acknowledgements?: readonly Acknowledgement[];
  /** The current run's id, for acknowledgements' run ranges. @default "" */
  runId?: string;
  /** @default the current time */
  now?: Date;
}

const isDone = (r: BenchmarkRecord): boolean => r.status === 'done';
/** Records from before validity existed count as not invalid. */
const isInvalid = (r: BenchmarkRecord): boolean => r.validity === 'invalid';
const usable = (r: BenchmarkRecord): boolean => isDone(r) && !isInvalid(r);
const keyOf = (r: BenchmarkRecord): string => (typeof r.cell_key === 'string' ? r.cell_key : `(no cell_key: ${String(r.cell_id ?? 'unknown cell')})`);
const byKey = (a: string, b: string): number => a.localeCompare(b);

/** All records per cell key, repeats together. */
export function groupByCell(records: readonly BenchmarkRecord[]): Map<string, BenchmarkRecord[]> {
  const out = new Map<string, BenchmarkRecord[]>();
  for (const r of records) {
    const list = out.get(keyOf(r)) ?? [];
    list.push(r);
    out.set(keyOf(r), list);
  }
  return out;
}

const numbers = (rows: readonly BenchmarkRecord[], metric: string): number[] =>
  rows.map((r) => r[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

const repeatOf = (r: BenchmarkRecord): string => (r.repeat === undefined || r.repeat === null ? '' : ` repeat ${String(r.repeat)}`);

/** Failed and invalid repeats of one cell of the current run. */
function cellProblems(key: string, rows: readonly BenchmarkRecord[]): Array<Omit<Problem, 'allowed'>> {
  const out: Array<Omit<Problem, 'allowed'>> = [];
  const failed = rows.filter((r) => !isDone(r));
  if (failed.length)
    out.push({
      kind: 'failed',
      cell: key,
      detail: `${failed.length} of ${rows.length} repeats did not finish (${failed.map((r) => `status ${String(r.status)}${repeatOf(r)}`).join(', ')})`,
    });
  const invalid = rows.filter((r) => isDone(r) && isInvalid(r));
  if (invalid.length)
    out.push({
      kind: 'invalid',
      cell: key,
      detail: `${invalid.length} of ${rows.length} repeats invalid: ${[...new Set(invalid.map((r) => String(r.validity_reasons ?? 'no reason given')))].join('; ')}`,
    });
  return out;
}

type Gap = { kind: 'none' } | { kind: 'not-measured' } | { kind: 'missing'; detail: string };

/**
 * Whether a metric can be compared in a cell. A field absent from a record is
 * missing (another record format); null on both sides, or in the baseline, is
 * not measured (a fixed autoscaler has no scale-up lag); null in this run where
 * the baseline measured it is missing.
 */
function metricGap(metric: string, base: readonly BenchmarkRecord[], cur: readonly BenchmarkRecord[]): Gap {
  const lacking = (rows: readonly BenchmarkRecord[]): number => rows.filter((r) => !(metric in r)).length;
  if (lacking(cur)) return { kind: 'missing', detail: `${lacking(cur)} of ${cur.length} records of this run have no field ${metric}` };
  if (lacking(base))
    return { kind: 'missing', detail: `${lacking(base)} of ${base.length} baseline records have no field ${metric} (an older baseline: save a new one)` };
  if (numbers(base, metric).length === 0) return { kind: 'not-measured' };
  const c = numbers(cur, metric).length;
  if (c < cur.length) return { kind: 'missing', detail: `not measured in ${cur.length - c} of ${cur.length} records of this run (the baseline has it)` };
  return { kind: 'none' };
}

/**
 * Gates current records against a baseline, failing closed: cells are matched
 * by content (deployment × autoscaler × shape × level) and every rule's metric
 * compared with compareMetric. A cell that failed, is invalid, is in the
 * baseline but not in this run, or lacks a gated metric is a problem that fails
 * the gate unless allowed; so does a gate that made no comparison at all.
 */
export function gate(
  baseline: Baseline,
  current: { records: readonly BenchmarkRecord[]; matrixHash: string },
  rules: readonly GateRule[],
  opts: GateOptions = {},
): GateOutcome {
  const allow = new Set(opts.allow ?? []);
  const now = opts.now ?? new Date();
  const base = new Map([...groupByCell(baseline.records)].map(([k, rows]) => [k, rows.filter(usable)] as const).filter(([, rows]) => rows.length > 0));
  const cur = groupByCell(current.records);
  const warnings: string[] = [];
  if (baseline.matrixHash !== current.matrixHash) {
    warnings.push(
      `the matrix changed since the baseline (hash ${baseline.matrixHash.slice(0, 12)} → ${current.matrixHash.slice(0, 12)}): cells are matched by content`,
    );
  }
  const problems: Problem[] = [];
  const problem = (p: Omit<Problem, 'allowed'>): void => void problems.push({ ...p, allowed: allow.has(p.kind) });
  const tallies = new Map(
    rules.map((r) => [
      r.metric,
      {
        metric: r.metric,
        relTolerance: r.relTolerance,
        absTolerance: r.absTolerance,
        cells: 0,
        made: 0,
        regressions: 0,
        acknowledged: 0,
        notMeasured: 0,
        missing: 0,
      } as RuleTally,
    ]),
  );
  const counts: GateOutcome['counts'] = { pass: 0, regression: 0, improvement: 0, inconclusive: 0, acknowledged: 0 };
  const cells: CellGate[] = [];
  const onlyInCurrent: string[] = [];

  for (const key of [...base.keys()].filter((k) => !cur.has(k)).sort(byKey)) {
    problem({ kind: 'missing', cell: key, detail: `in the baseline (${base.get(key)!.length} records), not in this run` });
  }
  for (const [key, rows] of [...cur.entries()].sort(([a], [b]) => byKey(a, b))) {
    cellProblems(key, rows).forEach(problem);
    const baseRows = base.get(key);
    if (!baseRows) {
      onlyInCurrent.push(key);
      continue;
    }
    const curRows = rows.filter(usable);
    if (!curRows.length) continue;
    const comparisons: GatedComparison[] = [];
    for (const rule of rules) {
      const tally = tallies.get(rule.metric)!;
      tally.cells++;
      const gap = metricGap(rule.metric, baseRows, curRows);
      if (gap.kind === 'not-measured') {
        tally.notMeasured++;
        continue;
      }
      if (gap.kind === 'missing') {
        tally.missing++;
        problem({ kind: 'missing-metric', cell: key, metric: rule.metric, detail: gap.detail });
        continue;
      }
      const cmp: GatedComparison = compareMetric(numbers(baseRows, rule.metric), numbers(curRows, rule.metric), rule);
      tally.made++;
      if (cmp.detectable !== undefined) tally.detectable = Math.max(tally.detectable ?? 0, cmp.detectable);
      if (cmp.verdict === 'regression') {
        const match = acknowledgementFor(opts.acknowledgements ?? [], rule.metric, key, opts.runId ?? '', now);
        const about = match && { reason: match.ack.reason, at: match.ack.at, expires: match.ack.expires };
        if (match && !match.expired) cmp.acknowledged = about!;
        else if (match) cmp.expiredAcknowledgement = about!;
      }
      if (cmp.acknowledged) {
        counts.acknowledged++;
        tally.acknowledged++;
      } else {
        counts[cmp.verdict]++;
        if (cmp.verdict === 'regression') tally.regressions++;
      }
      comparisons.push(cmp);
    }
    cells.push({ key, comparisons });
  }

  const comparisons = [...tallies.values()].reduce((s, t) => s + t.made, 0);
  const failures: string[] = [];
  const regressed = cells.flatMap((c) => c.comparisons.filter((m) => m.verdict === 'regression' && !m.acknowledged).map((m) => `${c.key} ${m.metric}`));
  if (regressed.length) failures.push(`${regressed.length} regression(s): ${regressed.join(', ')}`);
  for (const p of problems) if (!p.allowed) failures.push(`${p.kind}: ${p.cell}${p.metric ? ` ${p.metric}` : ''}: ${p.detail}`);
  if (comparisons === 0) failures.push('no comparison was made: nothing was gated');
  return {
    cells,
    problems,
    rules: [...tallies.values()],
    comparisons,
    onlyInCurrent,
    warnings,
    counts,
    allowed: [...allow].sort(),
    failures,
    passed: failures.length === 0,
  };
}
