import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { profileNames, profiles as workloads, type ProfileName } from '../load/profiles.js';
import type { ResolvedSlo } from '../matrix/types.js';
import { buildCandidates } from '../recommend/candidates.js';
import { figures, recommendationDoc } from '../recommend/recommendation-doc.js';
import { recommend, type Evaluation, type Recommendation, type UseCase } from '../recommend/recommender.js';
import { readProfiles } from '../recommend/profiles.js';
import { useCaseNames, useCases, type UseCaseName } from '../recommend/use-cases.js';
import { parseDuration } from '../util/duration.js';
import { ExitCode, UserError } from '../util/errors.js';
import { projectCatalog } from '../catalog/catalog.js';
import { hasObjectives, objectives, type Objective } from '../vocabulary/metrics.js';

interface RecommendFlags {
  useCase?: UseCaseName;
  profile?: ProfileName;
  promptTokens?: string;
  outputTokens?: string;
  qps: string;
  growth: string;
  ramp: string;
  /** `--slo <objective>=<duration>`, repeatable: objectives by their names in the metric table. */
  slo: string[];
  model?: string;
  gpu?: string;
  profiles: string;
  namespace: string;
  out?: string;
  json?: boolean;
  sharing?: boolean;
}

function positive(flag: string, text: string, allowZero = false): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new UserError(`${flag} ${text}: expected a ${allowZero ? 'non-negative' : 'positive'} number, such as ${flag === '--qps' ? '10' : '0.2'}`);
  return v;
}

/** `ttft_ms_p95=150ms`: an objective of the metric table and its limit; anything else names the flag and the fix. */
export function sloFlag(text: string): [Objective, number] {
  const [name = '', value, ...rest] = text.split('=');
  const usage = `--slo ${text}: expected <objective>=<duration> with an objective of ${objectives.join(', ')}, such as --slo ttft_ms_p95=150ms`;
  if (value === undefined || rest.length) throw new UserError(usage);
  const objective = objectives.find((o) => o === name);
  if (!objective) throw new UserError(`--slo ${text}: "${name}" is not an objective; the objectives are ${objectives.join(', ')}`);
  const v = parseDuration(value);
  if (v === undefined || v <= 0) throw new UserError(`--slo ${text}: expected a duration with a unit after "=", such as ${name}=150ms or ${name}=7s`);
  return [objective, v];
}

/** The use case the flags describe: a named one, with any flag overriding it. */
export function useCaseFromFlags(f: RecommendFlags): UseCase {
  const named = f.useCase ? useCases[f.useCase] : undefined;
  const workload = f.profile ?? named?.workload;
  if (!workload)
    throw new UserError(
      `recommend: give --use-case (${useCaseNames.join(', ')}) or --profile (${profileNames.join(', ')}) with objectives, e.g. --slo ttft_ms_p95=150ms`,
    );
  const slo: ResolvedSlo = { ...(named?.slo ?? {}) };
  for (const text of f.slo) {
    const [key, v] = sloFlag(text);
    slo[key] = v;
  }
  if (!hasObjectives(slo))
    throw new UserError(`recommend: no SLO: give --use-case or at least one --slo (${objectives.join(', ')}; e.g. --slo ttft_ms_p95=500ms)`);
  const w = workloads[workload];
  return {
    name: f.useCase ?? workload,
    workload,
    promptTokens: f.promptTokens !== undefined ? positive('--prompt-tokens', f.promptTokens) : w.prompt.mean,
    outputTokens: f.outputTokens !== undefined ? positive('--output-tokens', f.outputTokens) : w.output.mean,
    slo,
    peakQps: positive('--qps', f.qps),
    growth: positive('--growth', f.growth, true),
    rampPerMin: positive('--ramp', f.ramp, true),
  };
}

type Ok = Extract<Evaluation, { ok: true }>;

function row(label: string, e: Ok): string[] {
  const r = e.sizing.replicas;
  const k = e.targets.keda;
  return [
    label,
    e.candidate.id,
    e.confidence === 'measured' ? `measured (${e.candidate.basis.kind === 'measured' ? e.candidate.basis.engine : ''})` : 'estimated',
    `${e.atLeast ? '≥ ' : ''}${e.usersPerReplica}`,
    String(e.rpsPerReplica),
    `${r.min}/${r.peak}/${r.max}`,
    `$${e.sizing.usdPerMonth.toFixed(0)}`,
    `$${e.sizing.usdPerMillionTokens}`,
    String(e.targets.hpaRunning),
    `${k.metric.replace('vllm:num_requests_', '')} ${k.threshold}`,
  ];
}

/** The recommendation as text: a table of the choice and runners-up, or the closest misses. */
export function recommendationText(r: Recommendation, u: UseCase): string {
  const lines: string[] = [];
  if (!r.best) {
    lines.push(`no configuration of the ${r.evaluated} considered meets the SLO of ${u.name}; the closest:`);
    for (const e of r.closest) lines.push(`  ${e.candidate.id} (${e.confidence}): ${e.why}`);
    return `${lines.join('\n')}\n`;
  }
  const header = ['', 'config', 'basis', 'users/replica', 'rps/replica', 'replicas min/peak/max', 'per month', 'per M tokens', 'HPA running', 'KEDA'];
  const rows = [row('chosen', r.best), ...r.runnersUp.map((e, i) => row(`runner-up ${i + 1}`, e))];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  for (const x of [header, ...rows])
    lines.push(
      x
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  const v = r.best.candidate;
  lines.push(
    '',
    `vLLM: --max-num-seqs=${v.maxNumSeqs} --max-model-len=${v.maxModelLen} --gpu-memory-utilization=${v.gpuMemoryUtilization}${v.extraArgs.length ? ` ${v.extraArgs.join(' ')}` : ''} (${v.gpuCount} × ${v.hardware}, ${v.precision})`,
  );
  for (const n of r.best.targets.notes) lines.push(`note: ${n}`);
  for (const w of r.why ?? []) lines.push(`why: ${w}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `scalebench recommend`: the cheapest configuration meeting a use case's
 * SLOs, from measured profiles where they exist and the roofline otherwise.
 * Exit 1 when no configuration meets them.
 */
export function registerRecommend(program: Command): void {
  program
    .command('recommend')
    .description(
      'the cheapest configuration (model × GPU × count × vLLM settings) meeting SLOs for a traffic profile: measured profiles where they exist, roofline estimates otherwise',
    )
    .addOption(new Option('--use-case <name>', 'a named use case: workload and SLOs').choices(useCaseNames))
    .addOption(new Option('--profile <name>', 'workload profile (prompt → output tokens)').choices(profileNames))
    .option('--prompt-tokens <n>', "mean prompt tokens (default: the profile's)")
    .option('--output-tokens <n>', "mean output tokens (default: the profile's)")
    .option('--qps <n>', 'peak requests per second', '10')
    .option('--growth <fraction>', 'traffic above the peak to absorb (replicas.max)', '0.25')
    .option('--ramp <fraction>', 'how fast traffic can rise, per minute (autoscaler headroom)', '0.2')
    .option(
      '--slo <objective=duration>',
      `an objective, repeatable: ${objectives.join(', ')} (e.g. ttft_ms_p95=150ms)`,
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--model <name>', 'only this model')
    .option('--gpu <types>', 'only these GPU types, comma-separated (e.g. H100,L4)')
    .option('--profiles <dir>', 'measured profiles written by `scalebench tune`', 'reports/profiles')
    .option('--namespace <ns>', 'namespace for the KEDA query and the manifests', 'scalebench')
    .option('--out <file>', 'write the recommendation file (for `scalebench generate` and a matrix)')
    .option('--json', 'print the recommendation as JSON')
    .option('--sharing', 'also consider sharing the GPU of each one-GPU recipe: MIG slices, time-slicing by 2 and 4, AMD partitions (gpu.sharing)')
    .action((flags: RecommendFlags) => {
      const u = useCaseFromFlags(flags);
      const { candidates, notes } = buildCandidates({
        catalog: projectCatalog(),
        profiles: readProfiles(flags.profiles),
        workload: u.workload,
        promptTokens: u.promptTokens,
        outputTokens: u.outputTokens,
        ...(flags.model ? { model: flags.model } : {}),
        ...(flags.gpu ? { gpus: flags.gpu.split(',').map((s) => s.trim()) } : {}),
        ...(flags.sharing ? { sharing: true } : {}),
      });
      if (candidates.length === 0)
        throw new UserError(
          `recommend: no configuration to consider${flags.model ? ` for --model ${flags.model}` : ''}${flags.gpu ? ` on --gpu ${flags.gpu}` : ''}: data/recipes/ and ${flags.profiles} have none`,
        );
      for (const n of notes) process.stderr.write(`scalebench: note: ${n}\n`);
      const r = recommend(candidates, u);
      const doc = recommendationDoc(r, u, flags.namespace);
      if (flags.out && doc)
        writeFileSync(flags.out, `# scalebench recommend (${u.name}, ${u.peakQps} requests/s peak): read by \`scalebench generate\`\n${stringify(doc)}`);
      if (flags.json) {
        const out = r.best
          ? { chosen: figures(r.best), runners_up: r.runnersUp.map(figures), ...(r.why ? { why: r.why } : {}) }
          : { chosen: null, closest: r.closest.map((e) => ({ id: e.candidate.id, basis: e.confidence, miss: e.miss, why: e.why })) };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(recommendationText(r, u));
        if (flags.out && doc) process.stdout.write(`recommendation: ${flags.out} (scalebench generate ${flags.out})\n`);
      }
      if (!r.best) process.exitCode = ExitCode.gateFailed;
    });
}
