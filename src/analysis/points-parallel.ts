import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { ResolvedSlo } from '../matrix/types.js';
import { forEachPoint, lineRanges } from '../results/point-lines.js';
import { PointAccumulator, type AccumulatorState } from './cell-summary.js';

/** Below this size one thread is faster than starting a worker. */
export const PARALLEL_MIN_BYTES = 32 * 2 ** 20;

/** The compiled worker (dist/); absent when running from the TypeScript sources, which then read on one thread. */
const workerFile = fileURLToPath(new URL('./points-worker.js', import.meta.url));

/**
 * A cell's points.jsonl accumulated, the same as one forEachPoint pass in file
 * order, but for a large file split by lines into one range per core: the
 * first (smaller) range on this thread, the others in worker threads at the same time,
 * their states merged in file order. Synchronous (the callers are): the main
 * thread waits on a shared flag and takes each result with receiveMessageOnPort.
 */
export function accumulatePoints(file: string, slo: ResolvedSlo, durationMs: number, o: { threads?: number; minBytes?: number } = {}): PointAccumulator {
  const acc = new PointAccumulator(slo, durationMs);
  const size = existsSync(file) ? statSync(file).size : 0;
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), 8));
  if (threads === 1 || size < (o.minBytes ?? PARALLEL_MIN_BYTES) || !existsSync(workerFile)) {
    forEachPoint(file, (p) => acc.add(p));
    return acc;
  }
  // This thread also merges and summarises afterwards, and the workers start a little late: it takes a smaller share.
  const [first, ...rest] = lineRanges(file, size, threads, 0.85 / threads);
  const jobs = rest.map((range) => {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(workerFile, { workerData: { file, range, slo, durationMs, port: port2, signal }, transferList: [port2] });
    return { port: port1, signal, worker };
  });
  try {
    if (first) forEachPoint(file, (p) => acc.add(p), 1 << 20, first);
    for (const j of jobs) {
      Atomics.wait(j.signal, 0, 0);
      const msg = receiveMessageOnPort(j.port)?.message as { state?: AccumulatorState; error?: string } | undefined;
      if (!msg?.state) throw new Error(`${file}: ${msg?.error ?? 'a worker reading it stopped without a result'}`);
      acc.merge(msg.state);
    }
  } finally {
    for (const j of jobs) {
      j.port.close();
      void j.worker.terminate();
    }
  }
  return acc;
}
