import type { Command } from 'commander';
import { estimateCellMs, expandCells } from '../matrix/expand.js';
import { loadMatrix } from '../matrix/load.js';
import type { ResolvedMatrix } from '../matrix/types.js';
import { formatDuration } from '../util/duration.js';
import { projectCatalog } from '../catalog/catalog.js';

/** One planned cell, as `plan --json` prints it. */
export interface PlannedCell {
  /** 0-based run order. */
  index: number;
  id: string;
  deployment: string;
  autoscaler: string;
  shape: string;
  /** Users, or requests/s for arrival-rate. */
  level: number;
  /** 1-based. */
  repeat: number;
  estimatedMs: number;
}

/** What `plan --json` prints: the cells in run order and the total estimated wall time. */
export interface Plan {
  matrix: string;
  hash: string;
  cells: PlannedCell[];
  estimatedMs: number;
}

/** The plan of a resolved matrix (pure). */
export function planMatrix(m: ResolvedMatrix): Plan {
  const cells = expandCells(m).map((c) => ({
    index: c.index,
    id: c.id,
    deployment: c.deployment.name,
    autoscaler: c.autoscaler.name,
    shape: c.load.shape,
    level: c.level,
    repeat: c.repeat,
    estimatedMs: estimateCellMs(c, m),
  }));
  return { matrix: m.name, hash: m.hash, cells, estimatedMs: cells.reduce((s, c) => s + c.estimatedMs, 0) };
}

/** The plan as a text table, one row per cell, then the total. */
export function planTable(plan: Plan): string {
  const header = ['#', 'id', 'deployment', 'autoscaler', 'shape', 'level', 'repeat', 'estimate'];
  const rows = plan.cells.map((c) => [
    String(c.index),
    c.id,
    c.deployment,
    c.autoscaler,
    c.shape,
    String(c.level),
    String(c.repeat),
    formatDuration(c.estimatedMs),
  ]);
  const numeric = new Set([0, 5, 6, 7]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]): string =>
    cols
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const n = plan.cells.length;
  const cells = `${n} cell${n === 1 ? '' : 's'}`;
  const total = `${cells}, estimated wall time ${formatDuration(plan.estimatedMs)} (matrix ${plan.matrix}, hash ${plan.hash.slice(0, 12)})`;
  return [line(header), ...rows.map(line), '', total, ''].join('\n');
}

/** `scalebench plan <matrix> [--json]`: the cells a run would execute, without running anything. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('list the cells of a matrix and the estimated wall time, without running anything')
    .argument('<matrix>', 'matrix file (YAML), e.g. matrices/nightly.yaml')
    .option('--json', 'print the plan as JSON on stdout')
    .action((matrixPath: string, flags: { json?: boolean }) => {
      const plan = planMatrix(loadMatrix(matrixPath, projectCatalog()));
      process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : planTable(plan));
    });
}
