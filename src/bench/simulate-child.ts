/**
 * The measured side of the simulation speed bench (src/bench/simulate.ts):
 * simulates every cell of the matrix given as its argument without writing
 * any file (client figures aggregated on the fly) and prints a SimulateBench
 * as JSON. Run alone so that maxRSS is the simulation's own.
 */
import { expandCells } from '../matrix/expand.js';
import { loadMatrix } from '../matrix/load.js';
import { oracleFor } from '../simulate/oracle.js';
import { simulateCells } from '../simulate/run-matrix.js';
import type { SimulateBench } from './simulate.js';
import { projectCatalog } from '../catalog/catalog.js';

const file = process.argv[2];
if (!file) throw new Error('usage: simulate-child.js <matrix>');
const catalog = projectCatalog();
const matrix = loadMatrix(file, catalog);
const cells = expandCells(matrix);
const t0 = performance.now();
const figures = simulateCells({ catalog, matrix, cells, profiles: [], startMs: Date.UTC(2030, 0, 1) });
const wallS = (performance.now() - t0) / 1000;
const t1 = performance.now();
const oracle = oracleFor(catalog, cells[0]!, matrix, []);
const result: SimulateBench = {
  wallS,
  oracleS: (performance.now() - t1) / 1000,
  // resourceUsage().maxRSS is in kilobytes.
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  cells: figures.map((f) => ({
    autoscaler: f.cell.autoscaler.name,
    requests: f.client.requests,
    events: f.outcome.events,
    wallS: f.wallMs / 1000,
    ...(f.client.attainment !== undefined ? { attainment: f.client.attainment } : {}),
    replicaSeconds: Math.round(f.outcome.mainReplicaSeconds),
    maxReplicas: f.outcome.maxReplicas,
  })),
  ...(oracle ? { oracleReplicaSeconds: Math.round(oracle.replicaSeconds) } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
