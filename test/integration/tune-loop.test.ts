import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../../src/results/files.js';
import { projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, runCli, scratch, writeMatrix } from './helpers.js';
import { benchmarkRecordSchema } from '../../src/results/records.js';

/**
 * The README's tuning example end to end (matrices/examples/tune-step.yaml):
 * a step load run with the upstream default targets (HPA concurrency 10, KEDA
 * waiting 20), `tune` deriving new ones from that run, and the confirmation
 * run on the same step load. About 2 minutes.
 */

/** Attainment over every request of the run, and replica-seconds summed over its cells. */
function runFigures(file: string): { attainment: number; replicaSeconds: number; byAutoscaler: Record<string, [number, number]> } {
  const recs = readJsonl(file, benchmarkRecordSchema).map((r) => ({
    autoscaler: String(r.autoscaler),
    requests: Number(r.requests),
    slo_attainment: Number(r.slo_attainment),
    replica_seconds: Number(r.replica_seconds),
  }));
  const requests = recs.reduce((s, r) => s + r.requests, 0);
  return {
    attainment: recs.reduce((s, r) => s + r.slo_attainment * r.requests, 0) / requests,
    replicaSeconds: recs.reduce((s, r) => s + r.replica_seconds, 0),
    byAutoscaler: Object.fromEntries(recs.map((r) => [r.autoscaler, [r.slo_attainment, r.replica_seconds]])),
  };
}

beforeAll(() => ensureBuilt(), 120_000);

describe('tuning the autoscalers from a run (local target)', () => {
  const dir = scratch();
  let tuneOut: string;
  let first: ReturnType<typeof runFigures>;
  let second: ReturnType<typeof runFigures>;

  beforeAll(async () => {
    writeMatrix(dir, 'tune-step.yaml', readFileSync(join(projectRoot, 'matrices/examples/tune-step.yaml'), 'utf8'));
    const a = await runCli(['run', 'tune-step.yaml', '--out', 'out', '--id', 'first'], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    const t = await runCli(['tune', 'first', '--out', 'out', '--profiles', 'profiles', '--next-matrix', 'tuned.yaml'], { cwd: dir });
    expect(t.code, t.stderr).toBe(0);
    tuneOut = t.stdout;
    const b = await runCli(['run', 'tuned.yaml', '--out', 'out', '--id', 'second'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    first = runFigures(join(dir, 'out/first/records.jsonl'));
    second = runFigures(join(dir, 'out/second/records.jsonl'));
    process.stderr.write(`tune loop: before ${JSON.stringify(first)}\ntune loop: after  ${JSON.stringify(second)}\n${tuneOut}\n`);
  }, 300_000);

  it('finds capacity inside the levels the step went through, and targets above the default concurrency', () => {
    expect(tuneOut).toMatch(/capacity at SLO: [\d.]+–[\d.]+ users per replica/);
    const hpa = /hpa: vllm:num_requests_running 10 → vllm:num_requests_running ([\d.]+)/.exec(tuneOut);
    expect(Number(hpa?.[1])).toBeGreaterThan(10);
    // Waiting stays at 0 up to capacity on these replicas: KEDA moves to running.
    expect(tuneOut).toMatch(
      /keda: sum\(vllm:num_requests_waiting\{namespace="scalebench"\}\) > 20 → sum\(vllm:num_requests_running\{namespace="scalebench"\}\) > [\d.]+/,
    );
    expect(tuneOut).toMatch(/predicted vs measured capacity_users_per_replica: bias -?[\d.]+ %, MAPE [\d.]+ %/);
  });

  it('the confirmation run meets the SLO more often at no more than 10 % more replica-seconds, or as often for less', () => {
    const better = second.attainment > first.attainment && second.replicaSeconds <= 1.1 * first.replicaSeconds;
    const cheaper = Math.abs(second.attainment - first.attainment) <= 0.01 && second.replicaSeconds < first.replicaSeconds;
    expect(better || cheaper, `before ${JSON.stringify(first)}, after ${JSON.stringify(second)}`).toBe(true);
  });

  it('writes a profile recommend can read', async () => {
    const r = await runCli(
      [
        'recommend',
        '--profile',
        'tiny',
        '--slo',
        'ttft_ms_p95=300ms',
        '--slo',
        'tpot_ms_p95=75ms',
        '--qps',
        '50',
        '--gpu',
        'L4',
        '--model',
        'meta-llama/Llama-3.2-1B-Instruct',
        '--profiles',
        'profiles',
        '--json',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { chosen: { basis: string }; runners_up: Array<{ basis: string }> };
    expect([out.chosen, ...out.runners_up].some((c) => c.basis === 'measured')).toBe(true);
  });
});
