import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { round } from '../analysis/stats.js';
import { arrivals, drawLength, rng } from '../load/arrivals.js';
import { projectRoot } from '../util/tools.js';
import { parseOutput } from './outputs.js';

/**
 * The simulation's speed: a 24-hour trace at 20 requests/s on average (a
 * diurnal sine, ±60 %, lognormal lengths) through three autoscaler setups,
 * simulated in a child process (so its peak memory is its own), the trace
 * streamed and the client figures aggregated on the fly.
 */

/** What the child prints (simulate-child.ts). */
const simulateBenchSchema = z.strictObject({
  wallS: z.number(),
  oracleS: z.number(),
  peakRssMb: z.number(),
  cells: z.array(
    z.strictObject({
      autoscaler: z.string(),
      requests: z.number(),
      events: z.number(),
      wallS: z.number(),
      attainment: z.number().optional(),
      replicaSeconds: z.number(),
      maxReplicas: z.number(),
    }),
  ),
  oracleReplicaSeconds: z.number().optional(),
});
export type SimulateBench = z.infer<typeof simulateBenchSchema>;

const DAY_MS = 86_400_000;
export const BENCH_RATE = 20;

/** Writes the day's trace as JSON lines (streamed); returns its request count. */
export function writeDayTrace(file: string, seed = 1): number {
  const fd = openSync(file, 'w');
  const u = rng(seed * 31 + 7);
  let n = 0;
  let buf = '';
  for (const t of arrivals({ process: 'diurnal', periodMs: DAY_MS, amplitude: 0.6 }, BENCH_RATE, DAY_MS, seed)) {
    const p = drawLength({ mean: 256, stdev: 128, min: 8, max: 2048, dist: 'lognormal' }, u);
    const o = drawLength({ mean: 64, stdev: 48, min: 1, max: 1024, dist: 'lognormal' }, u);
    buf += `{"t_ms":${Math.round(t * 1000) / 1000},"prompt_tokens":${p},"output_tokens":${o}}\n`;
    n++;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return n;
}

/** The day's matrix: one deployment, three autoscalers, the trace at real time. */
export function dayMatrix(trace: string): string {
  return `name: sim-day
target: { kind: local, scrape_interval: 15s }
slo: { ttft_ms_p95: 500ms, tpot_ms_p95: 40ms }
workload: { profile: chatbot }
deployments:
  - name: llama1b
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 16, max_model_len: 4096 }
    replicas: { start: 2, min: 1, max: 40 }
    simulator: { startup: 60s }
autoscalers:
  - { name: hpa-running, kind: hpa-custom, metric: "vllm:num_requests_running", target: 8 }
  - { name: hpa-waiting, kind: hpa-custom, metric: "vllm:num_requests_waiting", target: 2 }
  - { name: keda-waiting, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="scalebench"})', threshold: 2, min_replicas: 1 }
load: { shape: trace, trace: ${JSON.stringify(trace)}, duration: 24h, settle: until-idle, max_vus: 100000 }
sample_interval: 15s
`;
}

export function benchSimulate(scratch: string): Array<[string, string]> {
  mkdirSync(scratch, { recursive: true });
  const trace = join(scratch, 'day.jsonl');
  const t0 = performance.now();
  const requests = writeDayTrace(trace);
  const genS = (performance.now() - t0) / 1000;
  const matrixFile = join(scratch, 'day.yaml');
  const fd = openSync(matrixFile, 'w');
  writeSync(fd, dayMatrix(trace));
  closeSync(fd);
  process.stderr.write(
    `bench: simulating a 24-hour trace (${requests} requests, ${round(statSync(trace).size / 2 ** 20, 1)} MiB) through 3 autoscaler setups\n`,
  );
  const out = execFileSync(process.execPath, [join(projectRoot, 'dist/bench/simulate-child.js'), matrixFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const r = parseOutput(out, 'dist/bench/simulate-child.js (stdout)', simulateBenchSchema);
  const rows: Array<[string, string]> = [
    ['simulate: trace', `24 h, ${requests} requests (mean ${BENCH_RATE}/s, diurnal ±60 %), written in ${round(genS, 1)} s`],
    ['simulate: wall time, 3 setups', `${round(r.wallS, 1)} s  (target: < 60 s)`],
    ['simulate: peak memory (RSS)', `${round(r.peakRssMb, 0)} MiB`],
    ['simulate: oracle', `${r.oracleReplicaSeconds ?? '—'} replica-seconds (computed in ${round(r.oracleS, 1)} s)`],
  ];
  for (const c of r.cells) {
    rows.push([
      `simulate: ${c.autoscaler}`,
      `${round(c.wallS, 1)} s, ${c.requests} requests, ${round(c.events / c.wallS / 1e6, 2)} M events/s, attainment ${c.attainment === undefined ? '—' : round(c.attainment * 100, 2)} %, ${c.replicaSeconds} replica-seconds, max ${c.maxReplicas} replicas`,
    ]);
  }
  return rows;
}
