import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointSchema } from '../../src/results/points.js';
import { sampleSchema } from '../../src/results/samples.js';
import { readJsonl } from '../../src/results/files.js';
import type { RunRecord } from '../../src/results/run-dir.js';
import { alivePids, ensureBuilt, onlyRun, readJsonFile, runCli, scratch, spawnCli, startedPids, waitFor, writeMatrix } from './helpers.js';
import type { CellResult } from '../../src/results/cell-result.js';

const T = 40; // simulator TTFT, ms

/** One replica holding at most 2 sequences, driven by 12 users: requests must queue. */
const saturating = `name: saturate
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 2 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: ${T}ms, itl: 10ms }
load: { shape: constant, users: [12], duration: 8s, settle: until-idle }
sample_interval: 1s
`;

beforeAll(() => ensureBuilt(), 120_000);

describe('scalebench run on the local target', () => {
  const dir = scratch();
  let result: Awaited<ReturnType<typeof runCli>>;
  let runDir: string;

  beforeAll(async () => {
    writeMatrix(dir, 'saturate.yaml', saturating);
    result = await runCli(['run', 'saturate.yaml', '--out', 'out'], { cwd: dir });
    runDir = onlyRun(join(dir, 'out'));
  }, 120_000);

  it('exits 0 and prints where the results are', () => {
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^results: out\/saturate-\d{8}-\d{6}$/m);
    expect(result.stdout).toContain('summary.csv');
  });

  it('writes run.json, the cell files and summary.csv', () => {
    const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    expect(run.status).toBe('done');
    expect(run.cells).toHaveLength(1);
    const cellDir = join(runDir, 'cells', run.cells[0]!.id);
    for (const f of ['cell.json', 'k6-summary.json', 'points.jsonl', 'samples.jsonl', 'events.jsonl', 'result.json']) {
      expect(existsSync(join(cellDir, f)), f).toBe(true);
    }
    const csv = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]).toMatch(/^cell_id,deployment,model,gpu,autoscaler/);
  });

  it('with users well above max_num_seqs × replicas, waiting requests appear in Prometheus and TTFT rises', () => {
    const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    const cellDir = join(runDir, 'cells', run.cells[0]!.id);
    const samples = readJsonl(join(cellDir, 'samples.jsonl'), sampleSchema);
    const waiting = samples.map((s) => s.server?.waiting ?? 0);
    expect(Math.max(...waiting)).toBeGreaterThanOrEqual(5);
    // The sample carries the replicas' CPU (from /proc) beside Prometheus' view.
    expect(samples.filter((s) => (s.cpu_utilization_pct ?? 0) > 0).length).toBeGreaterThan(3);
    const running = samples.map((s) => s.server?.running ?? 0);
    expect(Math.max(...running)).toBe(2); // never more than max_num_seqs
    const r = readJsonFile<CellResult>(join(cellDir, 'result.json'));
    expect(r.client.ttftMs.p50!).toBeGreaterThan(3 * T);
    const points = readJsonl(join(cellDir, 'points.jsonl'), pointSchema);
    expect(points.filter((p) => p.phase === 'main')).toHaveLength(r.client.requests);
  });

  it('leaves no process behind', () => {
    expect(startedPids(runDir).map((p) => p.name)).toEqual(expect.arrayContaining(['prometheus', 'k6']));
    expect(alivePids(runDir)).toEqual([]);
  });
});

describe('an interrupted run', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s mid-cell: the cell is torn down, nothing is left running, and the message says how to resume',
    async (sig) => {
      const dir = scratch();
      writeMatrix(dir, 'long.yaml', saturating.replace('duration: 8s', 'duration: 60s'));
      const { child, done } = spawnCli(['run', 'long.yaml', '--out', 'out'], { cwd: dir });
      // Interrupt once requests are flowing.
      await waitFor(
        () => {
          const out = join(dir, 'out');
          if (!existsSync(out)) return false;
          const run = readdirSync(out)[0];
          if (!run || !existsSync(join(out, run, 'cells'))) return false;
          const cell = readdirSync(join(out, run, 'cells'))[0];
          return Boolean(cell) && existsSync(join(out, run, 'cells', cell!, 'points.jsonl'));
        },
        60_000,
        'the first requests',
      );
      child.kill(sig);
      const res = await done;
      expect(res.code).toBe(130);
      expect(res.stderr).toMatch(/Resume with: scalebench run --resume saturate-\d{8}-\d{6} --out out/);
      const runDir = onlyRun(join(dir, 'out'));
      const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
      expect(run.status).toBe('interrupted');
      expect(run.cells[0]!.status).toBe('interrupted');
      expect(alivePids(runDir)).toEqual([]);
      expect(startedPids(runDir).length).toBeGreaterThanOrEqual(3);
    },
    120_000,
  );
});

describe('bad input', () => {
  const dir = scratch();

  it('a missing matrix file exits 2 naming the file', async () => {
    const res = await runCli(['run', 'nope.yaml'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('nope.yaml');
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a typo in a field exits 2 naming the file, line and field', async () => {
    writeMatrix(dir, 'typo.yaml', saturating.replace('max_num_seqs: 2', 'max_num_seq: 2'));
    const res = await runCli(['run', 'typo.yaml'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/typo\.yaml:\d+:\d+: deployments\[0\]\.vllm/);
    expect(res.stderr).toContain('max_num_seq');
  });

  it('a missing tool names the tool and scripts/setup', async () => {
    writeMatrix(dir, 'ok.yaml', saturating);
    const res = await runCli(['run', 'ok.yaml'], { cwd: dir, env: { SCALEBENCH_K6: join(dir, 'no-such-k6') } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('k6');
    expect(res.stderr).toContain('scripts/setup');
    expect(existsSync(join(dir, 'reports'))).toBe(false); // nothing started, nothing written
  });
});
