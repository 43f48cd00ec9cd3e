import type { CellAnalysis } from '../analysis/cell-analysis.js';
import { mdText } from './markdown.js';

/**
 * summary.md's "Load runners" section: for each cell whose load ran as runner
 * pods, the requests of each pod, those that failed, and how far apart their
 * starts and clocks were (the merged series align within that).
 */
export function runnerPodLines(cells: readonly CellAnalysis[]): string[] {
  const ran = cells.filter((c) => c.runnerPods);
  if (ran.length === 0) return [];
  const lines = ['## Load runners', ''];
  for (const c of ran) {
    const r = c.runnerPods!;
    const pods = r.pods.map((p) => `${p.mainRequests}${p.phase === 'Succeeded' ? '' : ` (${p.phase})`}`).join(' + ');
    const total = r.pods.reduce((a, p) => a + p.mainRequests, 0);
    lines.push(
      `- ${mdText(c.cell.id)}: ${r.parallelism} runner pods of ${mdText(r.image)}; main-phase requests ${pods} = ${total}; ` +
        `clock skew between pods: starts ${r.skew.startSpreadMs} ms apart, wall-clock steps up to ${r.skew.clockStepMaxMs} ms`,
    );
    for (const p of r.pods.filter((x) => x.reason)) lines.push(`  - ${mdText(p.name)} (index ${p.index}): ${mdText(p.reason!)}`);
  }
  lines.push('');
  return lines;
}
