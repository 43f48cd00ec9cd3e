import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { expandCells } from '../matrix/expand.js';
import { writeReport } from '../report/write.js';
import { RunDir } from '../results/run-dir.js';

/** A run by id under the reports directory, or by the path of its directory. */
export function openRun(out: string, ref: string): RunDir {
  if (!existsSync(join(out, ref, 'run.json')) && existsSync(join(ref, 'run.json'))) return RunDir.open(dirname(ref), basename(ref));
  return RunDir.open(out, ref);
}

/** Relative to the working directory when it lies below it, else absolute. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("write a run's report: summary.csv, timeseries.csv, records.jsonl, summary.md, index.html")
    .argument('<run-id>', 'the run, as printed by `scalebench run` (or the path of its directory)')
    .option('--out <dir>', 'where run directories are', 'reports')
    .action((ref: string, flags: { out: string }) => {
      const dir = openRun(flags.out, ref);
      const files = writeReport(dir, expandCells(dir.record.matrix));
      for (const f of files) process.stdout.write(`${displayPath(f)}\n`);
    });
}
