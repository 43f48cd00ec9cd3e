import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointSchema } from '../../src/results/points.js';
import { sampleSchema } from '../../src/results/samples.js';
import { readJsonl } from '../../src/results/files.js';
import type { RunRecord } from '../../src/results/run-dir.js';
import { alivePids, ensureBuilt, onlyRun, readJsonFile, runCli, scratch, spawnCli, startedPids, waitFor, writeMatrix } from './helpers.js';
import type { CellResult } from '../../src/results/cell-result.js';

const deployment = (name: string, extra = ''): string => `  - name: ${name}
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 4 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 30ms, itl: 10ms${extra} }
`;

const matrix = (name: string, deployments: string, load: string): string => `name: ${name}
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
${deployments}load: ${load}
sample_interval: 1s
`;

beforeAll(() => ensureBuilt(), 120_000);

function cellDirs(runDir: string): string[] {
  const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
  return run.cells.map((c) => join(runDir, 'cells', c.id));
}

describe('resume', () => {
  it('a two-cell run interrupted during the second cell, then resumed, ends with both results and no process left', async () => {
    const dir = scratch();
    writeMatrix(dir, 'two.yaml', matrix('two', deployment('sim'), '{ shape: constant, users: [2, 3], duration: 6s }'));
    const first = spawnCli(['run', 'two.yaml', '--out', 'out', '--id', 'two-run'], { cwd: dir });
    const runDir = join(dir, 'out', 'two-run');
    await waitFor(
      () => {
        if (!existsSync(join(runDir, 'run.json'))) return false;
        const second = cellDirs(runDir)[1]!;
        return existsSync(join(second, 'points.jsonl'));
      },
      60_000,
      'the second cell to send requests',
    );
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('Resume with: scalebench run --resume two-run --out out');
    let run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    expect(run.cells.map((c) => c.status)).toEqual(['done', 'interrupted']);
    expect(alivePids(runDir)).toEqual([]);
    const firstResult = readJsonFile<CellResult>(join(cellDirs(runDir)[0]!, 'result.json'));

    const resumedAt = Date.now();
    const resumed = await runCli(['run', '--resume', 'two-run', '--out', 'out'], { cwd: dir });
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    expect(resumed.code).toBe(0);
    run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    expect(run.status).toBe('done');
    expect(run.cells.map((c) => [c.status, c.attempts])).toEqual([
      ['done', 1],
      ['done', 2],
    ]);
    // The finished cell was not rewritten; the interrupted one ran again from its start.
    expect(readJsonFile<CellResult>(join(cellDirs(runDir)[0]!, 'result.json'))).toEqual(firstResult);
    const points = readJsonl(join(cellDirs(runDir)[1]!, 'points.jsonl'), pointSchema);
    expect(points.length).toBeGreaterThan(10);
    expect(Math.min(...points.map((p) => p.t))).toBeGreaterThan(resumedAt);
    expect(existsSync(join(cellDirs(runDir)[1]!, 'result.json'))).toBe(true);
    expect(alivePids(runDir)).toEqual([]);
  }, 180_000);
});

describe('an interrupt while replicas start', () => {
  it('ends the cell before any load: no k6, no points, the cell interrupted, nothing left running', async () => {
    const dir = scratch();
    writeMatrix(dir, 'slow.yaml', matrix('slow', deployment('sim', ', startup: 30s'), '{ shape: constant, users: [2], duration: 6s }'));
    const run = spawnCli(['run', 'slow.yaml', '--out', 'out', '--id', 'slow-run'], { cwd: dir });
    const runDir = join(dir, 'out', 'slow-run');
    await waitFor(() => existsSync(join(runDir, 'run.json')) && startedPids(runDir).some((p) => p.name.startsWith('replica')), 60_000, 'a replica to start');
    await new Promise((r) => setTimeout(r, 1000));
    run.child.kill('SIGINT');
    const res = await run.done;
    expect(res.code).toBe(130);
    const record = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    expect(record.cells.map((c) => c.status)).toEqual(['interrupted']);
    const cell = cellDirs(runDir)[0]!;
    expect(existsSync(join(cell, 'points.jsonl'))).toBe(false);
    expect(startedPids(runDir).map((p) => p.name)).not.toContain('k6');
    expect(alivePids(runDir)).toEqual([]);
  }, 120_000);
});

describe('a failing cell', () => {
  it('is recorded with its reason and the run goes on; the exit code says a cell failed', async () => {
    const dir = scratch();
    const broken = `  - name: broken
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 30ms, itl: 10ms, command: ["/bin/sh", "-c", "echo cannot load the model >&2; exit 1"] }
`;
    writeMatrix(dir, 'fail.yaml', matrix('fail', broken + deployment('sim'), '{ shape: constant, users: [2], duration: 4s }'));
    const res = await runCli(['run', 'fail.yaml', '--out', 'out'], { cwd: dir });
    expect(res.code).toBe(3);
    const runDir = onlyRun(join(dir, 'out'));
    const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    expect(run.status).toBe('failed');
    expect(run.cells.map((c) => c.status)).toEqual(['failed', 'done']);
    expect(run.cells[0]!.reason).toMatch(/replicas crashed 3 times before becoming ready; the last, broken-\w+-2, said: cannot load the model/);
    expect(res.stdout).toContain('summary.csv');
    expect(res.stderr).toMatch(/1 of 2 cells failed/);
    expect(alivePids(runDir)).toEqual([]);
  }, 120_000);
});

describe('sampling', () => {
  it('a step-load cell shows the load change and the latency response, in time order', async () => {
    const dir = scratch();
    writeMatrix(dir, 'step.yaml', matrix('step', deployment('sim'), '{ shape: step, low: 0.25, users: [12], duration: 15s }'));
    const res = await runCli(['run', 'step.yaml', '--out', 'out'], { cwd: dir });
    expect(res.code).toBe(0);
    const cell = cellDirs(onlyRun(join(dir, 'out')))[0]!;
    const samples = readJsonl(join(cell, 'samples.jsonl'), sampleSchema).filter((s) => s.phase === 'load');
    const times = samples.map((s) => s.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Offered users: 3, then 12, then 3 again.
    const offered = samples.map((s) => s.offered);
    const firstHigh = offered.indexOf(12);
    const lastHigh = offered.lastIndexOf(12);
    expect(offered[0]).toBe(3);
    expect(firstHigh).toBeGreaterThan(0);
    expect(offered.slice(lastHigh + 1).some((u) => u === 3)).toBe(true);
    // 12 users on 4 sequences queue: waiting requests appear only with the step, after it starts.
    const waitingBefore = samples.slice(0, firstHigh).map((s) => s.server?.waiting ?? 0);
    const waitingDuring = samples.slice(firstHigh, lastHigh + 1).map((s) => s.server?.waiting ?? 0);
    expect(Math.max(...waitingBefore)).toBe(0);
    expect(Math.max(...waitingDuring)).toBeGreaterThanOrEqual(4);
    // Client side: requests started during the step wait longer for their first token.
    const points = readJsonl(join(cell, 'points.jsonl'), pointSchema).filter((p) => p.ok && p.phase === 'main');
    const t0 = Math.min(...points.map((p) => p.t));
    const early = points.filter((p) => p.t - t0 < 4000).map((p) => p.ttft_ms!);
    const during = points.filter((p) => p.t - t0 > 6500 && p.t - t0 < 9500).map((p) => p.ttft_ms!);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(during)).toBeGreaterThan(2 * mean(early));
  }, 120_000);

  it('Prometheus going down mid-cell marks gaps in the samples, warns once, and the cell completes', async () => {
    const dir = scratch();
    writeMatrix(dir, 'down.yaml', matrix('down', deployment('sim'), '{ shape: constant, users: [2], duration: 8s }'));
    const { done } = spawnCli(['run', 'down.yaml', '--out', 'out'], { cwd: dir });
    await waitFor(
      () => {
        const out = join(dir, 'out');
        if (!existsSync(out) || readdirSync(out).length === 0) return false;
        const runDir = join(out, readdirSync(out)[0]!);
        return existsSync(join(runDir, 'run.json')) && existsSync(join(cellDirs(runDir)[0]!, 'samples.jsonl'));
      },
      60_000,
      'the first sample',
    );
    const runDir = onlyRun(join(dir, 'out'));
    const prom = startedPids(runDir).find((p) => p.name === 'prometheus')!;
    process.kill(-prom.pid, 'SIGKILL');
    const res = await done;
    expect(res.code).toBe(0);
    expect(res.stderr.match(/warning: sampler: /g)).toHaveLength(1);
    const cell = cellDirs(runDir)[0]!;
    const samples = readJsonl(join(cell, 'samples.jsonl'), sampleSchema);
    expect(samples.some((s) => s.server !== undefined)).toBe(true);
    const gaps = samples.filter((s) => s.gap);
    expect(gaps.length).toBeGreaterThan(2);
    expect(gaps[0]!.gap).toMatch(/prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    expect(gaps.every((s) => s.replicas.ready === 1)).toBe(true); // the target's own view goes on
    const r = readJsonFile<CellResult>(join(cell, 'result.json'));
    expect(r.status).toBe('done');
    expect(r.sampleGaps).toBe(gaps.length);
    expect(alivePids(runDir)).toEqual([]);
  }, 120_000);
});
