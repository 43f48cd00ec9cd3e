import { join } from 'node:path';
import { freePort, sleep } from '../util/ports.js';
import { type Proc, startProc } from '../util/proc.js';

/** The benches' simulator replica: model "bench", random text, seed 1; its sequences and latencies given. */
export interface BenchSim {
  proc: Proc;
  port: number;
}

/** Starts one llm-d-inference-sim on a free loopback port and waits for its health check; throws if it never answers. */
export async function startBenchSim(sim: string, dir: string, o: { maxNumSeqs: number; ttft: string; itl: string; log: string }): Promise<BenchSim> {
  const port = await freePort();
  const proc = await startProc({
    name: 'bench replica',
    command: sim,
    args: [
      ...['--port', String(port), '--model', 'bench', '--served-model-name', 'bench', '--force-dummy-tokenizer'],
      ...['--mode', 'random', '--seed', '1', '--max-num-seqs', String(o.maxNumSeqs)],
      ...['--time-to-first-token', o.ttft, '--inter-token-latency', o.itl],
    ],
    logFile: join(dir, o.log),
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return { proc, port };
    } catch {
      /* starting */
    }
    await sleep(100);
  }
  await proc.stop(1000);
  throw new Error(`bench: the simulator did not start (see ${join(dir, o.log)})`);
}
