import { relative } from 'node:path';
import type { Command } from 'commander';
import { expandCells } from '../matrix/expand.js';
import { writeReport } from '../report/write.js';
import { RunDir } from '../results/run-dir.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a run\'s report: summary.csv, timeseries.csv, records.jsonl, summary.md, index.html')
    .argument('<run-id>', 'the run, as printed by `scalebench run`')
    .option('--out <dir>', 'where run directories are', 'reports')
    .action((id: string, flags: { out: string }) => {
      const dir = RunDir.open(flags.out, id);
      const files = writeReport(dir, expandCells(dir.record.matrix));
      for (const f of files) process.stdout.write(`${relative(process.cwd(), f)}\n`);
    });
}
