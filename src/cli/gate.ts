import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { findChangePoint } from '../analysis/changepoint.js';
import { defaultRules, readGateFile } from '../gate/gate-file.js';
import { gate, groupByCell, type Baseline } from '../gate/gate.js';
import { gateJunit, gateMarkdown } from '../gate/outputs.js';
import { expandCells } from '../matrix/expand.js';
import type { BenchmarkRecord } from '../report/records.js';
import { writeReport } from '../report/write.js';
import { readJson, readJsonl, writeJsonAtomic } from '../results/files.js';
import { RunDir } from '../results/run-dir.js';
import { ExitCode, UserError } from '../util/errors.js';

/** A run's records; the report is written first if the run has none yet. */
function runRecords(out: string, id: string): { dir: RunDir; records: BenchmarkRecord[] } {
  const dir = RunDir.open(out, id);
  const file = join(dir.root, 'records.jsonl');
  if (!existsSync(file)) writeReport(dir, expandCells(dir.record.matrix));
  return { dir, records: readJsonl<BenchmarkRecord>(file) };
}

function loadBaseline(ref: string, baselines: string): Baseline {
  const file = existsSync(ref) ? ref : join(baselines, `${ref}.json`);
  if (!existsSync(file)) throw new UserError(`no baseline "${ref}" (looked for ${file}): save one with \`scalebench baseline save <run-id> --name ${ref}\``);
  return readJson(file) as Baseline;
}

export function registerGate(program: Command): void {
  const baseline = program.command('baseline').description('save a run\'s records as a baseline for later gates');
  baseline
    .command('save')
    .argument('<run-id>')
    .option('--name <name>', 'baseline name', 'nightly')
    .option('--out <dir>', 'where run directories are', 'reports')
    .option('--baselines <dir>', 'where baselines go (commit them)', 'reports/baselines')
    .action((id: string, f: { name: string; out: string; baselines: string }) => {
      const { dir, records } = runRecords(f.out, id);
      const file = resolve(f.baselines, `${f.name}.json`);
      const b: Baseline = { name: f.name, createdAt: new Date().toISOString(), runId: id, matrixHash: dir.record.matrixHash, tools: dir.record.tools, records };
      writeJsonAtomic(file, b);
      process.stdout.write(`baseline ${f.name}: ${records.length} records from ${id} → ${relative(process.cwd(), file)}\n`);
    });

  program
    .command('gate')
    .description('compare a run with a baseline (exit 1 on a regression), or look for a change point in a history of runs')
    .argument('[run-id]')
    .option('--baseline <name|file>', 'a name under --baselines, or a file')
    .option('--gates <file>', 'gate rules (YAML); default: p95 TTFT/TPOT/E2E, SLO attainment, throughput, replica-seconds')
    .option('--out <dir>', 'where run directories are', 'reports')
    .option('--baselines <dir>', 'where baselines are', 'reports/baselines')
    .option('--history <dir>', 'a directory of past runs: flag a change point per cell and metric')
    .option('--json', 'print the outcome as JSON')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--markdown <file>', 'also write the Markdown summary to a file')
    .action((id: string | undefined, f: { baseline?: string; gates?: string; out: string; baselines: string; history?: string; json?: boolean; junit?: string; markdown?: string }) => {
      const rules = f.gates ? readGateFile(f.gates) : defaultRules;
      if (f.history) {
        process.exitCode = history(f.history, rules.map((r) => r.metric), Boolean(f.json));
        return;
      }
      if (!id || !f.baseline) throw new UserError('gate: give a run id and --baseline <name|file> (or --history <dir>)');
      const b = loadBaseline(f.baseline, f.baselines);
      const { dir, records } = runRecords(f.out, id);
      const outcome = gate(b, { records, matrixHash: dir.record.matrixHash }, rules);
      const title = `gate ${id} against ${b.name} (${b.runId})`;
      const markdown = gateMarkdown(outcome, title);
      if (f.junit) writeFileSync(f.junit, gateJunit(outcome, title));
      if (f.markdown) writeFileSync(f.markdown, markdown);
      for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(f.json ? `${JSON.stringify(outcome, null, 2)}\n` : markdown);
      process.exitCode = outcome.passed ? ExitCode.ok : ExitCode.gateFailed;
    });
}

/** Change points per cell key and metric over the runs in a directory, oldest first. */
function history(root: string, metrics: readonly string[], json: boolean): number {
  const runs = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'run.json')))
    .map((d) => runRecords(root, d))
    .sort((a, b) => a.dir.record.startedAt.localeCompare(b.dir.record.startedAt));
  if (runs.length < 6) throw new UserError(`gate --history: ${runs.length} runs in ${root}; a change point needs at least 6`);
  const found: Array<{ key: string; metric: string; run: string; before: number; after: number; p: number }> = [];
  const keys = new Set(runs.flatMap((r) => [...groupByCell(r.records).keys()]));
  for (const key of [...keys].sort()) {
    for (const metric of metrics) {
      const series: number[] = [];
      const ids: string[] = [];
      for (const r of runs) {
        const v = (groupByCell(r.records).get(key) ?? []).map((x) => x[metric]).filter((x): x is number => typeof x === 'number');
        if (v.length) {
          series.push(v.reduce((a, c) => a + c, 0) / v.length);
          ids.push(r.dir.record.id);
        }
      }
      const cp = findChangePoint(series);
      if (cp) found.push({ key, metric, run: ids[cp.index]!, before: cp.before.mean, after: cp.after.mean, p: cp.p });
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ runs: runs.length, changePoints: found }, null, 2)}\n`);
  else if (!found.length) process.stdout.write(`no change point in ${runs.length} runs\n`);
  else for (const c of found) process.stdout.write(`${c.key} ${c.metric}: changed at run ${c.run}, mean ${c.before.toFixed(2)} → ${c.after.toFixed(2)} (p = ${c.p.toFixed(3)})\n`);
  return found.length ? ExitCode.gateFailed : ExitCode.ok;
}
