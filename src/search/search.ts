import { join } from 'node:path';
import { judgePoint } from '../analysis/capacity.js';
import { expandCells } from '../matrix/expand.js';
import type { Cell, ResolvedDeployment, ResolvedLoad, ResolvedMatrix } from '../matrix/types.js';
import { writeReport } from '../report/write.js';
import { forEachNewPoint } from '../results/point-lines.js';
import { RunDir } from '../results/run-dir.js';
import { CellInterrupted, runCell } from '../runner/cell.js';
import type { Progress } from '../runner/progress.js';
import { localTools, newRunRecord, openTarget } from '../runner/run.js';
import type { Target } from '../targets/target.js';
import { UserError } from '../util/errors.js';
import { setProcessJournal } from '../util/proc.js';
import { clearlyFailing, nextStep, type Probe, type SearchBounds, type SearchStep, type SoFar } from './bisect.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CellResult } from '../results/cell-result.js';

/**
 * `search`'s shell: probes one level at a time on the local target, each
 * level a cell run by the runner's own cell lifecycle (runCell) at fixed
 * replicas under a constant load, stopping a level early once it is clearly
 * failing. The probes are a run directory like any other (reports, tune).
 */

export interface SearchOptions {
  matrix: ResolvedMatrix;
  /** The catalog the matrix was resolved with (the simulator's latencies). */
  catalog: Catalog;
  deployment: string;
  out: string;
  id: string;
  bounds: Partial<SearchBounds>;
  earlyStop: boolean;
  progress: Progress;
  signal: AbortSignal;
}

export interface SearchOutcome {
  dir: RunDir;
  result: Exclude<SearchStep, { kind: 'probe' }> | { kind: 'interrupted' };
  probes: Array<Probe & { cellId: string; minutes: number; stoppedEarly?: string }>;
  /** Wall minutes of the probes' cells, deploy to teardown. */
  cellMinutes: number;
  replicas: number;
}

/** The matrix the probes run: one deployment at fixed replicas, the fixed autoscaler, a constant load (or the matrix's arrival rates). */
export function searchMatrix(m: ResolvedMatrix, name: string): { matrix: ResolvedMatrix; deployment: ResolvedDeployment } {
  const d = m.deployments.find((x) => x.name === name);
  if (!d) throw new UserError(`${m.source}: --deployment ${name}: no such deployment (the matrix has ${m.deployments.map((x) => x.name).join(', ')})`);
  if (m.target.kind !== 'local') throw new UserError(`${m.source}: target.kind: search runs on the local target only in this version: use target.kind "local"`);
  const replicas = Math.max(1, d.replicas.start);
  const deployment: ResolvedDeployment = { ...d, replicas: { start: replicas, min: replicas, max: replicas } };
  const base = {
    levels: m.load.levels,
    durationMs: m.load.durationMs,
    warmupMs: m.load.warmupMs,
    settle: m.load.settle,
    ...(m.load.maxRequests !== undefined ? { maxRequests: m.load.maxRequests } : {}),
  };
  const load: ResolvedLoad = m.load.shape === 'arrival-rate' ? { ...base, shape: 'arrival-rate', maxVus: m.load.maxVus } : { ...base, shape: 'constant' };
  return {
    matrix: { ...m, name: `${m.name}-search`, deployments: [deployment], autoscalers: [{ kind: 'fixed', name: 'fixed' }], load, repeats: 1 },
    deployment,
  };
}

/** Tails a cell's points once a second and aborts when the level is clearly failing. */
function watchEarlyStop(file: string, m: ResolvedMatrix, stop: AbortController): () => void {
  // The points so far, read incrementally: each tick takes only the lines written since the last.
  const s: SoFar = { ttft: [], tpot: [], e2e: [], requests: 0, errors: 0 };
  let offset = 0;
  const timer = setInterval(() => {
    offset = forEachNewPoint(file, offset, (p) => {
      if (p.phase !== 'main') return;
      s.requests++;
      if (!p.ok) s.errors++;
      else {
        if (p.ttft_ms !== null) s.ttft.push(p.ttft_ms);
        if (p.tpot_ms !== null) s.tpot.push(p.tpot_ms);
        s.e2e.push(p.e2e_ms);
      }
    });
    const why = clearlyFailing(s, m.slo);
    if (why) {
      clearInterval(timer);
      stop.abort(new Error(why));
    }
  }, 1000);
  return () => clearInterval(timer);
}

/** Whether a probe's cell met the SLO at its level. */
export function probePassed(r: CellResult, m: ResolvedMatrix): boolean {
  if (r.status !== 'done' || r.stoppedEarly) return false;
  const c = r.client;
  const point = {
    load: 0,
    requests: c.requests,
    failures: c.errors,
    ...(c.ttftMs.p95 !== undefined ? { ttft_ms_p95: c.ttftMs.p95 } : {}),
    ...(c.tpotMs.p95 !== undefined ? { tpot_ms_p95: c.tpotMs.p95 } : {}),
    ...(c.e2eMs.p95 !== undefined ? { e2e_ms_p95: c.e2eMs.p95 } : {}),
  };
  return judgePoint(point, m.slo, 1).kind === 'pass';
}

export async function runSearch(o: SearchOptions): Promise<SearchOutcome> {
  const { matrix, deployment } = searchMatrix(o.matrix, o.deployment);
  const levels = o.matrix.load.levels;
  const bounds: SearchBounds = {
    min: o.bounds.min ?? Math.min(...levels),
    max: o.bounds.max ?? Math.max(...levels),
    resolution: o.bounds.resolution ?? 0.05,
    integer: matrix.load.shape !== 'arrival-rate',
  };
  if (!(bounds.min > 0) || bounds.max < bounds.min) throw new UserError(`search: expected 0 < --min ≤ --max, got ${bounds.min} and ${bounds.max}`);
  const tools = localTools();
  const dir = RunDir.create(o.out, newRunRecord(o.id, { ...matrix, load: { ...matrix.load, levels: [] } }, [], tools));
  setProcessJournal(join(dir.root, 'processes.jsonl'));
  const probes: SearchOutcome['probes'] = [];
  const cells: Cell[] = [];
  let result: SearchOutcome['result'] = { kind: 'interrupted' };
  let target: Target | undefined;
  try {
    target = await openTarget({ dir, tools, catalog: o.catalog });
    for (;;) {
      const step = nextStep(probes, bounds);
      if (step.kind !== 'probe') {
        result = step;
        break;
      }
      if (o.signal.aborted) break;
      dir.record.matrix.load.levels.push(step.level);
      const cell = { ...expandCells({ ...matrix, load: { ...matrix.load, levels: [step.level] } })[0]!, index: cells.length };
      cells.push(cell);
      dir.record.cells.push({ id: cell.id, index: cell.index, status: 'running', startedAt: new Date().toISOString(), attempts: 1 });
      dir.save();
      const stop = new AbortController();
      const cellDir = dir.freshCellDir(cell.id);
      const unwatch = o.earlyStop ? watchEarlyStop(join(cellDir, 'points.jsonl'), matrix, stop) : () => {};
      const started = Date.now();
      let r: CellResult;
      try {
        r = await runCell({
          cell,
          total: cells.length,
          matrix,
          target,
          k6: tools.k6,
          dir: cellDir,
          progress: o.progress,
          signal: o.signal,
          stopLoad: stop.signal,
        });
      } catch (err) {
        if (!(err instanceof CellInterrupted)) throw err;
        dir.update(cell.id, { status: 'interrupted', endedAt: new Date().toISOString(), reason: 'interrupted' });
        break;
      } finally {
        unwatch();
      }
      const minutes = (Date.now() - started) / 60_000;
      dir.update(cell.id, { status: r.status, endedAt: new Date().toISOString(), ...(r.reason ? { reason: r.reason } : {}) });
      const pass = probePassed(r, matrix);
      probes.push({ level: step.level, pass, cellId: cell.id, minutes, ...(r.stoppedEarly ? { stoppedEarly: r.stoppedEarly } : {}) });
      o.progress.cellDone(
        `probe ${probes.length}: ${step.level} ${bounds.integer ? 'users' : 'requests/s'} on ${deployment.replicas.start} replica(s): ${pass ? 'pass' : 'fail'}${r.stoppedEarly ? ` (stopped early: ${r.stoppedEarly})` : ''} in ${minutes.toFixed(2)} min`,
      );
    }
  } finally {
    await target?.close();
    setProcessJournal(undefined);
  }
  dir.setStatus(result.kind === 'interrupted' ? 'interrupted' : 'done');
  if (cells.length) writeReport(dir, cells);
  return { dir, result, probes, cellMinutes: probes.reduce((s, p) => s + p.minutes, 0), replicas: deployment.replicas.start };
}
