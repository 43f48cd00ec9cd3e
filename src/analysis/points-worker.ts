/**
 * Worker thread of accumulatePoints (points-parallel.ts): accumulates one byte
 * range of a points.jsonl file and posts the accumulator's state back on the
 * port it was given, then wakes the waiting main thread.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { ResolvedSlo } from '../matrix/types.js';
import { forEachPoint } from '../results/point-lines.js';
import { PointAccumulator } from './cell-summary.js';

interface Job {
  file: string;
  range: { start: number; end: number };
  slo: ResolvedSlo;
  durationMs: number;
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] set to 1 (done) or 2 (failed), then notified. */
  signal: Int32Array;
}

const job = workerData as Job;
try {
  const acc = new PointAccumulator(job.slo, job.durationMs);
  forEachPoint(job.file, (p) => acc.add(p), 1 << 20, job.range);
  const state = acc.exportState();
  job.port.postMessage({ state }, [state.t.buffer, state.ttft.buffer, state.tpot.buffer, state.e2e.buffer, state.ok.buffer, state.itl.buffer] as ArrayBuffer[]);
  Atomics.store(job.signal, 0, 1);
} catch (err) {
  job.port.postMessage({ error: (err as Error).message });
  Atomics.store(job.signal, 0, 2);
}
Atomics.notify(job.signal, 0);
