import type { CellAnalysis } from './cell-analysis.js';
import { meanCi95, type MeanCi } from './ci.js';
import { round } from './stats.js';

/** Requests that count as served well: those meeting every SLO, or every successful one without SLOs. */
function goodRequests(c: CellAnalysis): number | undefined {
  const client = c.client;
  if (!client || client.requests === 0) return undefined;
  return client.slo.attainment !== undefined ? client.slo.attainment * client.requests : client.requests - client.errors;
}

/**
 * Sets each cell's over-provisioning against the best per-replica capacity
 * measured for its deployment in this run: capacity = the most good requests
 * per main-phase replica-second of any of its cells; a cell needed
 * good / capacity replica-seconds and spent mainReplicaSeconds, so
 * overProvisioning = spent / needed − 1 (0 for the tightest cell). Returns
 * the capacities, good requests per replica-second by deployment.
 */
export function setOverProvisioning(cells: readonly CellAnalysis[]): Record<string, number> {
  const capacity: Record<string, number> = {};
  for (const c of cells) {
    const good = goodRequests(c);
    const rs = c.scaling?.mainReplicaSeconds;
    if (!good || !rs) continue;
    const name = c.cell.deployment.name;
    capacity[name] = Math.max(capacity[name] ?? 0, good / rs);
  }
  for (const c of cells) {
    const good = goodRequests(c);
    const cap = capacity[c.cell.deployment.name];
    const rs = c.scaling?.mainReplicaSeconds;
    if (good && cap && rs) c.overProvisioning = round((rs * cap) / good - 1, 4);
  }
  return Object.fromEntries(Object.entries(capacity).map(([k, v]) => [k, round(v, 4)]));
}

/** A row of per-cell figures (a benchmark record): field name → value. */
export type Row = Readonly<Record<string, unknown>>;

/** The repeats of one cell configuration, aggregated. */
export interface Group<R extends Row> {
  key: string;
  rows: R[];
  /** Mean and 95 % CI of each numeric field over the rows that have it. */
  stats: Record<string, MeanCi | undefined>;
}

const numberOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Rows grouped by key (groups in first-seen order), each field's mean and 95 % CI over the group's repeats. */
export function aggregateRepeats<R extends Row>(rows: readonly R[], keyOf: (r: R) => string, fields: readonly string[]): Array<Group<R>> {
  const groups = new Map<string, Group<R>>();
  for (const r of rows) {
    const key = keyOf(r);
    const g = groups.get(key) ?? { key, rows: [], stats: {} };
    g.rows.push(r);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    for (const f of fields) g.stats[f] = meanCi95(g.rows.map((r) => numberOf(r[f])));
  }
  return [...groups.values()];
}

/** The best group(s) for one field among comparable groups; ties share the win. */
export interface Winner<R extends Row> {
  field: string;
  groups: Array<Group<R>>;
  value: number;
}

/**
 * The winner of each field among groups that are compared with each other
 * (e.g. the autoscalers at one deployment and level), by their means; only
 * fields that two or more groups measured and not all of them tie.
 */
export function winners<R extends Row>(
  groups: ReadonlyArray<Group<R>>,
  fields: ReadonlyArray<{ field: string; better: 'lower' | 'higher' }>,
): Array<Winner<R>> {
  const out: Array<Winner<R>> = [];
  for (const { field, better } of fields) {
    const measured = groups.filter((g) => g.stats[field] !== undefined);
    if (measured.length < 2) continue;
    const sign = better === 'lower' ? 1 : -1;
    const best = Math.min(...measured.map((g) => sign * g.stats[field]!.mean));
    const wins = measured.filter((g) => sign * g.stats[field]!.mean === best);
    if (wins.length < measured.length) out.push({ field, groups: wins, value: sign * best });
  }
  return out;
}
