import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describeCapacity, judgePoint } from '../analysis/capacity.js';
import { expandCells } from '../matrix/expand.js';
import { writeProfiles } from '../recommend/profiles.js';
import { analyzeRun } from '../report/analyze-run.js';
import { RunDir } from '../results/run-dir.js';
import { nextMatrix } from '../tune/next-matrix.js';
import { observeRun } from '../tune/observe.js';
import { tuneBySimulation, tuneSimulationText, type TuneSimulation } from '../tune/simulate.js';
import { tuneConfig, type TuneResult } from '../tune/tune.js';
import { UserError } from '../util/errors.js';
import { projectCatalog } from '../catalog/catalog.js';
import { hasObjectives } from '../vocabulary/metrics.js';

interface TuneFlags {
  out: string;
  profiles: string;
  ramp: string;
  nextMatrix?: string;
  deployment?: string;
  json?: boolean;
  simulate?: boolean;
  top: string;
}

const f = (v: number | undefined, d = 1): string => (v === undefined ? '—' : v.toFixed(d));

/** One config's conclusions as text: the curve, capacity, fits, targets, predicted vs measured. */
export function tuneText(r: TuneResult, slo: Parameters<typeof judgePoint>[1], unit: string): string {
  const lines = [`${r.config.deployment} (${r.config.key})`];
  const header = ['load/replica', 'requests', 'ttft p95', 'tpot p95', 'e2e p95', 'rps/replica', 'running', 'waiting', 'verdict'];
  const rows = r.profile.curve.map((p) => {
    const v = judgePoint(p, slo);
    return [
      String(p.load),
      String(p.requests),
      f(p.ttft_ms_p95),
      f(p.tpot_ms_p95),
      f(p.e2e_ms_p95),
      f(p.successful_rps_per_replica, 2),
      f(p.running_per_replica_mean, 2),
      f(p.waiting_per_replica_mean, 2),
      v.kind,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  for (const x of [header, ...rows]) lines.push(`  ${x.map((c, i) => c.padStart(widths[i]!)).join('  ')}`);
  lines.push(`  capacity at SLO: ${describeCapacity(r.capacity, unit)}`);
  const fit = Object.entries(r.fits).flatMap(([k, v]) => (v ? [`${k} p95 ≈ ${v.intercept} + ${v.slope} × load`] : []));
  if (fit.length) lines.push(`  fitted: ${fit.join('; ')} (ms)`);
  if (r.scaleUpLagS !== undefined) lines.push(`  scale-up lag (median, real time): ${r.scaleUpLagS} s`);
  if (r.targets) {
    lines.push(
      `  targets: HPA Pods vllm:num_requests_running ${r.targets.hpaRunning}; KEDA ${r.targets.keda.metric} ${r.targets.keda.threshold} (headroom ÷${r.targets.headroom})`,
    );
    for (const n of r.targets.notes) lines.push(`  note: ${n}`);
  } else lines.push('  targets: none (capacity is not known inside the levels tested)');
  if (r.predictedCapacity !== undefined) lines.push(`  estimated capacity (capacity model): ${r.predictedCapacity} ${unit}`);
  for (const a of r.accuracy) lines.push(`  predicted vs measured ${a.metric}: bias ${a.biasPct} %, MAPE ${a.mapePct} % (n=${a.n})`);
  return lines.join('\n');
}

/**
 * `scalebench tune <run-id>`: per deployment config of a finished run, the
 * latency-vs-load curve, capacity at the SLO, autoscaler targets, profiles
 * for `recommend`, predicted vs measured; --next-matrix writes the matrix
 * again with the tuned targets.
 */
export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('fit latency vs load per deployment config of a run: capacity at SLO, HPA/KEDA targets, profiles for recommend, predicted vs measured')
    .argument('<run-id>', 'a run under --out (or its directory)')
    .option('--out <dir>', 'where run directories are', 'reports')
    .option('--profiles <dir>', 'where to store the profiles recommend reads', 'reports/profiles')
    .option('--ramp <fraction>', 'how fast traffic can rise, per minute (headroom over the scale-up lag)', '0.2')
    .option('--next-matrix <file>', "write the run's matrix with the tuned targets")
    .option('--deployment <name>', 'whose targets go into --next-matrix (default: the only one)')
    .option('--json', 'print the results as JSON')
    .option('--simulate', 'also search autoscaler targets × stabilization windows × min replicas by simulation; --next-matrix then holds the best few')
    .option('--top <n>', 'with --simulate: configurations in the next matrix', '3')
    .action((runId: string, flags: TuneFlags) => {
      const ramp = Number(flags.ramp);
      if (!Number.isFinite(ramp) || ramp < 0) throw new UserError(`--ramp ${flags.ramp}: expected a fraction per minute, 0 or more, such as 0.2`);
      const dir = RunDir.open(flags.out, runId);
      const cells = expandCells(dir.record.matrix);
      const m = dir.record.matrix;
      if (!hasObjectives(m.slo))
        throw new UserError(
          `${m.source}: slo: the run's matrix has no SLO, so there is no capacity at SLO: add slo (e.g. { ttft_ms_p95: 500ms }) and run it again`,
        );
      const inputs = observeRun(projectCatalog(), dir, analyzeRun(dir, cells), ramp);
      if (inputs.length === 0) throw new UserError(`run ${dir.record.id}: no finished cell to tune from (see the status of each cell in ${dir.runJson})`);
      const results = inputs.map(tuneConfig);
      const written = [
        ...writeProfiles(
          join(dir.root, 'profiles'),
          results.map((r) => r.profile),
        ),
        ...writeProfiles(
          flags.profiles,
          results.map((r) => r.profile),
        ),
      ];
      let next: { path: string; changes: string[] } | undefined;
      let simulated: TuneSimulation | undefined;
      if (flags.simulate) {
        const chosen = flags.deployment ?? (results.length === 1 ? results[0]!.config.deployment : undefined);
        if (!chosen)
          throw new UserError(
            `--simulate: the run has several deployment configs: name one with --deployment (${results.map((r) => r.config.deployment).join(', ')})`,
          );
        simulated = tuneBySimulation({
          catalog: projectCatalog(),
          matrix: m,
          deployment: chosen,
          profiles: results.map((r) => r.profile),
          top: Number(flags.top) || 3,
          ...(flags.nextMatrix ? { nextMatrix: flags.nextMatrix } : {}),
        });
      } else if (flags.nextMatrix) {
        const chosen = flags.deployment ? results.find((r) => r.config.deployment === flags.deployment) : results.length === 1 ? results[0] : undefined;
        if (!chosen)
          throw new UserError(
            `--next-matrix: ${flags.deployment ? `no deployment "${flags.deployment}" in the run` : 'the run has several deployment configs'}: name one with --deployment (${results.map((r) => r.config.deployment).join(', ')})`,
          );
        if (!chosen.targets)
          throw new UserError(
            `--next-matrix: ${chosen.config.deployment}: no targets, its capacity is ${describeCapacity(chosen.capacity, 'per replica')}: run levels that straddle it`,
          );
        if (!existsSync(m.source)) throw new UserError(`--next-matrix: the run's matrix ${m.source} is gone: the next matrix is written from it`);
        const out = nextMatrix(readFileSync(m.source, 'utf8'), m.source, chosen.targets, `${m.name.replace(/-tuned$/, '')}-tuned`.slice(0, 63));
        writeFileSync(flags.nextMatrix, out.text);
        next = { path: flags.nextMatrix, changes: out.changes };
      }
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ run: dir.record.id, configs: results.map(({ profile: _p, ...r }) => r), profiles: written, ...(next ? { next_matrix: next } : {}), ...(simulated ? { simulated } : {}) }, null, 2)}\n`,
        );
        return;
      }
      const unit = inputs[0]!.arrival === 'rate' ? 'requests/s per replica' : 'users per replica';
      process.stdout.write(`${results.map((r) => tuneText(r, m.slo, unit)).join('\n\n')}\n`);
      process.stdout.write(`profiles: ${written.join(', ')}\n`);
      if (next) process.stdout.write(`next matrix: ${next.path}\n${next.changes.map((c) => `  ${c}`).join('\n')}\n`);
      if (simulated) process.stdout.write(`${tuneSimulationText(simulated)}\n`);
    });
}
