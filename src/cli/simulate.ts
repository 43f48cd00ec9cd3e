import type { Command } from 'commander';
import { expandCells } from '../matrix/expand.js';
import { loadMatrix } from '../matrix/load.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import { readProfiles } from '../recommend/profiles.js';
import { writeReport } from '../report/write.js';
import { RunDir } from '../results/run-dir.js';
import { newRunId } from '../runner/run.js';
import { calibrateCell, calibrationText, measuredCellId, measuredTimeline, readCellSide, type CellCalibration } from '../simulate/calibrate.js';
import { oracleFor } from '../simulate/oracle.js';
import { writeSimRun, type SimCellFigures } from '../simulate/run-matrix.js';
import { UserError } from '../util/errors.js';
import { projectCatalog } from '../catalog/catalog.js';

interface SimulateFlags {
  profiles: string;
  out: string;
  id?: string;
  against?: string;
  points: boolean;
  json?: boolean;
}

const f = (v: number | undefined, d = 1): string => (v === undefined ? '—' : v.toFixed(d));

/** A simulated cell as one line: client figures, replica-seconds beside the oracle's, wall time. */
function cellLine(x: SimCellFigures, oracle: number | undefined): string {
  const c = x.client;
  return `${x.cell.id}: ${c.requests} requests, ${c.errors} errors, attainment ${f(c.attainment === undefined ? undefined : c.attainment * 100)} %, p95 TTFT ${f(c.ttft_ms_p95)} ms, p95 TPOT ${f(c.tpot_ms_p95)} ms, replica-seconds ${f(x.outcome.mainReplicaSeconds)} (oracle ${f(oracle)}), replicas max ${x.outcome.maxReplicas}, simulated in ${Math.round(x.wallMs)} ms`;
}

/**
 * `scalebench simulate <matrix>`: every cell as a discrete-event simulation
 * (src/simulate), written as a run directory with its report, marked as
 * simulated. `--against <run-id>`: the measured run's own matrix, and per
 * cell how far the simulation is from the measurement.
 */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'simulate a matrix (replicas, router, metric pipeline, the HPA/KEDA decision code) faster than real time; --against <run-id> compares with a measured run',
    )
    .argument('[matrix]', 'matrix file (YAML); omit with --against')
    .option('--profiles <dir>', 'measured profiles (scalebench tune) for service times; the capacity model where none matches', 'reports/profiles')
    .option('--out <dir>', 'where run directories are', 'reports')
    .option('--id <run-id>', "the simulated run's id (default: sim-<matrix name>-<UTC time>)")
    .option('--against <run-id>', "simulate a measured run's matrix and compare, cell by cell")
    .option('--no-points', 'keep no points.jsonl (client figures aggregated on the fly; for long traces)')
    .option('--json', 'print the results as JSON')
    .action((matrixPath: string | undefined, flags: SimulateFlags) => {
      const catalog = projectCatalog();
      let matrix: ResolvedMatrix;
      let measured: RunDir | undefined;
      if (flags.against) {
        if (matrixPath) throw new UserError('simulate: give either a matrix or --against <run-id>, not both');
        measured = RunDir.open(flags.out, flags.against);
        matrix = measured.record.matrix;
      } else {
        if (!matrixPath)
          throw new UserError('simulate: give a matrix file (e.g. `scalebench simulate matrices/examples/tune-step.yaml`) or --against <run-id>');
        matrix = loadMatrix(matrixPath, catalog);
      }
      const cells: Cell[] = expandCells(matrix);
      const profiles = readProfiles(flags.profiles);
      const id = flags.id ?? `sim-${measured ? measured.record.id : newRunId(matrix)}`;
      const progress = process.stderr.isTTY && !flags.json && process.env.CI !== 'true';
      const aligned = measured ? measuredTimeline(measured) : undefined;
      const { dir, figures } = writeSimRun({
        catalog,
        matrix,
        cells,
        profiles,
        ...(aligned ? { timing: aligned.timing, deployAt: aligned.deployAt, deployReadyMs: aligned.deployReadyMs } : {}),
        reportsDir: flags.out,
        id,
        points: flags.points,
        onCell: (x, i) => {
          if (progress) process.stderr.write(`cell ${i + 1}/${cells.length} ${x.cell.id} simulated in ${Math.round(x.wallMs)} ms\n`);
        },
      });
      const files = writeReport(dir, cells);
      const oracles = figures.map((x) => oracleFor(catalog, x.cell, matrix, x.service.source === 'profile' ? profiles : []));
      let calibration: CellCalibration[] | undefined;
      if (measured) {
        calibration = cells.flatMap((c) => {
          const m = readCellSide(measured, measuredCellId(measured, c));
          const s = readCellSide(dir, c.id);
          return m && s ? [calibrateCell(c, m, s)] : [];
        });
      }
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              run: dir.record.id,
              simulated: true,
              dir: dir.root,
              cells: figures.map((x, i) => ({
                id: x.cell.id,
                service: x.service,
                client: x.client,
                ...x.outcome,
                oracle: oracles[i],
                wall_ms: Math.round(x.wallMs),
              })),
              ...(calibration ? { against: measured!.record.id, calibration } : {}),
              files,
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      process.stdout.write(`SIMULATED run ${dir.record.id} (${dir.root})\n`);
      for (const s of new Set(figures.map((x) => `  service times, ${x.cell.deployment.name}: ${x.service.note}`))) process.stdout.write(`${s}\n`);
      for (const [i, x] of figures.entries()) process.stdout.write(`${cellLine(x, oracles[i]?.replicaSeconds)}\n`);
      if (calibration) {
        process.stdout.write(
          `\nagainst measured run ${measured!.record.id}:\n${calibrationText(calibration)
            .map((l) => `  ${l}`)
            .join('\n')}\n`,
        );
      }
      process.stdout.write(`report: ${files.find((p) => p.endsWith('index.html'))}\n`);
    });
}
