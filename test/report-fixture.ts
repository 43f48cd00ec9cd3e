import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawPoint } from '../src/results/points.js';
import { summarizePoints } from '../src/analysis/cell-summary.js';

import { offeredAt } from '../src/load/k6-options.js';
import { expandCells } from '../src/matrix/expand.js';
import { parseMatrix } from '../src/matrix/load.js';
import type { Cell } from '../src/matrix/types.js';
import type { Sample } from '../src/results/samples.js';
import { writeJsonAtomic } from '../src/results/files.js';
import { cellEntries, RunDir, type RunRecord, RECORD_FORMAT } from '../src/results/run-dir.js';
import { projectCatalog } from '../src/catalog/catalog.js';
import type { RunEvent } from '../src/results/events.js';
import type { CellResult } from '../src/results/cell-result.js';

/** A model name that tries to be markup: every report must show it as text. */
export const EVIL_MODEL = 'acme/<script>window.__pwned = 1</script>';

/** Three autoscalers × two step levels × two repeats, on a deployment whose model name is EVIL_MODEL. */
export const fixtureMatrix = `name: fixture
slo: { ttft_ms_p95: 200ms, tpot_ms_p95: 25ms, e2e_ms_p95: 2s }
workload: { profile: tiny }
deployments:
  - name: sim
    model: "${EVIL_MODEL}"
    gpu: { type: L4 }
    vllm: { max_num_seqs: 8 }
    replicas: { start: 1, min: 1, max: 4 }
    simulator: { ttft: 30ms, itl: 10ms }
autoscalers:
  - { name: cpu, kind: hpa-cpu, target_utilization: 30 }
  - { name: queue, kind: hpa-custom, metric: "vllm:num_requests_waiting", target: 5 }
  - { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting)', threshold: 5 }
load: { shape: step, low: 0.25, users: [8, 32], duration: 30s, settle: 5s }
sample_interval: 1s
repeats: 2
`;

const LOAD_START = Date.UTC(2026, 10, 23, 8, 0, 0);

/**
 * What one synthetic cell did: the load steps up at 10 s and down at 20 s;
 * the autoscaler orders a replica `decide` s after the step, it is ready 1 s
 * later and removed 5 s after the step down. Requests started before the new
 * replica is ready have TTFT over the SLO at the higher level.
 */
function synthesize(cell: Cell, k: number): { points: RawPoint[]; samples: Sample[]; events: RunEvent[]; result: CellResult } {
  const decide = 1 + k + (cell.repeat - 1) * 0.5;
  const readyAt = 10 + decide + 1;
  const high = cell.level > 8;
  const points: RawPoint[] = [];
  for (let ms = 0; ms < 30_000; ms += 100) {
    const t = LOAD_START + ms;
    const slow = high && ms >= 10_000 && ms < readyAt * 1000;
    const ok = !(slow && ms % 2000 === 0);
    const ttft = slow ? 400 + (ms % 700) : 30 + (ms % 17);
    points.push({
      t,
      phase: 'main',
      ok,
      status: ok ? 200 : 503,
      error: ok ? null : 'HTTP 503',
      ttft_ms: ok ? ttft : null,
      tpot_ms: ok ? 10 + (ms % 5) / 10 : null,
      e2e_ms: ttft + 150,
      itl_ms: ok ? [10, 10.5, 11] : [],
      prompt_tokens: ok ? 32 : null,
      output_tokens: ok ? 16 : null,
    });
  }
  const samples: Sample[] = [];
  for (let s = 0; s <= 36; s++) {
    const replicas = s >= readyAt && s < 25 ? 2 : 1;
    samples.push({
      t: LOAD_START + s * 1000,
      elapsed_s: s,
      phase: s < 30 ? 'load' : 'settle',
      offered: offeredAt(cell, s * 1000),
      replicas: { desired: replicas, current: replicas, ready: replicas },
      requests: Math.min(s, 30) * 10,
      failures: 0,
      server: {
        server_ttft_ms_p50: 30,
        server_ttft_ms_p95: s > 10 && s < readyAt ? 450 : 39,
        server_ttft_ms_p99: 60,
        server_tpot_ms_p50: 10,
        server_tpot_ms_p95: 12,
        server_tpot_ms_p99: 14,
        server_e2e_ms_p50: 200,
        server_e2e_ms_p95: 290,
        server_e2e_ms_p99: 400,
        running: 6,
        waiting: high && s > 10 && s < readyAt ? 8 : 0,
        kv_cache_usage: 0.1,
        server_output_tokens_per_s: 500,
        server_requests_per_s: 30,
      },
    });
  }
  const at = (s: number): number => LOAD_START + s * 1000;
  const events: RunEvent[] = [
    { t: at(-1), kind: 'replica-started', pod: 'p-0' },
    { t: at(-0.5), kind: 'replica-ready', pod: 'p-0', startupMs: 0 },
    { t: at(10 + decide), kind: 'scale', from: 1, to: 2, reason: 'test' },
    { t: at(10 + decide), kind: 'replica-started', pod: 'p-1' },
    { t: at(readyAt), kind: 'replica-ready', pod: 'p-1', startupMs: 0 },
    { t: at(25), kind: 'scale', from: 2, to: 1, reason: 'test' },
  ];
  const replicas = samples.map((x) => x.replicas.ready);
  const result: CellResult = {
    id: cell.id,
    status: 'done',
    loadStart: LOAD_START,
    loadEnd: at(36),
    k6ExitCode: 0,
    client: summarizePoints(
      points.filter((p) => p.phase === 'main'),
      {},
      cell.load.durationMs,
    ),
    replicas: { max: Math.max(...replicas), mean: replicas.reduce((x, y) => x + y, 0) / replicas.length, final: replicas.at(-1)! },
    samples: samples.length,
    sampleGaps: 0,
  };
  return { points, samples, events, result };
}

/** Writes a finished synthetic run under `reportsDir`; returns its directory. */
export function writeFixtureRun(reportsDir: string, id = 'fixture-run'): RunDir {
  const matrix = parseMatrix(fixtureMatrix, 'fixture.yaml', projectCatalog());
  const cells = expandCells(matrix);
  const record: RunRecord = {
    format: RECORD_FORMAT,
    id,
    status: 'done',
    createdAt: '2026-11-23T08:00:00.000Z',
    startedAt: '2026-11-23T08:00:00.000Z',
    endedAt: '2026-11-23T08:05:00.000Z',
    matrix,
    matrixHash: matrix.hash,
    tools: { k6: 'k6 v1.8.1 <b>', prometheus: 'prometheus 2.42', simulator: 'llm-d-inference-sim' },
    git: 'abc123def456',
    host: { hostname: 'test', platform: 'linux', cpus: 2, memoryGb: 8, node: 'v20' },
    cells: cellEntries(cells).map((e) => ({ ...e, status: 'done', attempts: 1 })),
  };
  const dir = RunDir.create(reportsDir, record);
  const names = matrix.autoscalers.map((a) => a.name);
  for (const cell of cells) {
    const cellDir = dir.cellDir(cell.id);
    mkdirSync(cellDir, { recursive: true });
    const s = synthesize(cell, names.indexOf(cell.autoscaler.name));
    writeJsonAtomic(join(cellDir, 'cell.json'), cell);
    writeFileSync(join(cellDir, 'points.jsonl'), s.points.map((p) => `${JSON.stringify(p)}\n`).join(''));
    writeFileSync(join(cellDir, 'samples.jsonl'), s.samples.map((p) => `${JSON.stringify(p)}\n`).join(''));
    writeFileSync(join(cellDir, 'events.jsonl'), s.events.map((p) => `${JSON.stringify(p)}\n`).join(''));
    writeJsonAtomic(join(cellDir, 'result.json'), s.result);
  }
  return dir;
}
