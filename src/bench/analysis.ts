/**
 * Analysis throughput: a generated run of one cell with 1,000,000 raw points
 * (the scenario's own line format, 15 inter-token gaps each), analysed in a
 * child process so that its peak memory (maxRSS) is the analysis alone.
 */
import { execFile } from 'node:child_process';
import { closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { z } from 'zod';
import { expandCells } from '../matrix/expand.js';
import { parseMatrix } from '../matrix/load.js';
import type { CellResult, ClientSummary } from '../results/cell-result.js';
import type { RunEvent } from '../results/events.js';
import { writeJsonAtomic } from '../results/files.js';
import { cellEntries, RunDir, type RunRecord, RECORD_FORMAT } from '../results/run-dir.js';
import { projectRoot } from '../util/tools.js';
import { parseOutput } from './outputs.js';
import { projectCatalog } from '../catalog/catalog.js';

export const BENCH_POINTS = 1_000_000;
/** Targets from issue 5. */
const TARGET_POINTS_PER_S = 500_000;
const TARGET_PEAK_MB = 400;

const matrixText = `name: bench-analysis
slo: { ttft_ms_p95: 200ms, tpot_ms_p95: 25ms, e2e_ms_p95: 2s }
workload: { profile: tiny }
deployments: [{ name: sim, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 }, simulator: { ttft: 30ms, itl: 10ms } }]
autoscalers: [{ name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting)', threshold: 5 }]
load: { shape: step, low: 0.25, users: [64], duration: 10m }
sample_interval: 1s
`;

/** What the child prints: the analysis of the generated run. */
const analysisBenchSchema = z.strictObject({
  points: z.number(),
  fileMb: z.number(),
  analysisS: z.number(),
  reportS: z.number(),
  pointsPerS: z.number(),
  /** resourceUsage().maxRSS of the child, MiB. */
  peakRssMb: z.number(),
  /** memoryUsage().heapUsed right after the analysis, MiB. */
  heapMb: z.number(),
});
export type AnalysisBench = z.infer<typeof analysisBenchSchema>;

/** Writes the run: run.json, and one cell with `points` requests over 10 minutes, samples every second, scale events. */
export async function generateRun(root: string, points = BENCH_POINTS): Promise<string> {
  const matrix = parseMatrix(matrixText, 'bench-analysis.yaml', projectCatalog());
  const cell = expandCells(matrix)[0]!;
  const start = Date.UTC(2026, 0, 1);
  const record: RunRecord = {
    format: RECORD_FORMAT,
    id: 'bench',
    status: 'done',
    createdAt: new Date(start).toISOString(),
    startedAt: new Date(start).toISOString(),
    matrix,
    matrixHash: matrix.hash,
    tools: {},
    host: { hostname: 'bench', platform: process.platform, cpus: 1, memoryGb: 1, node: process.version },
    cells: cellEntries([cell]).map((e) => ({ ...e, status: 'done', attempts: 1 })),
  };
  const dir = RunDir.create(root, record);
  const cellDir = dir.cellDir(cell.id);
  mkdirSync(cellDir, { recursive: true });
  writeJsonAtomic(join(cellDir, 'cell.json'), cell);
  let seed = 42;
  const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const out = createWriteStream(join(cellDir, 'points.jsonl'));
  const durationMs = cell.load.durationMs;
  let batch: string[] = [];
  for (let i = 0; i < points; i++) {
    const t = start + (i / points) * durationMs + rnd();
    const ok = rnd() > 0.01;
    const ttft = Math.round((25 + rnd() * rnd() * 400) * 1000) / 1000;
    const itl = Array.from({ length: 15 }, () => Math.round((9.5 + rnd() * 2 + (rnd() < 0.02 ? 20 : 0)) * 1000) / 1000);
    const tpot = Math.round((itl.reduce((a, b) => a + b, 0) / 15) * 1000) / 1000;
    const e2e = Math.round((ttft + tpot * 15) * 1000) / 1000;
    batch.push(
      ok
        ? `{"e2e_ms":${e2e},"error":null,"itl_ms":[${itl.join(',')}],"ok":true,"output_tokens":16,"phase":"main","prompt_tokens":37,"status":200,"t":${t},"target_output":16,"target_prompt":32,"tpot_ms":${tpot},"ttft_ms":${ttft},"vu":${i % 64}}`
        : `{"e2e_ms":${e2e},"error":"HTTP 503: Service Unavailable","itl_ms":[],"ok":false,"output_tokens":null,"phase":"main","prompt_tokens":null,"status":503,"t":${t},"target_output":16,"target_prompt":32,"tpot_ms":null,"ttft_ms":null,"vu":${i % 64}}`,
    );
    if (batch.length === 10_000) {
      if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
      batch = [];
    }
  }
  if (batch.length) out.write(`${batch.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  // On disk before the measurement, so the kernel's write-back does not run during it.
  const fd = openSync(join(cellDir, 'points.jsonl'), 'r+');
  fsyncSync(fd);
  closeSync(fd);
  const samples: string[] = [];
  for (let s = 0; s <= durationMs / 1000; s++) {
    const r = s > 200 && s < 420 ? 3 : 1;
    samples.push(
      JSON.stringify({
        t: start + s * 1000,
        elapsed_s: s,
        phase: 'load',
        offered: s >= 200 && s < 400 ? 64 : 16,
        replicas: { desired: r, current: r, ready: r },
        requests: s * 1667,
        failures: 0,
        server: { server_ttft_ms_p95: 39, server_tpot_ms_p95: 12, server_e2e_ms_p95: 290, running: 20, waiting: 2, kv_cache_usage: 0.2 },
      }),
    );
  }
  writeFileSync(join(cellDir, 'samples.jsonl'), `${samples.join('\n')}\n`);
  const events: RunEvent[] = [
    { t: start + 203_000, kind: 'scale', from: 1, to: 3, reason: 'keda (hpa)' },
    { t: start + 204_000, kind: 'replica-ready', pod: 'p-1', startupMs: 1000 },
    { t: start + 420_000, kind: 'scale', from: 3, to: 1, reason: 'keda (hpa)' },
  ];
  writeFileSync(join(cellDir, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  // The report reads the client's figures from the points; the result's own summary stays empty.
  const none = { count: 0 };
  const client: ClientSummary = {
    requests: 0,
    errors: 0,
    errorRate: 0,
    errorKinds: [],
    errorSources: {},
    rps: 0,
    outputTokensPerS: 0,
    ttftMs: none,
    ttfcMs: none,
    tpotMs: none,
    itlMs: none,
    e2eMs: none,
    slo: { pass: {} },
  };
  const result: CellResult = {
    id: cell.id,
    status: 'done',
    loadStart: start,
    loadEnd: start + durationMs + 20_000,
    k6ExitCode: 0,
    client,
    replicas: { max: 2, mean: 1.5, final: 1 },
    samples: 600,
    sampleGaps: 0,
  };
  writeJsonAtomic(join(cellDir, 'result.json'), result);
  return dir.root;
}

/** Generates the run, analyses it in a child process, and returns the table rows to print. */
export async function benchAnalysis(scratch: string): Promise<Array<[string, string]>> {
  process.stderr.write(`bench: analysis of a generated run of ${BENCH_POINTS.toLocaleString('en')} raw points (one cell), in a child process\n`);
  const root = await generateRun(join(scratch, 'analysis'));
  const child = join(projectRoot, 'dist', 'bench', 'analysis-child.js');
  let r: AnalysisBench;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [child, root], { maxBuffer: 1 << 20 });
    r = parseOutput(stdout, 'dist/bench/analysis-child.js (stdout)', analysisBenchSchema);
  } finally {
    rmSync(join(scratch, 'analysis'), { recursive: true, force: true }); // 300 MB of points
  }
  return [
    ['analysis: points analysed (points.jsonl size)', `${r.points.toLocaleString('en')}  (${Math.round(r.fileMb)} MB)`],
    [
      'analysis: points/s (streamed: read, decode, stats, windows)',
      `${Math.round(r.pointsPerS).toLocaleString('en')}  in ${r.analysisS.toFixed(2)} s  (target ≥ ${TARGET_POINTS_PER_S.toLocaleString('en')})`,
    ],
    [
      'analysis: peak memory of the child (maxRSS)',
      `${r.peakRssMb.toFixed(0)} MB, heap after the analysis ${r.heapMb.toFixed(0)} MB  (target < ${TARGET_PEAK_MB} MB)`,
    ],
    ['analysis: report files after the analysis', `${r.reportS.toFixed(2)} s`],
  ];
}
