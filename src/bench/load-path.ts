import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, round } from '../analysis/stats.js';
import { processCpuSeconds } from '../metrics/cpu.js';
import { startBenchSim } from './bench-sim.js';
import { k6SummaryRate } from './outputs.js';
import { RouterProcess } from '../targets/local/router.js';
import { startProc, type Proc } from '../util/proc.js';
import { projectRoot } from '../util/tools.js';

/**
 * What the load path costs, link by link, against one simulator replica with
 * no latency of its own (TTFT 0, ITL 0, 1–5 output tokens, 1024 sequences) at
 * 64 concurrent streams: wrk streaming POSTs straight to it; the same through
 * the router; k6's core http.post of the same request; k6 with the
 * extension and the scenario; a whole `scalebench run`. Each link runs
 * ROUND_S seconds, the links alternated ROUNDS times; requests/s and CPU per
 * process are medians over rounds.
 */
const STREAMS = 64;
const ROUND_S = 8;
const ROUNDS = 3;

const BODY = JSON.stringify({
  model: 'bench',
  stream: true,
  stream_options: { include_usage: true },
  max_tokens: 3,
  ignore_eos: true,
  messages: [{ role: 'user', content: 'the model serves a request with tokens from cache and queue batch the model serves a' }],
});

interface Link {
  rps: number;
  /** CPU seconds per 1000 requests, by process. */
  cpuPerK: Record<string, number>;
}

type Runner = (round: number) => Promise<{ rps: number; pids: Record<string, number> }>;

/** Runs a link while measuring the CPU of the processes it names (read before and after, from /proc). */
async function measured(fn: Runner, round: number, fixed: Record<string, number>): Promise<Link> {
  // The processes that live across links (simulator, router) are read around the run; the link's own inside it.
  const before: Record<string, number> = {};
  for (const [name, pid] of Object.entries(fixed)) before[name] = processCpuSeconds(pid) ?? 0;
  const { rps, pids } = await fn(round);
  const cpuPerK: Record<string, number> = {};
  const requests = rps * ROUND_S;
  for (const [name, pid] of Object.entries(fixed)) cpuPerK[name] = (((processCpuSeconds(pid) ?? 0) - before[name]!) / requests) * 1000;
  for (const [name, cpu] of Object.entries(pids)) cpuPerK[name] = (cpu / requests) * 1000;
  return { rps, cpuPerK };
}

async function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, dir: string, name: string): Promise<{ out: string; cpu: number }> {
  const log = join(dir, `${name}.log`);
  const proc: Proc = await startProc({ name, command, args, env, logFile: log });
  let cpu = 0;
  const poll = setInterval(() => (cpu = processCpuSeconds(proc.pid) ?? cpu), 200);
  const exit = await proc.exited;
  clearInterval(poll);
  const out = readFileSync(log, 'utf8');
  if (exit.code !== 0) throw new Error(`bench: ${name} exited with ${exit.code ?? exit.signal}:\n${out}`);
  return { out, cpu };
}

export interface LoadPathTools {
  k6: string;
  wrk: string;
  sim: string;
  router: string;
  cli: string;
}

export async function benchLoadPath(dir: string, t: LoadPathTools): Promise<Array<[string, string]>> {
  const k6Env = { ...process.env, K6_NO_USAGE_REPORT: 'true', K6_AUTO_EXTENSION_RESOLUTION: 'false' };
  const { proc: sim, port: simPort } = await startBenchSim(t.sim, dir, { maxNumSeqs: 1024, ttft: '0', itl: '0', log: 'load-path-sim.log' });
  const router = await RouterProcess.start(t.router, join(dir, 'load-path-router.log'));
  await router.setRoutes([{ name: 'bench', addr: `127.0.0.1:${simPort}`, drain: true }]);
  const direct = `http://127.0.0.1:${simPort}/v1/chat/completions`;
  const routed = `http://127.0.0.1:${router.port}/v1/chat/completions`;
  const lua = join(dir, 'post.lua');
  writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(BODY)}\n`);
  const coreScript = join(dir, 'core.js');
  writeFileSync(
    coreScript,
    `import http from 'k6/http';\nexport const options = { vus: ${STREAMS}, duration: '${ROUND_S}s', discardResponseBodies: true };\n` +
      `const body = ${JSON.stringify(BODY)};\nexport default function () { http.post('${direct}', body, { headers: { 'Content-Type': 'application/json' } }); }\n` +
      `export function handleSummary(d) { return { '${join(dir, 'core.json')}': JSON.stringify(d) }; }\n`,
  );
  const extWorkload = join(dir, 'ext-workload.json');
  writeFileSync(
    extWorkload,
    JSON.stringify({
      url: direct,
      model: 'bench',
      prompt: { mean: 16, stdev: 0, min: 16, max: 16 },
      output: { mean: 3, stdev: 1, min: 1, max: 5 },
      seed: 1,
      timeoutMs: 30_000,
      warmupMs: 0,
      points: join(dir, 'ext-points.jsonl'),
      summary: join(dir, 'ext-summary.json'),
    }),
  );
  const extOptions = join(dir, 'ext-options.json');
  writeFileSync(extOptions, JSON.stringify({ scenarios: { load: { executor: 'constant-vus', vus: STREAMS, duration: `${ROUND_S}s`, gracefulStop: '10s' } } }));
  const matrix = join(dir, 'run.yaml');
  writeFileSync(
    matrix,
    `name: bench-load-path
target: { kind: local, scrape_interval: 1s }
workload: { profile: tiny, prompt_tokens: { mean: 16, stdev: 0, min: 16, max: 16 }, output_tokens: { mean: 3, stdev: 1, min: 1, max: 5 } }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 1024 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 0ms, itl: 0ms }
load: { shape: constant, users: [${STREAMS}], duration: ${ROUND_S}s, settle: 1s }
sample_interval: 1s
`,
  );

  const wrkRate = (out: string): number => Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const links: Record<string, Runner> = {
    'wrk streaming, direct': async (r) => {
      const { out, cpu } = await runToEnd(t.wrk, ['-t2', `-c${STREAMS}`, `-d${ROUND_S}s`, '-s', lua, direct], process.env, dir, `wrk-direct-${r}`);
      return { rps: wrkRate(out), pids: { wrk: cpu } };
    },
    'wrk streaming, through the router': async (r) => {
      const { out, cpu } = await runToEnd(t.wrk, ['-t2', `-c${STREAMS}`, `-d${ROUND_S}s`, '-s', lua, routed], process.env, dir, `wrk-router-${r}`);
      return { rps: wrkRate(out), pids: { wrk: cpu } };
    },
    'k6 core http.post, direct': async (r) => {
      const { cpu } = await runToEnd(t.k6, ['run', '--quiet', '--no-color', coreScript], k6Env, dir, `k6-core-${r}`);
      return { rps: k6SummaryRate(join(dir, 'core.json')), pids: { k6: cpu } };
    },
    'k6 + llmstream + scenario, direct': async (r) => {
      writeFileSync(join(dir, 'ext-points.jsonl'), '');
      const { cpu } = await runToEnd(
        t.k6,
        ['run', '--quiet', '--no-color', '--config', extOptions, join(projectRoot, 'scenarios', 'openai-chat.js')],
        { ...k6Env, SCALEBENCH_WORKLOAD: extWorkload },
        dir,
        `k6-ext-${r}`,
      );
      const n = readFileSync(join(dir, 'ext-points.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      return { rps: n / ROUND_S, pids: { k6: cpu } };
    },
    'scalebench run (runner, router, Prometheus, sampler)': async (r) => {
      const out = join(dir, `run-${r}`);
      const { cpu } = await runToEnd(
        process.execPath,
        [t.cli, 'run', matrix, '--out', out, '--json'],
        { ...process.env, CI: 'true' },
        dir,
        `scalebench-run-${r}`,
      );
      const runDir = join(out, readdirSync(out).find((d) => d.startsWith('bench-load-path'))!);
      const summary = readFileSync(join(runDir, 'summary.csv'), 'utf8').split('\n');
      const cols = summary[0]!.split(',');
      const row = summary[1]!.split(',');
      const requests = Number(row[cols.indexOf('requests')]);
      // The runner's own CPU while the load ran (the cell's CPU monitor), apart from its start, analysis and reports.
      const duringLoad = (Number(row[cols.indexOf('runner_cpu_pct')]) / 100) * ROUND_S;
      return { rps: requests / ROUND_S, pids: { 'scalebench (node), whole run': cpu, 'runner while the load ran': duringLoad } };
    },
  };
  const seen: Record<string, Link[]> = {};
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(links)) {
        process.stderr.write(`bench: load path, round ${r + 1}/${ROUNDS}: ${name}\n`);
        const fixed: Record<string, number> = name.startsWith('scalebench run')
          ? {}
          : { simulator: sim.pid, ...(name.includes('router') ? { router: router.pid } : {}) };
        (seen[name] ??= []).push(await measured(fn, r, fixed));
      }
    }
  } finally {
    await router.stop();
    await sim.stop(2000);
  }
  const rps = (name: string): number => median(seen[name]!.map((l) => l.rps))!;
  const cpu = (name: string, proc: string): number => median(seen[name]!.map((l) => l.cpuPerK[proc] ?? NaN).filter(Number.isFinite)) ?? NaN;
  const rows: Array<[string, string]> = Object.keys(links).map((name) => {
    const procs = Object.keys(seen[name]![0]!.cpuPerK);
    return [`load path: ${name}`, `${round(rps(name), 0)} req/s  (CPU s per 1000 requests: ${procs.map((p) => `${p} ${round(cpu(name, p), 3)}`).join(', ')})`];
  });
  const [wrkDirect, wrkRouter, core, ext, full] = Object.keys(links);
  rows.push(
    ['load path: router CPU / simulator CPU per request', `${round(cpu(wrkRouter!, 'router') / cpu(wrkRouter!, 'simulator'), 3)}  (target ≤ 0.4)`],
    ['load path: throughput lost through the router (wrk)', `${round((1 - rps(wrkRouter!) / rps(wrkDirect!)) * 100, 1)} %`],
    ['load path: k6 + extension + scenario / k6 core', `${round(rps(ext!) / rps(core!), 3)}  (target ≥ 0.9)`],
    ['load path: scalebench run / wrk streaming direct', `${round(rps(full!) / rps(wrkDirect!), 3)}  (target ≥ 0.35)`],
  );
  return rows;
}
