import { canonicalJson, sha256Hex } from '../util/canonical.js';
import type { Cell, LoadShape, ResolvedAutoscaler, ResolvedDeployment, ResolvedLoad, ResolvedMatrix } from './types.js';

/** How a cell id names its load level: `step32` is 32 users stepped, `rate2.5` is 2.5 requests/s. */
export const shapePrefix = {
  constant: 'const',
  step: 'step',
  spike: 'spike',
  ramp: 'ramp',
  'arrival-rate': 'rate',
  trace: 'trace',
} as const satisfies Record<LoadShape, string>;

/**
 * Per cell, outside the load itself: deploying, waiting for the first replicas
 * and tearing down. Local replicas are processes on this machine (their
 * simulated startup is added on top); cluster pods pull images and load weights.
 */
export const CELL_OVERHEAD_MS = { local: 5_000, kubernetes: 180_000 } as const;

type CellContent = Pick<Cell, 'deployment' | 'autoscaler' | 'level' | 'repeat'> & {
  load: ResolvedLoad;
  matrix: Pick<ResolvedMatrix, 'workload' | 'slo' | 'target'>;
};

/**
 * The cell id: readable parts, then the first 8 hex digits of the sha256 of
 * everything that decides what the cell does. Formatting, key order and
 * comments in the YAML do not change it; any content change does.
 */
export function cellId(c: CellContent): string {
  const { levels: _levels, ...loadWithoutLevels } = c.load;
  const content = {
    deployment: c.deployment,
    autoscaler: c.autoscaler,
    load: loadWithoutLevels,
    level: c.level,
    repeat: c.repeat,
    workload: c.matrix.workload,
    slo: c.matrix.slo,
    target: c.matrix.target,
  };
  const hash8 = sha256Hex(canonicalJson(content)).slice(0, 8);
  return `${c.deployment.name}.${c.autoscaler.name}.${shapePrefix[c.load.shape]}${c.level}.r${c.repeat}-${hash8}`;
}

/**
 * Every cell of a matrix, in run order: deployments × autoscalers × levels ×
 * repeats (the repeat varies fastest). `index` is the 0-based position.
 */
export function expandCells(m: ResolvedMatrix): Cell[] {
  const cells: Cell[] = [];
  const each = (deployment: ResolvedDeployment, autoscaler: ResolvedAutoscaler, level: number, repeat: number): void => {
    const id = cellId({ deployment, autoscaler, load: m.load, level, repeat, matrix: m });
    cells.push({ id, index: cells.length, deployment, autoscaler, load: m.load, level, repeat });
  };
  for (const deployment of m.deployments) {
    for (const autoscaler of m.autoscalers) {
      for (const level of m.load.levels) {
        for (let repeat = 1; repeat <= m.repeats; repeat++) each(deployment, autoscaler, level, repeat);
      }
    }
  }
  return cells;
}

/** Expected settle time in ms: the fixed settle, or a typical drain for until-idle. */
function settleMs(load: ResolvedLoad): number {
  const s = load.settle;
  switch (s.kind) {
    case 'fixed':
      return s.ms;
    case 'until-idle':
      return s.estimateMs;
  }
}

/**
 * Estimated wall time of one cell in ms: deploy and teardown allowance
 * (CELL_OVERHEAD_MS, plus the simulated startup on the local target),
 * warm-up, the main phase and the settle.
 */
export function estimateCellMs(cell: Cell, m: ResolvedMatrix): number {
  const startup = m.target.kind === 'local' ? cell.deployment.simulator.startupMs : 0;
  return CELL_OVERHEAD_MS[m.target.kind] + startup + cell.load.warmupMs + cell.load.durationMs + settleMs(cell.load);
}

/** Estimated wall time of the whole matrix in ms: the cells run one after another. */
export function estimateRunMs(m: ResolvedMatrix): number {
  return expandCells(m).reduce((sum, cell) => sum + estimateCellMs(cell, m), 0);
}
