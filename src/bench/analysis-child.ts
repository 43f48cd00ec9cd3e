/**
 * The measured side of the analysis bench (src/bench/analysis.ts): analyses
 * the run directory given as its argument and prints an AnalysisBench as JSON.
 * Run alone so that maxRSS is the analysis's own.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { expandCells } from '../matrix/expand.js';
import { analyzeRun } from '../report/analyze-run.js';
import { renderReport } from '../report/write.js';
import { RunDir } from '../results/run-dir.js';
import type { AnalysisBench } from './analysis.js';

const root = process.argv[2];
if (!root) throw new Error('usage: analysis-child.js <run directory>');
const dir = RunDir.open(dirname(root), basename(root));
const cells = expandCells(dir.record.matrix);
const t0 = performance.now();
const analysis = analyzeRun(dir, cells);
const t1 = performance.now();
const heap = process.memoryUsage().heapUsed;
renderReport(analysis);
const t2 = performance.now();
const points = analysis.cells.reduce((n, c) => n + (c.client?.requests ?? 0), 0);
const result: AnalysisBench = {
  points,
  fileMb: cells.reduce((n, c) => n + statSync(join(dir.cellDir(c.id), 'points.jsonl')).size, 0) / 2 ** 20,
  analysisS: (t1 - t0) / 1000,
  reportS: (t2 - t1) / 1000,
  pointsPerS: points / ((t1 - t0) / 1000),
  // resourceUsage().maxRSS is in kilobytes.
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  heapMb: heap / 2 ** 20,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
