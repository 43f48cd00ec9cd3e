import { round } from '../analysis/stats.js';
import type { ResolvedSlo } from '../matrix/types.js';
import { devicesLabel, type Evaluation, type Recommendation, type UseCase } from './recommender.js';
import { objectives } from '../vocabulary/metrics.js';

/**
 * The recommendation as a document: the `recommendation:` file that
 * `generate` reads (recommendation-file.ts), the deployment and autoscalers
 * written as a matrix writes them, plus the figures behind the choice. Pure.
 */

type Ok = Extract<Evaluation, { ok: true }>;

const ms = (v: number): string => (v >= 1000 && v % 1000 === 0 ? `${v / 1000}s` : `${v}ms`);

/** SLOs as a matrix writes them: { ttft_ms_p95: 150ms, … }. */
export function sloInput(s: ResolvedSlo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of objectives) {
    const v = s[o];
    if (v !== undefined) out[o] = ms(v);
  }
  return out;
}

/** A name a matrix accepts (lower-case letters, digits, ".", "_", "-"; at most 63). */
export function safeName(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 63) || 'rec'
  );
}

/** The autoscalers of a choice, as a matrix writes them: an HPA on running requests and KEDA on its metric. */
export function autoscalerInputs(e: Ok, namespace: string): Array<Record<string, unknown>> {
  const t = e.targets;
  const short = t.keda.metric === 'vllm:num_requests_waiting' ? 'waiting' : 'running';
  return [
    { name: 'hpa-running', kind: 'hpa-custom', metric: 'vllm:num_requests_running', target: t.hpaRunning },
    {
      name: `keda-${short}`,
      kind: 'keda',
      query: `sum(${t.keda.metric}{namespace="${namespace}"})`,
      threshold: t.keda.threshold,
      min_replicas: e.sizing.replicas.min,
    },
  ];
}

/** The deployment of a choice, as a matrix writes it. */
export function deploymentInput(e: Ok): Record<string, unknown> {
  const c = e.candidate;
  const vllm: Record<string, unknown> = {
    max_num_seqs: c.maxNumSeqs,
    max_model_len: c.maxModelLen,
    gpu_memory_utilization: c.gpuMemoryUtilization,
    enable_prefix_caching: c.enablePrefixCaching,
  };
  if (c.extraArgs.length) vllm.extra_args = c.extraArgs;
  const r = e.sizing.replicas;
  const gpu = { type: c.hardware, count: c.gpuCount, ...(c.sharing ? { sharing: c.sharing } : {}) };
  return { name: safeName(c.id), model: c.model, gpu, vllm, replicas: { start: r.min, min: r.min, max: r.max } };
}

/** One configuration's figures, for the document and for --json. */
export function figures(e: Ok): Record<string, unknown> {
  const c = e.candidate;
  return {
    id: c.id,
    ...(c.recipe ? { recipe: c.recipe } : {}),
    basis: e.confidence,
    ...(c.basis.kind === 'measured' ? { measured_in: c.basis.runId, engine: c.basis.engine } : {}),
    model: c.model,
    gpu: devicesLabel(c),
    max_num_seqs: c.maxNumSeqs,
    users_per_replica: e.usersPerReplica,
    ...(e.atLeast ? { capacity_at_least: true } : {}),
    rps_per_replica: round(e.rpsPerReplica, 3),
    replicas: e.sizing.replicas,
    usd_per_month: e.sizing.usdPerMonth,
    usd_per_million_tokens: e.sizing.usdPerMillionTokens,
    hpa_running_target: e.targets.hpaRunning,
    keda: { metric: e.targets.keda.metric, threshold: e.targets.keda.threshold },
  };
}

/** The recommendation file for the best choice (undefined when nothing meets the SLO). */
export function recommendationDoc(r: Recommendation, u: UseCase, namespace: string): Record<string, unknown> | undefined {
  const best = r.best;
  if (!best) return undefined;
  return {
    recommendation: {
      name: safeName(`${u.name}-${best.candidate.id}`),
      namespace,
      slo: sloInput(u.slo),
      deployment: deploymentInput(best),
      autoscalers: autoscalerInputs(best, namespace),
      workload: { profile: u.workload, prompt_tokens: u.promptTokens, output_tokens: u.outputTokens, peak_qps: u.peakQps, growth: u.growth },
      chosen: figures(best),
      ...(r.why ? { why: r.why } : {}),
      notes: best.targets.notes,
      runners_up: r.runnersUp.map(figures),
    },
  };
}
