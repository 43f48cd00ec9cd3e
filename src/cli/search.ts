import type { Command } from 'commander';
import { loadMatrix } from '../matrix/load.js';
import { newRunId } from '../runner/run.js';
import { createProgress } from '../runner/progress.js';
import { runSearch, type SearchOutcome } from '../search/search.js';
import { ExitCode, UserError } from '../util/errors.js';
import { projectCatalog } from '../catalog/catalog.js';
import { hasObjectives } from '../vocabulary/metrics.js';

interface SearchFlags {
  deployment: string;
  out: string;
  id?: string;
  min?: string;
  max?: string;
  resolution: string;
  earlyStop: boolean;
  json?: boolean;
}

const num = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag} ${v}: expected a positive number`);
  return n;
};

/** One line for the search's outcome. */
export function searchLine(o: SearchOutcome, unit: string): string {
  const r = o.result;
  const spent = `${o.probes.length} probes, ${o.cellMinutes.toFixed(2)} cell-minutes`;
  switch (r.kind) {
    case 'interval':
      return `capacity at SLO: [${r.lo}, ${r.hi}] ${unit} on ${o.replicas} replica(s) (last pass ${r.lo}, first fail ${r.hi}); ${spent}`;
    case 'below-lowest':
      return `capacity at SLO: below the lowest level (${r.lowest} ${unit} already fails); ${spent}`;
    case 'above-highest':
      return `capacity at SLO: above the highest level (${r.highest} ${unit} still passes); ${spent}`;
    case 'interrupted':
      return `interrupted after ${spent}`;
  }
}

/** `scalebench search <matrix> --deployment <name>`: the highest users (or rate) meeting the SLO, by bisection. */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description("find the highest users (or request rate) meeting the matrix's SLO for one deployment, by bisection with early stop of clearly failing levels")
    .argument('<matrix>', 'matrix file; its SLO, workload, duration and level range are used')
    .requiredOption('--deployment <name>', 'the deployment to search (at replicas.start, fixed)')
    .option('--out <dir>', 'where the search run directory goes', 'reports')
    .option('--id <run-id>', "the search run's id (default: <matrix name>-search-<UTC time>)")
    .option('--min <level>', 'lowest level (default: the lowest of load.users / load.rates)')
    .option('--max <level>', 'highest level (default: the highest)')
    .option('--resolution <fraction>', 'stop when the interval is this fraction of its lower end wide', '0.05')
    .option('--no-early-stop', 'run every probe to its end')
    .option('--json', 'print the outcome as JSON')
    .action(async (path: string, flags: SearchFlags) => {
      const catalog = projectCatalog();
      const matrix = loadMatrix(path, catalog);
      if (!hasObjectives(matrix.slo))
        throw new UserError(`${path}: slo: search looks for the highest load meeting the SLO: add one (e.g. slo: { ttft_ms_p95: 500ms })`);
      const progress = createProgress({ json: Boolean(flags.json) });
      const controller = new AbortController();
      const onSignal = (): void => controller.abort(new Error('interrupted'));
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const bounds = {
          resolution: num('--resolution', flags.resolution)!,
          ...(flags.min ? { min: num('--min', flags.min)! } : {}),
          ...(flags.max ? { max: num('--max', flags.max)! } : {}),
        };
        const o = await runSearch({
          matrix,
          catalog,
          deployment: flags.deployment,
          out: flags.out,
          id: flags.id ?? newRunId({ ...matrix, name: `${matrix.name}-search` }),
          bounds,
          earlyStop: flags.earlyStop,
          progress,
          signal: controller.signal,
        });
        progress.close();
        const unit = matrix.load.shape === 'arrival-rate' ? 'requests/s' : 'users';
        if (flags.json)
          process.stdout.write(
            `${JSON.stringify({ run: o.dir.record.id, dir: o.dir.root, result: o.result, replicas: o.replicas, probes: o.probes, cell_minutes: Number(o.cellMinutes.toFixed(3)) }, null, 2)}\n`,
          );
        else
          process.stdout.write(
            `${searchLine(o, unit)}\nrun: ${o.dir.root} (scalebench tune ${o.dir.record.id}${flags.out !== 'reports' ? ` --out ${flags.out}` : ''})\n`,
          );
        if (o.result.kind === 'interrupted') process.exitCode = ExitCode.interrupted;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
