import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { readAcknowledgements } from '../gate/acknowledgements.js';
import { defaultRules, readGateFile } from '../gate/gate-file.js';
import { gate, problemFlags, type Baseline, type ProblemKind } from '../gate/gate.js';
import { historyChanges, historyText, type HistoryRun } from '../gate/history.js';
import { gateJunit, gateMarkdown } from '../gate/outputs.js';
import { expandCells } from '../matrix/expand.js';
import { baselineSchema, benchmarkRecordSchema, type BenchmarkRecord } from '../results/records.js';
import { writeReport } from '../report/write.js';
import { readJsonl, writeJsonAtomic } from '../results/files.js';
import { RunDir } from '../results/run-dir.js';
import { ExitCode, UserError } from '../util/errors.js';
import { readInputFile } from '../util/input-file.js';

/** A run's records; the report is written first if the run has none yet. */
function runRecords(out: string, id: string): { dir: RunDir; records: BenchmarkRecord[] } {
  const dir = RunDir.open(out, id);
  const file = join(dir.root, 'records.jsonl');
  if (!existsSync(file)) writeReport(dir, expandCells(dir.record.matrix));
  return { dir, records: readJsonl(file, benchmarkRecordSchema) };
}

function loadBaseline(ref: string, baselines: string): Baseline {
  const file = existsSync(ref) ? ref : join(baselines, `${ref}.json`);
  if (!existsSync(file)) throw new UserError(`no baseline "${ref}" (looked for ${file}): save one with \`scalebench baseline save <run-id> --name ${ref}\``);
  const fix = 'save one with `scalebench baseline save <run-id> --name <name>`';
  return readInputFile(file, baselineSchema, { fix, hint: `not a baseline: ${fix}` }).data;
}

export function registerGate(program: Command): void {
  const baseline = program.command('baseline').description("save a run's records as a baseline for later gates");
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
    .description(
      'compare a run with a baseline, failing closed (exit 1 on a regression, a failed, invalid or missing cell, a missing metric, or no comparison), or look for change points in a history of runs',
    )
    .argument('[run-id]')
    .option('--baseline <name|file>', 'a name under --baselines, or a file')
    .option(
      '--gates <file>',
      "gate rules (YAML); default: gates/default.yaml's rules (latency, throughput, SLO attainment, goodput, replica-seconds, scale-up lag, oscillations)",
    )
    .option('--acknowledged <file>', 'known changes (YAML): reported, not failed, until they expire')
    .option('--out <dir>', 'where run directories are', 'reports')
    .option('--baselines <dir>', 'where baselines are', 'reports/baselines')
    .option('--history <dir>', 'a directory of past runs: flag a change point per cell and metric')
    .option('--window <runs>', 'history: runs on each side of a change point, at least', '5')
    .option('--allow-failed', 'report cells that did not finish, without failing')
    .option('--allow-invalid', 'report invalid cells, without failing')
    .option('--allow-missing', 'report baseline cells absent from this run, without failing')
    .option('--allow-missing-metric', 'report records without a gated metric, without failing')
    .option('--json', 'print the outcome as JSON')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--markdown <file>', 'also write the Markdown summary to a file')
    .action((id: string | undefined, f: GateFlags) => {
      const rules = f.gates ? readGateFile(f.gates) : defaultRules;
      const acknowledgements = f.acknowledged ? readAcknowledgements(f.acknowledged) : [];
      if (f.history) {
        const window = Number(f.window);
        if (!Number.isInteger(window) || window < 2) throw new UserError(`gate --window: expected a whole number of runs ≥ 2, got "${f.window}"`);
        const o = historyChanges(historyRuns(f.history, window), rules, { window, acknowledgements });
        const text = historyText(o);
        if (f.markdown) writeFileSync(f.markdown, `\`\`\`\n${text}\`\`\`\n`);
        process.stdout.write(f.json ? `${JSON.stringify(o, null, 2)}\n` : text);
        process.exitCode = o.passed ? ExitCode.ok : ExitCode.gateFailed;
        return;
      }
      if (!id || !f.baseline) throw new UserError('gate: give a run id and --baseline <name|file> (or --history <dir>)');
      const b = loadBaseline(f.baseline, f.baselines);
      const { dir, records } = runRecords(f.out, id);
      const allow = (Object.keys(problemFlags) as ProblemKind[]).filter((k) => f[flagKey[k]]);
      const outcome = gate(b, { records, matrixHash: dir.record.matrixHash }, rules, { allow, acknowledgements, runId: id });
      const title = `gate ${id} against ${b.name} (${b.runId})`;
      const markdown = gateMarkdown(outcome, title);
      if (f.junit) writeFileSync(f.junit, gateJunit(outcome, title));
      if (f.markdown) writeFileSync(f.markdown, markdown);
      for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
      for (const k of outcome.allowed) process.stderr.write(`warning: ${problemFlags[k]} given: such problems are reported, not failed\n`);
      process.stdout.write(f.json ? `${JSON.stringify(outcome, null, 2)}\n` : markdown);
      process.exitCode = outcome.passed ? ExitCode.ok : ExitCode.gateFailed;
    });
}

interface GateFlags {
  baseline?: string;
  gates?: string;
  acknowledged?: string;
  out: string;
  baselines: string;
  history?: string;
  window: string;
  allowFailed?: boolean;
  allowInvalid?: boolean;
  allowMissing?: boolean;
  allowMissingMetric?: boolean;
  json?: boolean;
  junit?: string;
  markdown?: string;
}

const flagKey = { failed: 'allowFailed', invalid: 'allowInvalid', missing: 'allowMissing', 'missing-metric': 'allowMissingMetric' } as const satisfies Record<
  ProblemKind,
  keyof GateFlags
>;

/** The runs in a directory, oldest first. */
function historyRuns(root: string, window: number): HistoryRun[] {
  const runs = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'run.json')))
    .map((d) => runRecords(root, d))
    .sort((a, b) => a.dir.record.startedAt.localeCompare(b.dir.record.startedAt));
  if (runs.length < 2 * window)
    throw new UserError(`gate --history: ${runs.length} runs in ${root}; a change point needs ${window} runs on each side (${2 * window}; see --window)`);
  return runs.map((r) => ({ id: r.dir.record.id, records: r.records }));
}
