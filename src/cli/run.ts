import { isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { estimateCellMs, expandCells } from '../matrix/expand.js';
import { loadMatrix } from '../matrix/load.js';
import { verdictText, writeReport } from '../report/write.js';
import { RunDir } from '../results/run-dir.js';
import { createProgress } from '../runner/progress.js';
import { executeRun, localTools, newRunId, newRunRecord } from '../runner/run.js';
import { ExitCode, UserError } from '../util/errors.js';
import { stopAll } from '../util/proc.js';
import { projectCatalog } from '../catalog/catalog.js';

interface RunFlags {
  resume?: string;
  out: string;
  id?: string;
  json?: boolean;
  keep?: boolean;
  kubeconfig?: string;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a matrix: every cell in order, results written as they come')
    .argument('[matrix]', 'matrix file (YAML), e.g. matrices/smoke.yaml')
    .option('--resume <run-id>', 'continue an interrupted run: only its unfinished cells run')
    .option('--out <dir>', 'where run directories go', 'reports')
    .option('--id <run-id>', "the new run's id (default: <matrix name>-<UTC time>)")
    .option('--json', 'print the outcome as JSON on stdout (progress stays on stderr)')
    .option('--keep', 'kubernetes target: leave the last cell deployed when the run ends')
    .option('--kubeconfig <file>', 'kubernetes target: the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)')
    .action(async (matrixPath: string | undefined, flags: RunFlags) => {
      process.exitCode = await run(matrixPath, flags);
    });
}

async function run(matrixPath: string | undefined, flags: RunFlags): Promise<number> {
  if (!matrixPath && !flags.resume) throw new UserError('run: give a matrix file (e.g. `scalebench run matrices/smoke.yaml`) or --resume <run-id>');
  if (matrixPath && flags.resume) throw new UserError('run: give either a matrix file or --resume <run-id>, not both');
  const tools = localTools();
  const catalog = projectCatalog();
  let dir: RunDir;
  if (flags.resume) {
    dir = RunDir.open(flags.out, flags.resume);
  } else {
    const matrix = loadMatrix(matrixPath!, catalog);
    const cells = expandCells(matrix);
    const id = flags.id ?? newRunId(matrix);
    dir = RunDir.create(flags.out, newRunRecord(id, matrix, cells, tools));
  }
  const cells = expandCells(dir.record.matrix);
  const progress = createProgress({ json: Boolean(flags.json), estimatesMs: cells.map((c) => estimateCellMs(c, dir.record.matrix)) });
  const shown = displayPath(dir.root);
  progress.note(`run ${dir.record.id}: ${cells.length} cells, results in ${shown}`);

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      progress.note(`\n${sig}: stopping the current cell and tearing it down (again to force)…`);
      controller.abort(new Error(sig));
    } else {
      void stopAll(500).then(() => process.exit(ExitCode.interrupted));
    }
  };
  // SIGHUP too: a closed terminal must not leave the replicas running.
  const signalsHandled = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signalsHandled) process.on(sig, onSignal);
  try {
    const outcome = await executeRun({
      dir,
      cells,
      tools,
      catalog,
      progress,
      signal: controller.signal,
      keep: Boolean(flags.keep),
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    });
    const files = writeReport(dir, cells);
    progress.close();
    const resume = `scalebench run --resume ${dir.record.id}${flags.out !== 'reports' ? ` --out ${flags.out}` : ''}`;
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ run: dir.record.id, dir: dir.root, status: dir.record.status, done: outcome.done, failed: outcome.failed, cells: cells.length, files, ...(outcome.interrupted ? { resume } : {}) }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`results: ${shown}\n`);
      for (const f of files) process.stdout.write(`  ${displayPath(f)}\n`);
      const verdict = verdictText(dir.root);
      if (verdict.length) process.stdout.write(`\n${verdict.join('\n')}\n`);
      process.stdout.write(`\nreport: ${displayPath(join(dir.root, 'index.html'))}\n`);
      if (outcome.interrupted) process.stderr.write(`interrupted: results so far are kept. Resume with: ${resume}\n`);
      else if (outcome.failed > 0) process.stderr.write(`${outcome.failed} of ${cells.length} cells failed: see "reason" in ${join(shown, 'run.json')}\n`);
    }
    if (outcome.interrupted) return ExitCode.interrupted;
    return outcome.failed > 0 ? ExitCode.runFailed : ExitCode.ok;
  } finally {
    for (const sig of signalsHandled) process.off(sig, onSignal);
  }
}

/** Relative to the working directory when it lies below it, else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
