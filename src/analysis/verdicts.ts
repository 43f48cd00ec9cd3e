import { mean, sampleVariance } from 'simple-statistics';
import { tCritical975 } from './ci.js';
import { round } from './stats.js';
import { judged, type JudgedMetric } from '../vocabulary/metrics.js';

/** A metric setups are judged on: a figure of the metric table, its direction and unit (shares shown as percentage points). */
export type VerdictMetric = JudgedMetric;

/** What every pair of setups is compared on, in order. The first two make the Pareto front. */
export const verdictMetrics: readonly VerdictMetric[] = (
  ['slo_attainment', 'replica_seconds', 'goodput_rps', 'ttft_ms_p95', 'tpot_ms_p95', 'cost_usd'] as const
).map(judged);

/** A difference of means b − a with its 95 % interval (absent with fewer than two values a side). */
export interface Interval {
  delta: number;
  lo?: number;
  hi?: number;
  /** Welch–Satterthwaite degrees of freedom, floored (the interval is then a little wider, never narrower). */
  df?: number;
}

/**
 * The difference of two means, b − a, with Welch's 95 % interval:
 * Δ ± t(0.975, ν) · √(s²a/na + s²b/nb), ν by Welch–Satterthwaite. Repeats of
 * one setup need not share a variance with the other's. Without two values on
 * each side no interval is possible and only Δ is returned.
 */
export function welchInterval(a: readonly number[], b: readonly number[]): Interval {
  const delta = mean([...b]) - mean([...a]);
  if (a.length < 2 || b.length < 2) return { delta };
  const va = sampleVariance([...a]) / a.length;
  const vb = sampleVariance([...b]) / b.length;
  const se2 = va + vb;
  if (se2 === 0) return { delta, lo: delta, hi: delta, df: a.length + b.length - 2 };
  const df = Math.max(1, Math.floor(se2 ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1))));
  const half = tCritical975(df) * Math.sqrt(se2);
  return { delta, lo: delta - half, hi: delta + half, df };
}

/** One metric of a pair of setups: b − a, and which side the interval favours. */
export interface MetricDifference extends Interval {
  metric: VerdictMetric;
  n: { a: number; b: number };
  /**
   * 'a' or 'b' when the 95 % interval excludes 0 and that side is better;
   * 'none' when it contains 0; undefined when no interval is possible.
   */
  favours?: 'a' | 'b' | 'none';
}

/** Every verdict metric of setup b against setup a (b − a), from their repeats. */
export function compareSetups(a: readonly Readonly<Record<string, unknown>>[], b: readonly Readonly<Record<string, unknown>>[]): MetricDifference[] {
  return verdictMetrics.flatMap((metric): MetricDifference[] => {
    const xs = numbers(a, metric.field);
    const ys = numbers(b, metric.field);
    if (xs.length === 0 || ys.length === 0) return [];
    const iv = welchInterval(xs, ys);
    const d: MetricDifference = { metric, n: { a: xs.length, b: ys.length }, ...iv };
    if (iv.lo !== undefined && iv.hi !== undefined) {
      const sign = metric.better === 'higher' ? 1 : -1;
      d.favours = iv.lo > 0 || iv.hi < 0 ? (sign * iv.delta > 0 ? 'b' : 'a') : 'none';
    }
    return [d];
  });
}

function numbers(rows: readonly Readonly<Record<string, unknown>>[], field: string): number[] {
  return rows.flatMap((r) => {
    const v = r[field];
    return typeof v === 'number' && Number.isFinite(v) ? [v] : [];
  });
}

/** One setup at one level: its repeats and their means. */
export interface SetupAtLevel<R> {
  name: string;
  rows: R[];
  attainment?: number;
  replicaSeconds?: number;
}

/**
 * The setups no other beats on both SLO attainment (higher) and
 * replica-seconds (lower), by their means; a tie on both keeps both.
 * Setups missing either figure are not placed.
 */
export function paretoSetups<R>(setups: readonly SetupAtLevel<R>[]): string[] {
  const placed = setups.filter((s) => s.attainment !== undefined && s.replicaSeconds !== undefined);
  return placed
    .filter(
      (s) =>
        !placed.some(
          (o) =>
            o !== s &&
            o.attainment! >= s.attainment! &&
            o.replicaSeconds! <= s.replicaSeconds! &&
            (o.attainment! > s.attainment! || o.replicaSeconds! < s.replicaSeconds!),
        ),
    )
    .sort((x, y) => x.replicaSeconds! - y.replicaSeconds! || x.name.localeCompare(y.name))
    .map((s) => s.name);
}

/** A setup off the front: the front setup that beats it, and the differences (this − that). */
export interface Dominated {
  setup: string;
  by: string;
  /** This setup minus the one that beats it, every verdict metric. */
  differences: MetricDifference[];
  /**
   * significant: attainment or replica-seconds worse beyond the 95 % interval;
   * not-significant: both intervals contain 0; no-interval: one repeat on a side.
   */
  confidence: 'significant' | 'not-significant' | 'no-interval';
}

/** The verdict for one deployment at one load level. */
export interface LevelVerdict {
  deployment: string;
  shape: string;
  level: number;
  /** Setups in the verdict (valid or warned cells), with their repeat counts. */
  repeats: Record<string, number>;
  /** The attainment × replica-seconds Pareto front, cheapest first. */
  front: string[];
  /** Along the front, each setup against the cheaper one before it (to − from): what its replica-seconds buy. */
  frontSteps: Array<{ from: string; to: string; differences: MetricDifference[] }>;
  dominated: Dominated[];
  /** Every pair (a before b in setup order), b − a. */
  pairs: Array<{ a: string; b: string; differences: MetricDifference[] }>;
  /**
   * True when every pair has intervals and none of them excludes 0 on
   * attainment or replica-seconds: the setups are not told apart.
   */
  noSignificantDifference: boolean;
  /** Some setup has a single repeat: differences are point estimates. */
  singleRepeat: boolean;
  /** Finished cells left out: measurement invalid (cell ids). */
  leftOut: string[];
}

/** What a verdict reads from a record. */
export interface VerdictRow {
  readonly [field: string]: string | number | boolean | null | undefined;
}

const PARETO = ['slo_attainment', 'replica_seconds'];

/**
 * Verdicts per deployment, load shape and level from benchmark records:
 * finished cells whose measurement is not invalid (their achieved load
 * matched what was offered) are grouped by autoscaler; repeats are the
 * samples. Sorted by deployment, shape, level.
 */
export function levelVerdicts(records: readonly VerdictRow[]): LevelVerdict[] {
  const finished = records.filter((r) => r.status === 'done');
  const levels = new Map<string, VerdictRow[]>();
  for (const r of finished) {
    const k = `${r.deployment}\u0000${r.shape}\u0000${r.level}`;
    levels.set(k, [...(levels.get(k) ?? []), r]);
  }
  return [...levels.values()]
    .map((all) => verdictOf(all))
    .sort((a, b) => a.deployment.localeCompare(b.deployment) || a.shape.localeCompare(b.shape) || a.level - b.level);
}

function verdictOf(all: readonly VerdictRow[]): LevelVerdict {
  const kept = all.filter((r) => r.validity !== 'invalid');
  const setups = new Map<string, VerdictRow[]>();
  for (const r of kept) setups.set(String(r.autoscaler), [...(setups.get(String(r.autoscaler)) ?? []), r]);
  const at: Array<SetupAtLevel<VerdictRow>> = [...setups.entries()].map(([name, rows]) => {
    const att = numbers(rows, 'slo_attainment');
    const rs = numbers(rows, 'replica_seconds');
    return { name, rows, ...(att.length ? { attainment: mean(att) } : {}), ...(rs.length ? { replicaSeconds: mean(rs) } : {}) };
  });
  const front = paretoSetups(at);
  const pairs = at.flatMap((x, i) => at.slice(i + 1).map((y) => ({ a: x.name, b: y.name, differences: compareSetups(x.rows, y.rows) })));
  const dominated = at
    .filter((s) => !front.includes(s.name) && s.attainment !== undefined && s.replicaSeconds !== undefined)
    .map((s): Dominated => {
      // The front setup that beats it with the highest attainment.
      const by = at
        .filter((o) => front.includes(o.name) && o.attainment! >= s.attainment! && o.replicaSeconds! <= s.replicaSeconds!)
        .sort((x, y) => y.attainment! - x.attainment! || x.replicaSeconds! - y.replicaSeconds!)[0]!;
      const differences = compareSetups(by.rows, s.rows);
      const key = differences.filter((d) => PARETO.includes(d.metric.field));
      const confidence = key.some((d) => d.favours === undefined) ? 'no-interval' : key.some((d) => d.favours === 'a') ? 'significant' : 'not-significant';
      return { setup: s.name, by: by.name, differences, confidence };
    });
  const rowsOf = (name: string): VerdictRow[] => at.find((x) => x.name === name)!.rows;
  const frontSteps = front.slice(1).map((to, k) => ({ from: front[k]!, to, differences: compareSetups(rowsOf(front[k]!), rowsOf(to)) }));
  const keyDiffs = pairs.flatMap((p) => p.differences.filter((d) => PARETO.includes(d.metric.field)));
  const first = all[0]!;
  return {
    deployment: String(first.deployment),
    shape: String(first.shape),
    level: Number(first.level),
    repeats: Object.fromEntries(at.map((s) => [s.name, s.rows.length])),
    front,
    frontSteps,
    dominated,
    pairs,
    noSignificantDifference: at.length > 1 && keyDiffs.length > 0 && keyDiffs.every((d) => d.favours === 'none'),
    singleRepeat: at.some((s) => s.rows.length < 2),
    leftOut: all
      .filter((r) => r.validity === 'invalid')
      .map((r) => String(r.cell_id))
      .sort(),
  };
}

/** A difference for text: signed, in the metric's unit (shares as percentage points), with its interval. */
export function formatDifference(d: Interval & { metric: VerdictMetric }): string {
  const f = (v: number): string => formatIn(d.metric.unit, v);
  const sign = (v: number): string => (v > 0 ? '+' : v < 0 ? '−' : '±');
  const head = `${sign(d.delta)}${f(Math.abs(d.delta))}`;
  if (d.lo === undefined || d.hi === undefined) return head;
  return `${head} [${d.lo < 0 ? '−' : ''}${f(Math.abs(d.lo))}, ${d.hi < 0 ? '−' : ''}${f(Math.abs(d.hi))}]`;
}

function formatIn(unit: VerdictMetric['unit'], v: number): string {
  switch (unit) {
    case 'share':
      return `${round(v * 100, 1)} pp`;
    case 'ms':
      return `${round(v, v >= 100 ? 0 : 1)} ms`;
    case 's':
      return `${round(v, v >= 100 ? 0 : 1)} s`;
    case 'rps':
      return `${round(v, 2)}/s`;
    case 'usd':
      return `$${round(v, v >= 1 ? 2 : 4)}`;
    default:
      return `${round(v, 2)} ${unit}`;
  }
}

/**
 * A level's verdict as sentences: the front, then what each other setup
 * loses against the front setup that beats it, and with what confidence.
 */
export function verdictSentences(v: LevelVerdict): string[] {
  const names = Object.keys(v.repeats);
  if (names.length === 0) return ['No valid cell to judge.'];
  if (names.length === 1) return [`Only ${names[0]} has valid cells: nothing to compare.`];
  const out: string[] = [];
  const n = [...new Set(Object.values(v.repeats))];
  const repeats = n.length === 1 ? `${n[0]} repeat${n[0] === 1 ? '' : 's'} each` : `repeats ${names.map((s) => `${s} ${v.repeats[s]}`).join(', ')}`;
  if (v.noSignificantDifference) {
    out.push(`No significant difference: every pair's 95 % intervals of SLO attainment and replica-seconds contain 0 (${repeats}).`);
  }
  out.push(
    v.front.length === 1
      ? `Best: ${v.front[0]} (highest SLO attainment for the fewest replica-seconds).`
      : `Pareto front (SLO attainment × replica-seconds): ${v.front.join(', ')}, cheapest first; each buys attainment with replica-seconds.`,
  );
  for (const step of v.frontSteps) {
    const [att, rs] = PARETO.map((f) => step.differences.find((x) => x.metric.field === f)!);
    out.push(`${step.to} over ${step.from}: SLO attainment ${formatDifference(att!)} for replica-seconds ${formatDifference(rs!)}.`);
  }
  for (const d of v.dominated) {
    const key = d.differences.filter((x) => PARETO.includes(x.metric.field)).map((x) => `${x.metric.label} ${formatDifference(x)}`);
    const tail =
      d.confidence === 'significant'
        ? 'significant at 95 %'
        : d.confidence === 'not-significant'
          ? 'not significant at 95 %: the intervals contain 0'
          : 'one repeat: no interval possible';
    out.push(`${d.setup} loses to ${d.by}: ${key.join(', ')} (${tail}).`);
  }
  if (v.singleRepeat)
    out.push(`With one repeat no interval is possible: differences are single measurements (${repeats}); run repeats: 3 or more to judge noise.`);
  else if (!v.noSignificantDifference) out.push(`Intervals: 95 %, Welch's t over repeats (${repeats}).`);
  if (v.leftOut.length) out.push(`Left out, measurement invalid: ${v.leftOut.join(', ')}.`);
  return out;
}
