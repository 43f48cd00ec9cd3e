import { join } from 'node:path';
import type { RunAnalysis } from '../report/analyze-run.js';
import { loadStartOf } from '../analysis/cell-analysis.js';
import { precisionOf } from '../report/records.js';
import type { ResolvedDeployment, ResolvedMatrix } from '../matrix/types.js';
import { deploymentParams } from '../recommend/candidates.js';
import type { LatencyParams } from '../recommend/capacity-model.js';
import { configKey, type Profile } from '../recommend/profiles.js';
import { forEachPoint } from '../results/point-lines.js';
import type { RunDir } from '../results/run-dir.js';
import { CurveBuilder } from './curve.js';
import type { TuneInput } from './tune.js';
import type { Catalog } from '../catalog/catalog.js';

/**
 * The I/O side of `tune`: reads a finished run's cells (samples and raw
 * points) into one latency-vs-load curve per deployment config, with the
 * scale-up lags the analysis measured.
 */

/** The engine a deployment runs: the simulator with its latency settings named (they define the config), or the custom command. */
export function engineOf(d: ResolvedDeployment): string {
  const s = d.simulator;
  if (s.command) return s.command[0]!.split('/').pop()!;
  const parts = [
    s.ttftMs !== undefined ? `ttft=${s.ttftMs}ms` : '',
    s.itlMs !== undefined ? `itl=${s.itlMs}ms` : '',
    s.timeFactorUnderLoad !== undefined ? `x${s.timeFactorUnderLoad}` : '',
  ].filter(Boolean);
  return parts.length ? `llm-d-inference-sim ${parts.join(' ')}` : 'llm-d-inference-sim';
}

export function profileConfig(d: ResolvedDeployment, m: ResolvedMatrix): Profile['config'] {
  const base = {
    model: d.model,
    hardware: d.gpu.type,
    gpus_per_replica: d.gpu.count,
    precision: precisionOf(d),
    max_num_seqs: d.vllm.maxNumSeqs,
    workload: m.workload.profile,
    engine: engineOf(d),
  };
  return {
    key: configKey(base),
    deployment: d.name,
    ...base,
    max_model_len: d.vllm.maxModelLen,
    prompt_tokens: m.workload.prompt.mean,
    output_tokens: m.workload.output.mean,
  };
}

/** One TuneInput per deployment config of a run (cells that did not finish are left out). */
export function observeRun(catalog: Catalog, dir: RunDir, analysis: RunAnalysis, rampPerMin: number): TuneInput[] {
  const m = dir.record.matrix;
  const byKey = new Map<string, { input: TuneInput; builder: CurveBuilder }>();
  for (const a of analysis.cells) {
    const cell = a.cell;
    if (a.status !== 'done' || !a.scaling) continue;
    const config = profileConfig(cell.deployment, m);
    let entry = byKey.get(config.key);
    if (!entry) {
      let params: LatencyParams | undefined;
      try {
        params = cell.deployment.simulator.command ? undefined : deploymentParams(catalog, cell.deployment, m.workload);
      } catch {
        params = undefined; // no roofline for this model or GPU: no prediction to compare
      }
      entry = {
        builder: new CurveBuilder(),
        input: {
          config,
          arrival: cell.load.shape === 'arrival-rate' ? 'rate' : 'users',
          runId: dir.record.id,
          createdAt: dir.record.createdAt,
          slo: m.slo,
          curve: [],
          scaleUpLagsS: [],
          rampPerMin,
          ...(params ? { params } : {}),
        },
      };
      byKey.set(config.key, entry);
    }
    const lag = a.scaling.scaleUpLagS;
    if (lag !== undefined) entry.input.scaleUpLagsS.push(lag / m.timeScale);
    // The samples the analysis already read, in time order.
    const samples = [...(analysis.samples.get(cell.id) ?? [])].sort((x, y) => x.t - y.t);
    const loadStart = loadStartOf(undefined, samples);
    if (loadStart === undefined) continue;
    const from = loadStart + cell.load.warmupMs;
    forEachPoint(join(dir.cellDir(cell.id), 'points.jsonl'), entry.builder.cell(samples, from, from + cell.load.durationMs));
  }
  return [...byKey.values()].map(({ input, builder }) => ({ ...input, curve: builder.curve() }));
}
