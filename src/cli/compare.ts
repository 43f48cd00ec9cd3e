import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { expandCells } from '../matrix/expand.js';
import { compareHtml, compareMarkdown, compareRuns } from '../report/compare.js';
import { type BenchmarkRecord, benchmarkRecordSchema } from '../results/records.js';
import { writeReport } from '../report/write.js';
import { readJsonl, writeAtomic } from '../results/files.js';
import { displayPath, openRun } from './report.js';

interface CompareFlags {
  out: string;
  to?: string;
}

/** A run's records; its report is written first if it has none yet. */
function records(out: string, ref: string): { id: string; records: BenchmarkRecord[] } {
  const dir = openRun(out, ref);
  const file = join(dir.root, 'records.jsonl');
  if (!existsSync(file)) writeReport(dir, expandCells(dir.record.matrix));
  return { id: dir.record.id, records: readJsonl(file, benchmarkRecordSchema) };
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('the same cells of two runs side by side, with the change of every metric (Markdown on stdout, and an HTML page)')
    .argument('<run-a>', 'the earlier run (id or directory)')
    .argument('<run-b>', 'the later run (id or directory)')
    .option('--out <dir>', 'where run directories are', 'reports')
    .option('--to <dir>', 'where compare.md and compare.html go (default: <out>/compare-<a>-vs-<b>)')
    .action((a: string, b: string, flags: CompareFlags) => {
      const ra = records(flags.out, a);
      const rb = records(flags.out, b);
      const comparison = compareRuns(ra, rb);
      const to = resolve(flags.to ?? join(flags.out, `compare-${ra.id}-vs-${rb.id}`));
      const md = compareMarkdown(comparison);
      writeAtomic(join(to, 'compare.md'), md);
      writeAtomic(join(to, 'compare.html'), compareHtml(comparison));
      process.stdout.write(md);
      process.stderr.write(
        `compare: ${comparison.cells.length} cells in both runs; written to ${displayPath(join(to, 'compare.md'))} and ${displayPath(join(to, 'compare.html'))}\n`,
      );
    });
}
