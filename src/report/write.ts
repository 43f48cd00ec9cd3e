import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Cell } from '../matrix/types.js';
import { readJson, writeAtomic } from '../results/files.js';
import type { RunDir } from '../results/run-dir.js';
import type { CellResult } from '../runner/cell.js';
import { summaryCsv, summaryRow } from './summary-csv.js';

/** Writes the run-level files from the cells' results; returns their paths. */
export function writeSummary(dir: RunDir, cells: readonly Cell[]): string[] {
  const rows = cells.map((cell) => {
    const file = join(dir.cellDir(cell.id), 'result.json');
    const result = existsSync(file) ? (readJson(file) as CellResult) : undefined;
    return summaryRow(cell, dir.entry(cell.id), result);
  });
  const csv = join(dir.root, 'summary.csv');
  writeAtomic(csv, summaryCsv(rows));
  return [join(dir.root, 'run.json'), csv];
}
