import type { z } from 'zod';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointSchema } from '../../src/results/points.js';
import { rng } from '../../src/load/arrivals.js';
import { readJsonl } from '../../src/results/files.js';
import type { RunRecord } from '../../src/results/run-dir.js';
import { ensureBuilt, onlyRun, readJsonFile, runCli, scratch, writeMatrix } from './helpers.js';
import type { CellResult } from '../../src/results/cell-result.js';

/**
 * Realistic traffic through `scalebench run` on the local target:
 * - a generated trace (Poisson, 40 requests/s, lengths of its own) replayed
 *   open-loop: each request sent within 10 ms (p99) of when it was due, with
 *   the trace's lengths, at the trace's rate;
 * - a conversation cell: later turns carry longer prompts (the history), and
 *   the simulator's KV cache reports the shared prefix as cached tokens.
 */
type Point = z.output<typeof pointSchema>;

beforeAll(() => ensureBuilt(), 120_000);

function cellOf(runDir: string): { dir: string; result: CellResult; points: Point[] } {
  const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
  const dir = join(runDir, 'cells', run.cells[0]!.id);
  return { dir, result: readJsonFile<CellResult>(join(dir, 'result.json')), points: readJsonl(join(dir, 'points.jsonl'), pointSchema) };
}

describe('a trace replayed open-loop', () => {
  const RATE = 40;
  let cell: ReturnType<typeof cellOf>;
  let trace: Array<{ t_ms: number; prompt_tokens: number; output_tokens: number }>;

  beforeAll(async () => {
    const dir = scratch();
    const u = rng(11);
    trace = [];
    for (let t = 1000 * 3600; t < 1000 * 3600 + 16_000; t += -Math.log(1 - u()) * (1000 / RATE)) {
      trace.push({ t_ms: Math.round(t * 1000) / 1000, prompt_tokens: 16 + Math.floor(u() * 100), output_tokens: 2 + Math.floor(u() * 14) });
    }
    writeFileSync(join(dir, 'trace.jsonl'), `${trace.map((r) => JSON.stringify(r)).join('\n')}\n`);
    writeMatrix(
      dir,
      'replay.yaml',
      `name: replay
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 256, max_model_len: 2048 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 20ms, itl: 5ms }
load: { shape: trace, trace: trace.jsonl, duration: 12s, warmup: 2s, settle: until-idle }
sample_interval: 1s
`,
    );
    const res = await runCli(['run', 'replay.yaml', '--out', 'out'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    cell = cellOf(onlyRun(join(dir, 'out')));
  }, 180_000);

  it('every request was sent within 10 ms (p99) of when it was due', () => {
    const late = cell.points.map((p) => p.t - p.t_sched!).sort((a, b) => a - b);
    const p99 = late[Math.floor(0.99 * (late.length - 1))]!;
    console.log(`[traffic] ${late.length} requests, lateness p50 ${late[Math.floor(late.length / 2)]!.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    expect(late[0]!).toBeGreaterThanOrEqual(-1);
    expect(p99).toBeLessThanOrEqual(10);
  });

  it('with the lengths of the trace, in its order, all of them successful', () => {
    const sent = [...cell.points].sort((a, b) => a.t_sched! - b.t_sched!);
    const due = trace.slice(0, sent.length);
    expect(sent.every((p) => p.ok)).toBe(true);
    expect(sent.map((p) => p.target_prompt)).toEqual(due.map((r) => r.prompt_tokens));
    expect(sent.map((p) => p.output_tokens)).toEqual(due.map((r) => r.output_tokens));
  });

  it("at the trace's rate: achieved within 2 %, nothing unsent, the realised schedule kept with the cell", () => {
    const mainDue = trace.filter((r) => r.t_ms - trace[0]!.t_ms >= 2000 && r.t_ms - trace[0]!.t_ms < 14_000).length;
    const v = cell.result.validity!;
    expect(cell.result.schedule?.mainRequests).toBe(mainDue);
    expect(Math.abs(v.figures.achievedRps! - mainDue / 12) / (mainDue / 12)).toBeLessThanOrEqual(0.02);
    expect(v.figures.unsent).toBe(0);
    expect(readFileSync(join(cell.dir, 'schedule.jsonl'), 'utf8').trim().split('\n')).toHaveLength(cell.result.schedule!.requests);
  });
});

describe('a conversation: sessions of four turns with a shared system prompt', () => {
  let cell: ReturnType<typeof cellOf>;
  beforeAll(async () => {
    const dir = scratch();
    writeMatrix(
      dir,
      'chat.yaml',
      `name: chat
target: { kind: local, scrape_interval: 500ms }
workload:
  profile: tiny
  output_tokens: { mean: 12, stdev: 0, min: 12, max: 12 }
  conversation: { turns: 4, think_time: 200ms, system_prompt_tokens: 200 }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 64, max_model_len: 4096 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 20ms, itl: 5ms }
load: { shape: constant, users: [4], duration: 10s, settle: until-idle }
sample_interval: 1s
`,
    );
    const res = await runCli(['run', 'chat.yaml', '--out', 'out'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    cell = cellOf(onlyRun(join(dir, 'out')));
  }, 180_000);

  it('later turns carry longer prompts: each turn of a session longer than the one before', () => {
    const sessions = new Map<string, Point[]>();
    for (const p of cell.points) sessions.set(p.session!, [...(sessions.get(p.session!) ?? []), p]);
    const complete = [...sessions.values()].filter((s) => s.length === 4);
    expect(complete.length).toBeGreaterThanOrEqual(4);
    for (const s of complete) {
      const byTurn = s.sort((a, b) => a.turn! - b.turn!);
      expect(byTurn.map((p) => p.turn)).toEqual([1, 2, 3, 4]);
      for (let i = 1; i < 4; i++) expect(byTurn[i]!.prompt_tokens!).toBeGreaterThan(byTurn[i - 1]!.prompt_tokens! + 12);
    }
  });

  it('the cached-token share is recorded: the shared prefix and the history come from the cache', () => {
    const share = cell.result.client.cachedTokenShare!;
    console.log(`[traffic] conversation: cached-token share ${share}`);
    expect(share).toBeGreaterThan(0.3);
    const later = cell.points.filter((p) => (p.turn ?? 0) > 1);
    expect(later.every((p) => (p.cached_tokens ?? 0) > 200)).toBe(true);
  });
});
