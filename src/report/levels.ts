import { upStages, type Episode } from '../analysis/anatomy.js';
import { round } from '../analysis/stats.js';
import type { LevelVerdict } from '../analysis/verdicts.js';
import type { RunAnalysis } from './analyze-run.js';
import type { CellSeries } from './level-charts.js';

/** One cell's row of the anatomy table. */
export interface AnatomyRow {
  cellId: string;
  setup: string;
  repeat: number;
  up?: Episode;
  down?: Episode;
}

/** Everything the report shows for one deployment, load shape and level. */
export interface LevelSection {
  /** Safe for an element id: letters, digits and dashes. */
  id: string;
  deployment: string;
  shape: string;
  level: number;
  verdict?: LevelVerdict;
  series: CellSeries[];
  anatomy: AnatomyRow[];
}

/** The level sections of an analysed run, in verdict order (cells that have samples). */
export function levelSections(a: RunAnalysis, verdicts: readonly LevelVerdict[]): LevelSection[] {
  const windowMs = Math.max(1000, a.record.matrix.sampleIntervalMs);
  const groups = new Map<string, LevelSection>();
  for (const c of a.cells) {
    const samples = a.samples.get(c.cell.id) ?? [];
    if (samples.length === 0) continue;
    const { deployment, load, level } = c.cell;
    const key = `${deployment.name}\u0000${load.shape}\u0000${level}`;
    const section = groups.get(key) ?? {
      id: `level-${groups.size + 1}`,
      deployment: deployment.name,
      shape: load.shape,
      level,
      series: [],
      anatomy: [],
      ...(() => {
        const v = verdicts.find((x) => x.deployment === deployment.name && x.shape === load.shape && x.level === level);
        return v ? { verdict: v } : {};
      })(),
    };
    const anatomy = a.anatomy.get(c.cell.id);
    section.series.push({ cell: c.cell, samples, windows: a.windows.get(c.cell.id) ?? [], windowMs, ...(anatomy ? { anatomy } : {}) });
    if (anatomy) {
      const up = anatomy.episodes.find((e) => e.direction === 'up');
      const down = anatomy.episodes.find((e) => e.direction === 'down');
      section.anatomy.push({ cellId: c.cell.id, setup: c.cell.autoscaler.name, repeat: c.cell.repeat, ...(up ? { up } : {}), ...(down ? { down } : {}) });
    }
    groups.set(key, section);
  }
  return [...groups.values()].sort((x, y) => x.deployment.localeCompare(y.deployment) || x.shape.localeCompare(y.shape) || x.level - y.level);
}

/** A level's heading: deployment, shape and level. */
export function levelTitle(s: Pick<LevelSection, 'deployment' | 'shape' | 'level'>): string {
  return `${s.deployment}, ${s.shape} load at level ${s.level}`;
}

/** The anatomy table's header (scale-up stages, lag, violations, scale-down). */
export const anatomyHeader = [
  'setup',
  ...upStages.slice(0, 5).map(([n]) => `↑ ${n} (s)`),
  'scale-up lag (s)',
  'SLO-violation s / requests by stage',
  '↓ ordered after (s)',
  '↓ stopped after (s)',
  'over-provisioned replica-s',
];

/** A stage's length for the table: seconds, or "never (> x)" when its end never came. */
function stageText(e: Episode | undefined, name: string): string {
  const st = e?.stages.find((s) => s.name === name);
  if (!st) return '–';
  const len = round(st.toS - st.fromS, 2);
  return st.ended ? String(len) : `never (≥ ${len})`;
}

/** The anatomy table as rows of text cells, in anatomyHeader's order. */
export function anatomyCells(r: AnatomyRow, withRepeat: boolean): string[] {
  const violations = (r.up?.stages ?? [])
    .filter((s) => s.violationS > 0 || s.violating > 0)
    .map((s) => `${s.name} ${round(s.violationS, 2)} s / ${s.violating}`);
  return [
    withRepeat ? `${r.setup} r${r.repeat}` : r.setup,
    ...upStages.slice(0, 5).map(([n]) => stageText(r.up, n)),
    r.up?.lagS !== undefined ? String(round(r.up.lagS, 2)) : '–',
    violations.length ? `${violations.join(', ')} (total ${round(r.up!.violationS, 2)} s / ${r.up!.violating})` : r.up ? 'none' : '–',
    r.down?.marks.decision !== undefined ? String(round(r.down.marks.decision, 2)) : r.down ? 'never' : '–',
    r.down?.marks.stopped !== undefined ? String(round(r.down.marks.stopped, 2)) : r.down ? 'never' : '–',
    r.down?.overProvisionedReplicaS !== undefined ? String(round(r.down.overProvisionedReplicaS, 1)) : '–',
  ];
}
