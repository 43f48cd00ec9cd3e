import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PointAccumulator } from '../../src/analysis/cell-summary.js';
import { type RawPoint, pointSchema } from '../../src/results/points.js';
import { readJsonl } from '../../src/results/files.js';
import type { RunRecord } from '../../src/results/run-dir.js';
import { ensureBuilt, onlyRun, readJsonFile, runCli, scratch, writeMatrix } from './helpers.js';
import type { CellResult } from '../../src/results/cell-result.js';

/**
 * The validity verdict on real cells, through `scalebench run`:
 * - 3 × max_num_seqs users with the chatbot profile and a warm-up: heavy
 *   queueing, yet no request fails by the harness's doing, nothing is cut at
 *   the warm-up's edge and the client never has more in flight than its users;
 * - an arrival rate the client cannot keep up with (2 VUs for 20 requests/s
 *   of ~0.4 s requests): invalid, naming the achieved rate and the dropped
 *   iterations, and left out of the report's comparison.
 */
const matrix = `name: validity
target: { kind: local, scrape_interval: 500ms }
workload: { profile: chatbot }
deployments:
  - name: queued
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 4, max_model_len: 2048 }
    replicas: { start: 1, min: 1, max: 1 }
autoscalers:
  - { name: fixed, kind: fixed }
load: { shape: constant, users: [12], duration: 10s, warmup: 5s, settle: until-idle }
sample_interval: 1s
`;

const openLoop = `name: behind
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 64 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 70ms, itl: 20ms }
autoscalers:
  - { name: fixed, kind: fixed }
load: { shape: arrival-rate, rates: [20], max_vus: 2, duration: 8s, settle: until-idle }
sample_interval: 1s
`;

beforeAll(() => ensureBuilt(), 120_000);

function cellOf(runDir: string): { result: CellResult; points: RawPoint[] } {
  const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
  const dir = join(runDir, 'cells', run.cells[0]!.id);
  return { result: readJsonFile<CellResult>(join(dir, 'result.json')), points: readJsonl(join(dir, 'points.jsonl'), pointSchema) };
}

describe('3 × max_num_seqs users, chatbot profile, with a warm-up', () => {
  let runDir: string;
  let cell: ReturnType<typeof cellOf>;
  beforeAll(async () => {
    const dir = scratch();
    writeMatrix(dir, 'validity.yaml', matrix);
    const res = await runCli(['run', 'validity.yaml', '--out', 'out'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    runDir = onlyRun(join(dir, 'out'));
    cell = cellOf(runDir);
  }, 180_000);

  it('no request failed: none made by the harness, none cut at the warm-up edge', () => {
    expect(cell.points.filter((p) => !p.ok)).toEqual([]);
    expect(cell.points.some((p) => p.phase === 'warmup')).toBe(true);
    expect(cell.result.validity?.figures.harnessErrors).toBe(0);
  });

  it('the client never had more requests in flight than its 12 users (from the points), and kept all 12 busy', () => {
    const acc = new PointAccumulator({}, 10_000);
    for (const p of cell.points) acc.add(p);
    expect(acc.inFlight(0, 1).max).toBeLessThanOrEqual(12);
    expect(cell.result.inFlight!.max).toBeLessThanOrEqual(12);
    expect(cell.result.inFlight!.mean).toBeGreaterThan(11.5);
  });

  it('is valid (a busy machine may add its CPU warning, nothing else); the server queue time sits beside TTFT and the report says its TTFT leaves the queue out', () => {
    const v = cell.result.validity!;
    expect(v.reasons.filter((r) => !r.startsWith("the machine's"))).toEqual([]);
    expect(v.verdict).not.toBe('invalid');
    expect(cell.result.phaseServer?.queue.p50?.ms).toBeGreaterThan(1000);
    const md = readFileSync(join(runDir, 'summary.md'), 'utf8');
    expect(md).toMatch(/[01] valid, [01] warn, 0 invalid/);
    expect(md).toMatch(/TTFT histogram leaves out the time requests queued/);
    const csv = readFileSync(join(runDir, 'summary.csv'), 'utf8').split('\n');
    const header = csv[0]!.split(',');
    expect(csv[1]!.split(',')[header.indexOf('validity')]).toMatch(/^(valid|warn)$/);
    // The last column; validity_reasons before it may hold commas (quoted).
    expect(header.at(-1)).toBe('server_ttft_excludes_queue');
    expect(csv[1]!.endsWith(',true')).toBe(true);
  });
});

describe('an arrival rate the client cannot keep up with', () => {
  let runDir: string;
  let cell: ReturnType<typeof cellOf>;
  beforeAll(async () => {
    const dir = scratch();
    writeMatrix(dir, 'behind.yaml', openLoop);
    const res = await runCli(['run', 'behind.yaml', '--out', 'out'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    runDir = onlyRun(join(dir, 'out'));
    cell = cellOf(runDir);
  }, 180_000);

  it('records when each request was due, and k6 dropped iterations', () => {
    expect(cell.points.every((p) => typeof p.t_sched === 'number')).toBe(true);
    expect(cell.result.droppedIterations).toBeGreaterThan(50);
  });

  it('is invalid, naming the achieved rate and the dropped count', () => {
    const v = cell.result.validity!;
    expect(v.verdict).toBe('invalid');
    expect(v.figures.achievedRps).toBeLessThan(10);
    expect(v.reasons.join(' ')).toMatch(/sent [\d.]+ requests\/s against 20 offered/);
    expect(v.reasons.join(' ')).toMatch(new RegExp(`dropped ${cell.result.droppedIterations} of 160 requests due`));
  });

  it('summary.csv and summary.md carry the verdict; the comparison leaves the cell out', () => {
    const md = readFileSync(join(runDir, 'summary.md'), 'utf8');
    expect(md).toContain('0 valid, 0 warn, 1 invalid');
    expect(md).toMatch(/Left out of this comparison, measurement invalid/);
    const [head, row] = readFileSync(join(runDir, 'summary.csv'), 'utf8').split('\n');
    const cols = head!.split(',');
    expect(row!.split(',')[cols.indexOf('validity')]).toBe('invalid');
  });
});
