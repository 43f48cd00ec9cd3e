import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expandCells } from '../matrix/expand.js';
import { RunDir } from '../results/run-dir.js';
import { calibrateCell, readCellSide } from '../simulate/calibrate.js';
import { writeSimRun } from '../simulate/run-matrix.js';
import { projectRoot } from '../util/tools.js';
import { projectCatalog } from '../catalog/catalog.js';

/**
 * The simulation's calibration on the local target: each example matrix run
 * for real (`scalebench run`), then simulated against that run; per cell the
 * share of samples off by more than one replica, attainment and
 * replica-seconds differences, p95 TTFT error. The step and trace examples by
 * default; the spike example (20 minutes of real runs) with
 * SCALEBENCH_BENCH_SPIKE=1.
 */
export const calibrationExamples = ['tune-step.yaml', 'bursty-trace.yaml', 'spike-scale-from-zero.yaml'] as const;

export function benchSimulateCalibration(scratch: string): Array<[string, string]> {
  const examples = calibrationExamples.filter((e) => e !== 'spike-scale-from-zero.yaml' || process.env.SCALEBENCH_BENCH_SPIKE === '1');
  const rows: Array<[string, string]> = [];
  for (const example of examples) {
    const id = `bench-${example.replace(/\.yaml$/, '')}`;
    process.stderr.write(`bench: calibration, ${example} run on the local target, then simulated\n`);
    execFileSync(process.execPath, [join(projectRoot, 'bin/scalebench.js'), 'run', join(projectRoot, 'matrices/examples', example), '--out', scratch, '--id', id], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CI: 'true' },
    });
    const measured = RunDir.open(scratch, id);
    const cells = expandCells(measured.record.matrix);
    const { dir } = writeSimRun({ catalog: projectCatalog(), matrix: measured.record.matrix, cells, profiles: [], reportsDir: scratch, id: `sim-${id}` });
    for (const c of cells) {
      const m = readCellSide(measured, c.id);
      const s = readCellSide(dir, c.id);
      if (!m || !s) continue;
      const r = calibrateCell(c, m, s);
      rows.push([
        `calibration: ${example} ${c.autoscaler.name} L${c.level} r${c.repeat}`,
        `off by >1 replica ${(r.offByMoreThanOne * 100).toFixed(1)} % (≤ 10), attainment ${r.attainment.diffPoints ?? '—'} pts (±5), replica-seconds ${r.replicaSeconds.diffPct ?? '—'} % (±10), p95 TTFT ${r.ttftP95Ms.errorPct ?? '—'} %`,
      ]);
    }
  }
  return rows;
}
