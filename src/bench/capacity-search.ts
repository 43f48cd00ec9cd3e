import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { capacityOf, describeCapacity, type CurvePoint } from '../analysis/capacity.js';
import { round } from '../analysis/stats.js';
import { loadMatrix } from '../matrix/load.js';
import { errorStats } from '../recommend/accuracy.js';
import { deploymentParams } from '../recommend/candidates.js';
import { capacityAtSlo } from '../recommend/capacity-model.js';
import { readJsonl } from '../results/files.js';
import { readRunRecord } from '../results/run-dir.js';
import { projectRoot } from '../util/tools.js';
import { projectCatalog } from '../catalog/catalog.js';
import { benchmarkRecordSchema } from '../results/records.js';
import { parseOutput } from './outputs.js';

/**
 * Bench section: `scalebench search` against the fine grid it replaces, on
 * matrices/examples/capacity-grid.yaml (one simulated replica, constant loads
 * of 8 to 48 users): capacity found (target: within ±10 % of the grid's) and
 * cell-minutes spent (target: ≤ 40 % of the grid's), and the capacity model's
 * estimate against both.
 */

const pexec = promisify(execFile);
const cli = join(projectRoot, 'bin', 'scalebench.js');
const GRID = join(projectRoot, 'matrices', 'examples', 'capacity-grid.yaml');

/** Wall minutes of every cell of a run, deploy to teardown (run.json's start and end of each cell). */
function cellMinutes(runDir: string): number {
  const record = readRunRecord(join(runDir, 'run.json'));
  return record.cells.reduce((s, c) => s + (c.startedAt && c.endedAt ? (Date.parse(c.endedAt) - Date.parse(c.startedAt)) / 60_000 : 0), 0);
}

/** The grid's records as a curve: one point per level (one replica, so load = users). */
function gridCurve(runDir: string): CurvePoint[] {
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  return readJsonl(join(runDir, 'records.jsonl'), benchmarkRecordSchema).map((r) => {
    const p: CurvePoint = { load: Number(r.level) / Number(r.replicas_min), requests: Number(r.requests), failures: Number(r.failures) };
    const [t, o, e] = [num(r.ttft_ms_p95), num(r.tpot_ms_p95), num(r.e2e_ms_p95)];
    if (t !== undefined) p.ttft_ms_p95 = t;
    if (o !== undefined) p.tpot_ms_p95 = o;
    if (e !== undefined) p.e2e_ms_p95 = e;
    return p;
  });
}

/** What the bench reads of `scalebench search --json`. */
const searchOutputSchema = z.looseObject({
  result: z.looseObject({ kind: z.string(), lo: z.number().optional(), hi: z.number().optional() }),
  probes: z.array(z.unknown()),
  cell_minutes: z.number(),
});

export async function benchCapacitySearch(scratch: string): Promise<Array<[string, string]>> {
  const env = { ...process.env, CI: 'true' };
  process.stderr.write('bench: capacity, fine grid (21 levels of matrices/examples/capacity-grid.yaml)\n');
  await pexec(process.execPath, [cli, 'run', GRID, '--out', scratch, '--id', 'grid', '--json'], { env, maxBuffer: 1 << 24 });
  process.stderr.write('bench: capacity, search on the same matrix\n');
  const { stdout } = await pexec(process.execPath, [cli, 'search', GRID, '--deployment', 'sim', '--out', scratch, '--id', 'search', '--json'], {
    env,
    maxBuffer: 1 << 24,
  });
  const search = parseOutput(stdout, '`scalebench search --json` (stdout)', searchOutputSchema);

  const catalog = projectCatalog();
  const matrix = loadMatrix(GRID, catalog);
  const grid = capacityOf(gridCurve(join(scratch, 'grid')), matrix.slo);
  const gridMinutes = cellMinutes(join(scratch, 'grid'));
  const gridLo = grid.kind === 'interval' ? grid.lo : undefined;
  const searchLo = search.result.kind === 'interval' ? search.result.lo : undefined;
  const est = capacityAtSlo(deploymentParams(catalog, matrix.deployments[0]!, matrix.workload), matrix.slo);
  const estimate = est.ok ? est.users : undefined;
  const vsGrid = gridLo && searchLo ? `${round((100 * (searchLo - gridLo)) / gridLo, 1)} % (target within ±10 %)` : 'n/a: no interval on one side';
  const measured = [gridLo, searchLo].filter((v): v is number => v !== undefined);
  const mape =
    estimate !== undefined
      ? errorStats(
          'capacity',
          measured.map((m) => ({ predicted: estimate, measured: m })),
        )
      : undefined;
  return [
    ['capacity: grid (last pass, users/replica)', `${describeCapacity(grid, 'users')}`],
    [
      'capacity: search interval',
      search.result.kind === 'interval' ? `[${search.result.lo}, ${search.result.hi}] users in ${search.probes.length} probes` : search.result.kind,
    ],
    ['capacity: search vs grid', vsGrid],
    [
      'capacity: cell-minutes search / grid',
      `${search.cell_minutes.toFixed(2)} / ${gridMinutes.toFixed(2)} = ${round((100 * search.cell_minutes) / gridMinutes, 1)} % (target ≤ 40 %)`,
    ],
    [
      'capacity: estimated (capacity model) vs measured',
      estimate !== undefined && mape ? `${estimate} users vs ${measured.join(' (grid), ')} (search): MAPE ${mape.mapePct} %, bias ${mape.biasPct} %` : 'n/a',
    ],
  ];
}
