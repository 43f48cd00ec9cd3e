import { isMap, isSeq, parseDocument } from 'yaml';
import { round } from '../analysis/stats.js';
import { expandCells } from '../matrix/expand.js';
import { parseMatrix } from '../matrix/load.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import type { Profile } from '../recommend/profiles.js';
import { UserError } from '../util/errors.js';
import { oracleFor } from './oracle.js';
import { simulateCells } from './run-matrix.js';
import type { SimTiming } from './timing.js';
import type { Catalog } from '../catalog/catalog.js';

/**
 * `tune --simulate`: autoscaler configurations explored by simulation —
 * HPA targets on running requests and KEDA thresholds on waiting ones ×
 * scale-down stabilization windows × min replicas — each over every load
 * level of the run's matrix; those meeting the SLO attainment on every level
 * are ranked by replica-seconds, beside the oracle's. The candidates are
 * written into the matrix's own text (so they resolve, time scale and all,
 * exactly as a run would), and the next matrix is that text with the best few.
 */

export interface SearchGrid {
  hpaRunningTargets: number[];
  kedaWaitingThresholds: number[];
  /** Scale-down stabilization windows, real seconds (the matrix's time_scale applies). */
  windowsS: number[];
  minReplicas: number[];
}

/** The default grid for a deployment with this max_num_seqs: hundreds of configurations. */
export function defaultGrid(maxNumSeqs: number, maxReplicas: number): SearchGrid {
  const targets = [2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96, 128, 192, 256].filter((t) => t <= maxNumSeqs);
  return {
    hpaRunningTargets: targets,
    kedaWaitingThresholds: [1, 2, 4, 8, 16],
    windowsS: [0, 30, 60, 120, 300],
    minReplicas: [1, 2, 3].filter((m) => m <= maxReplicas),
  };
}

/** One autoscaler configuration as the matrix spells it. */
export interface Candidate {
  name: string;
  minReplicas: number;
  /** The autoscalers[] entry (YAML input). */
  entry: Record<string, unknown>;
}

const behavior = (windowS: number): Record<string, unknown> => ({
  // The upstream defaults written out, so that time_scale shortens their periods too.
  scale_up: {
    stabilization_window: '0s',
    select_policy: 'Max',
    policies: [
      { type: 'Pods', value: 4, period: '15s' },
      { type: 'Percent', value: 100, period: '15s' },
    ],
  },
  scale_down: { stabilization_window: `${windowS}s`, select_policy: 'Max', policies: [{ type: 'Percent', value: 100, period: '15s' }] },
});

export function candidates(g: SearchGrid): Candidate[] {
  const out: Candidate[] = [];
  for (const min of g.minReplicas) {
    for (const w of g.windowsS) {
      for (const t of g.hpaRunningTargets) {
        out.push({
          name: `hpa-r${t}-w${w}-m${min}`,
          minReplicas: min,
          entry: { name: `hpa-r${t}-w${w}-m${min}`, kind: 'hpa-custom', metric: 'vllm:num_requests_running', target: t, behavior: behavior(w) },
        });
      }
      for (const t of g.kedaWaitingThresholds) {
        out.push({
          name: `keda-q${t}-w${w}-m${min}`,
          minReplicas: min,
          entry: {
            name: `keda-q${t}-w${w}-m${min}`,
            kind: 'keda',
            query: 'sum(vllm:num_requests_waiting{namespace="scalebench"}) or vector(0)',
            threshold: t,
            min_replicas: min,
            behavior: behavior(w),
          },
        });
      }
    }
  }
  return out;
}

/** The matrix text with these autoscalers, the deployment's min (and start, at least min) set, a new name. */
export function matrixWith(text: string, source: string, deployment: string, list: readonly Candidate[], name?: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new UserError(`${source}: cannot read the run's matrix again: ${doc.errors[0]!.message}`);
  const deps = doc.get('deployments');
  if (!isSeq(deps)) throw new UserError(`${source}: deployments: expected a list`);
  const min = Math.min(...list.map((c) => c.minReplicas));
  const kept = deps.items.filter(isMap).filter((d) => d.get('name') === deployment);
  const d = kept[0];
  if (!d) throw new UserError(`${source}: no deployment "${deployment}"`);
  const replicas = d.get('replicas');
  if (isMap(replicas)) {
    replicas.set('min', min);
    const start = Number(replicas.get('start') ?? 1);
    replicas.set('start', Math.max(start, min));
  } else d.set('replicas', doc.createNode({ start: Math.max(1, min), min, max: 4 }));
  doc.set('deployments', doc.createNode([d.toJSON()]));
  doc.set('autoscalers', doc.createNode(list.map((c) => c.entry)));
  doc.set('repeats', 1);
  if (name) doc.set('name', name);
  return doc.toString();
}

export interface SearchResult {
  candidate: Candidate;
  /** The lowest attainment over the load levels. */
  attainment: number;
  /** Main-phase replica-seconds summed over the levels, and the oracle's. */
  replicaSeconds: number;
  oracle?: number;
  /** replicaSeconds / oracle. */
  overOracle?: number;
  meetsSlo: boolean;
}

export interface SearchOptions {
  catalog: Catalog;
  text: string;
  source: string;
  matrix: ResolvedMatrix;
  deployment: string;
  profiles: readonly Profile[];
  grid: SearchGrid;
  /** Lowest attainment kept. @default 0.99 */
  attainment?: number;
  timing?: Partial<SimTiming>;
  onProgress?: (done: number, total: number) => void;
}

/** Every candidate simulated over the matrix's load levels; sorted: meeting the SLO first, then by replica-seconds. */
export function searchAutoscalers(o: SearchOptions): SearchResult[] {
  const floor = o.attainment ?? 0.99;
  const all = candidates(o.grid);
  const byMin = new Map<number, Candidate[]>();
  for (const c of all) byMin.set(c.minReplicas, [...(byMin.get(c.minReplicas) ?? []), c]);
  const results: SearchResult[] = [];
  const oracle = new Map<string, number | undefined>();
  let done = 0;
  for (const [, list] of [...byMin.entries()].sort(([a], [b]) => a - b)) {
    const m = parseMatrix(matrixWith(o.text, o.source, o.deployment, list), o.source, o.catalog);
    const cells = expandCells(m);
    const figures = simulateCells({
      catalog: o.catalog,
      matrix: m,
      cells,
      profiles: o.profiles,
      startMs: Date.UTC(2030, 0, 1),
      ...(o.timing ? { timing: o.timing } : {}),
    });
    const byName = new Map<string, typeof figures>();
    for (const f of figures) byName.set(f.cell.autoscaler.name, [...(byName.get(f.cell.autoscaler.name) ?? []), f]);
    for (const c of list) {
      const fs = byName.get(c.name) ?? [];
      let rs = 0;
      let att = 1;
      let or: number | undefined = 0;
      for (const f of fs) {
        rs += f.outcome.mainReplicaSeconds;
        att = Math.min(att, f.client.attainment ?? 0);
        const key = `${f.cell.level}`;
        if (!oracle.has(key)) oracle.set(key, oracleOf(o.catalog, f.cell, m, o.profiles));
        const x = oracle.get(key);
        or = or === undefined || x === undefined ? undefined : or + x;
      }
      results.push({
        candidate: c,
        attainment: att,
        replicaSeconds: round(rs, 3),
        ...(or !== undefined ? { oracle: round(or, 3), overOracle: or > 0 ? round(rs / or, 3) : undefined } : {}),
        meetsSlo: att >= floor,
      } as SearchResult);
      done++;
    }
    o.onProgress?.(done, all.length);
  }
  return results.sort((a, b) => Number(b.meetsSlo) - Number(a.meetsSlo) || a.replicaSeconds - b.replicaSeconds || b.attainment - a.attainment);
}

function oracleOf(catalog: Catalog, cell: Cell, m: ResolvedMatrix, profiles: readonly Profile[]): number | undefined {
  return oracleFor(catalog, cell, m, profiles)?.replicaSeconds;
}
