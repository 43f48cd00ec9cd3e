/**
 * npm run bench: measurements side by side in one run, printed as ratios.
 *
 * 1. Router overhead: the same k6 streaming load (64 concurrent streams) straight
 *    to a simulator replica and through the router, alternated; the difference of
 *    TTFT and E2E quantiles is what the router adds.
 * 2. k6's request ceiling: k6 (core http, GET) and wrk against the same fastest
 *    local endpoint (the simulator's /v1/models), as a ratio of requests/s.
 * 3. Analysis throughput: points/s and peak memory analysing a generated run of
 *    1,000,000 raw points (src/bench/analysis.ts).
 *
 * 4. Capacity search: `scalebench search` against a fine grid of constant loads
 *    (capacity found, cell-minutes spent), and the capacity model's estimate
 *    against both (src/bench/capacity-search.ts).
 *
 * 5. The gate's false alarms and detections of 10 % and 20 % shifts at 3, 5
 *    and 10 repeats a side on synthetic nights (src/bench/gate-rates.ts).
 *
 * 6. The load path link by link: wrk streaming direct and through the router,
 *    k6 core, k6 with the extension and the scenario, a whole `scalebench run`;
 *    requests/s and CPU per process as ratios (src/bench/load-path.ts).
 *
 * 7. The what-if simulation's speed: a 24-hour trace at 20 requests/s through three
 *    autoscaler setups, wall time and peak memory (src/bench/simulate.ts).
 *
 * 8. The simulation's calibration: the step and trace examples (the spike with
 *    SCALEBENCH_BENCH_SPIKE=1 or --spike) run twice each on the local target
 *    (--runs N), then simulated against those runs; --measured <dir> keeps the
 *    runs there and reuses those already made (src/bench/simulate-calibration.ts).
 *
 * `node dist/bench/main.js simulate` runs the seventh alone, `simulate-calibration` the eighth;
 * `node dist/bench/main.js analysis` runs the third alone (it needs no tools);
 * `node dist/bench/main.js load-path` the sixth alone; `node dist/bench/main.js router` the first and second;
 * `node dist/bench/main.js capacity` the fourth alone; `node dist/bench/main.js gate` the fifth.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distribution, median, round } from '../analysis/stats.js';
import { type RawPoint, pointSchema } from '../results/points.js';
import { readJsonl } from '../results/files.js';
import { benchAnalysis } from './analysis.js';
import { RouterProcess } from '../targets/local/router.js';
import { startProc, stopAll } from '../util/proc.js';
import { UserError } from '../util/errors.js';
import { findTool, projectRoot } from '../util/tools.js';
import { gateRates, gateRatesTable } from './gate-rates.js';
import { benchCapacitySearch } from './capacity-search.js';
import { benchLoadPath, type LoadPathTools } from './load-path.js';
import { startBenchSim } from './bench-sim.js';
import { k6SummaryRate } from './outputs.js';
import { benchSimulate } from './simulate.js';
import { benchSimulateCalibration } from './simulate-calibration.js';

const STREAMS = 64;
const ROUND_S = 10;
const ROUNDS = 3;
/** Requests started in a round's first 3 s are left out (connection burst, warm-up). */
const SETTLE_MS = 3000;
/** k6 peaked at about 8 VUs on a 2-core machine; wrk gets the same concurrency. */
const CEILING_CONC = 8;
const CEILING_S = 6;
const CEILING_ROUNDS = 3;

const k6Env = { ...process.env, K6_NO_USAGE_REPORT: 'true', K6_AUTO_EXTENSION_RESOLUTION: 'false' };

async function startSim(sim: string, dir: string): Promise<number> {
  return (await startBenchSim(sim, dir, { maxNumSeqs: 256, ttft: '20ms', itl: '20ms', log: 'sim.log' })).port;
}

/** Runs a command to its end without blocking the event loop (the router lives in this process). */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv, dir: string, name: string): Promise<string> {
  const log = join(dir, `${name}.log`);
  const proc = await startProc({ name, command, args, env, logFile: log });
  const exit = await proc.exited;
  const out = readFileSync(log, 'utf8');
  if (exit.code !== 0) throw new Error(`bench: ${name} exited with ${exit.code ?? exit.signal}:\n${out}`);
  return out;
}

/** One k6 streaming round at STREAMS VUs; returns the raw points. */
async function streamRound(k6: string, dir: string, url: string, name: string): Promise<RawPoint[]> {
  const points = join(dir, `${name}.jsonl`);
  const wl = join(dir, `${name}-workload.json`);
  const opts = join(dir, `${name}-options.json`);
  // Output lengths vary (16 ± 4 tokens) so the 64 streams do not stay in lockstep waves.
  const dist = (n: number, sd: number): object => ({ mean: n, stdev: sd, min: n - 2 * sd, max: n + 2 * sd });
  writeFileSync(
    wl,
    JSON.stringify({
      url,
      model: 'bench',
      prompt: dist(16, 0),
      output: dist(16, 4),
      seed: 1,
      timeoutMs: 30_000,
      points,
      summary: join(dir, `${name}-summary.json`),
    }),
  );
  writeFileSync(opts, JSON.stringify({ scenarios: { main: { executor: 'constant-vus', vus: STREAMS, duration: `${ROUND_S}s`, gracefulStop: '10s' } } }));
  await run(
    k6,
    ['run', '--quiet', '--no-color', '--config', opts, join(projectRoot, 'scenarios', 'openai-chat.js')],
    { ...k6Env, SCALEBENCH_WORKLOAD: wl },
    dir,
    `k6-${name}`,
  );
  // Steady state only: the first seconds hold 64 simultaneous connects and the JIT warming up.
  const all = readJsonl(points, pointSchema).filter((p) => p.ok);
  const t0 = Math.min(...all.map((p) => p.t));
  return all.filter((p) => p.t >= t0 + SETTLE_MS);
}

async function k6Ceiling(k6: string, dir: string, url: string, seconds: number, vus: number, round: number): Promise<number> {
  const script = join(dir, 'ceiling.js');
  writeFileSync(
    script,
    `import http from 'k6/http';\nexport const options = { vus: ${vus}, duration: '${seconds}s', discardResponseBodies: true };\nexport default function () { http.get('${url}'); }\nexport function handleSummary(d) { return { '${join(dir, 'ceiling.json')}': JSON.stringify(d) }; }\n`,
  );
  await run(k6, ['run', '--quiet', '--no-color', script], k6Env, dir, `k6-ceiling-${round}`);
  return k6SummaryRate(join(dir, 'ceiling.json'));
}

async function wrkCeiling(wrk: string, dir: string, url: string, seconds: number, connections: number, round: number): Promise<number> {
  const out = await run(wrk, ['-t2', `-c${connections}`, `-d${seconds}s`, url], process.env, dir, `wrk-${round}`);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`bench: cannot read wrk's output:\n${out}`);
  return Number(m[1]);
}

const loadPathTools = (): LoadPathTools => ({
  k6: findTool('k6'),
  wrk: findTool('wrk'),
  sim: findTool('sim'),
  router: findTool('router'),
  cli: join(projectRoot, 'bin', 'scalebench.js'),
});

function printRows(rows: ReadonlyArray<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

async function main(): Promise<void> {
  if (process.argv.includes('gate')) {
    process.stdout.write(gateRatesTable(gateRates()));
    return;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'scalebench-bench-'));
  scratchDirs.push(scratch);
  if (process.argv.includes('capacity')) {
    printRows(await benchCapacitySearch(join(scratch, 'capacity')));
    return;
  }
  if (process.argv.includes('simulate-calibration')) {
    const flag = (name: string): string | undefined => {
      const i = process.argv.indexOf(name);
      return i >= 0 ? process.argv[i + 1] : undefined;
    };
    const measuredDir = flag('--measured');
    const runs = flag('--runs');
    printRows(
      benchSimulateCalibration({
        scratch: join(scratch, 'calibration'),
        ...(measuredDir ? { measuredDir } : {}),
        ...(runs ? { runs: Number(runs) } : {}),
        ...(process.argv.includes('--spike') ? { withSpike: true } : {}),
      }),
    );
    return;
  }
  if (process.argv.includes('simulate')) {
    printRows(benchSimulate(join(scratch, 'simulate')));
    return;
  }
  if (process.argv.includes('load-path')) {
    printRows(await benchLoadPath(scratch, loadPathTools()));
    return;
  }
  const analysisRows = await benchAnalysis(scratch);
  if (process.argv.includes('analysis')) {
    printRows(analysisRows);
    return;
  }
  const k6 = findTool('k6');
  const sim = findTool('sim');
  const wrk = findTool('wrk');
  const dir = mkdtempSync(join(tmpdir(), 'scalebench-bench-'));
  scratchDirs.push(dir);
  const simPort = await startSim(sim, dir);
  const router = await RouterProcess.start(findTool('router'), join(dir, 'router.log'));
  await router.setRoutes([{ name: 'bench', addr: `127.0.0.1:${simPort}`, drain: true }]);
  const routerPort = router.port;
  try {
    process.stderr.write(
      `bench: router overhead, ${STREAMS} concurrent streams, ${ROUNDS}×${ROUND_S}s each way, alternated (first ${SETTLE_MS / 1000}s of each round left out)\n`,
    );
    const direct: RawPoint[] = [];
    const routed: RawPoint[] = [];
    const directP99: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const d = await streamRound(k6, dir, `http://127.0.0.1:${simPort}/v1/chat/completions`, `direct-${r}`);
      directP99.push(distribution(d.map((p) => p.ttft_ms!)).p99!);
      direct.push(...d);
      routed.push(...(await streamRound(k6, dir, `http://127.0.0.1:${routerPort}/v1/chat/completions`, `router-${r}`)));
    }
    const dT = distribution(direct.map((p) => p.ttft_ms!));
    const rT = distribution(routed.map((p) => p.ttft_ms!));
    const dE = distribution(direct.map((p) => p.e2e_ms));
    const rE = distribution(routed.map((p) => p.e2e_ms));

    process.stderr.write(
      `bench: request ceiling on /v1/models, k6 (${CEILING_CONC} VUs) and wrk (${CEILING_CONC} connections) alternated, ${CEILING_ROUNDS}×${CEILING_S}s each\n`,
    );
    const models = `http://127.0.0.1:${simPort}/v1/models`;
    const k6Runs: number[] = [];
    const wrkRuns: number[] = [];
    for (let r = 0; r < CEILING_ROUNDS; r++) {
      k6Runs.push(await k6Ceiling(k6, dir, models, CEILING_S, CEILING_CONC, r));
      wrkRuns.push(await wrkCeiling(wrk, dir, models, CEILING_S, CEILING_CONC, r));
    }
    const k6Rps = median(k6Runs)!;
    const wrkRps = median(wrkRuns)!;

    const rows: Array<[string, string]> = [
      ['router: requests direct / via router', `${direct.length} / ${routed.length}`],
      ['router: TTFT p50 direct → via router (ms)', `${dT.p50} → ${rT.p50}  (+${round(rT.p50! - dT.p50!)} ms)`],
      ['router: TTFT p99 direct → via router (ms)', `${dT.p99} → ${rT.p99}  (+${round(rT.p99! - dT.p99!)} ms)`],
      ['router: E2E p50 direct → via router (ms)', `${dE.p50} → ${rE.p50}  (+${round(rE.p50! - dE.p50!)} ms)`],
      ['router: E2E p99 direct → via router (ms)', `${dE.p99} → ${rE.p99}  (+${round(rE.p99! - dE.p99!)} ms)`],
      ['router: TTFT p99 ratio via router / direct', `${round(rT.p99! / dT.p99!, 4)}  (target: adds ≤ 1 ms p99)`],
      ['router: noise floor (direct TTFT p99 per round)', `${directP99.map((v) => round(v, 1)).join(', ')} ms`],
      ['ceiling: k6 requests/s (median; runs)', `${round(k6Rps, 0)}  (${k6Runs.map((v) => round(v, 0)).join(', ')})`],
      ['ceiling: wrk requests/s (median; runs)', `${round(wrkRps, 0)}  (${wrkRuns.map((v) => round(v, 0)).join(', ')})`],
      ['ceiling: k6 / wrk', `${round(k6Rps / wrkRps, 3)}  (target ≥ 0.30)`],
    ];
    await stopAll();
    if (process.argv.includes('router')) {
      printRows(rows);
      return;
    }
    const loadPathRows = await benchLoadPath(scratch, loadPathTools());
    const capacityRows = await benchCapacitySearch(join(scratch, 'capacity'));
    printRows([
      ...rows,
      ...loadPathRows,
      ...analysisRows,
      ...capacityRows,
      ...benchSimulate(join(scratch, 'simulate')),
      ...benchSimulateCalibration({ scratch: join(scratch, 'calibration') }),
    ]);
    process.stdout.write(`\n${gateRatesTable(gateRates())}`);
  } finally {
    await stopAll();
  }
}

/** The benches' scratch folders: removed when the bench ends well (unless --keep), kept with their logs when it fails. */
const scratchDirs: string[] = [];
try {
  await main();
  for (const d of scratchDirs) if (!process.argv.includes('--keep')) rmSync(d, { recursive: true, force: true });
} catch (err) {
  if (scratchDirs.length) process.stderr.write(`bench: logs kept in ${scratchDirs.join(', ')}\n`);
  // A program's output the bench could not read (outputs.ts), a missing tool: one line; anything else keeps its stack.
  if (!(err instanceof UserError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = err.exitCode;
}
