import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProc } from '../util/proc.js';
import { projectRoot } from '../util/tools.js';
import { k6Args, k6Options, k6WallMs, scenarioWorkload } from './k6-options.js';
import { isScheduled, schedulePool, writeSchedule, type ScheduleStats } from './schedule.js';
import type { Cell, ResolvedWorkload } from '../matrix/types.js';
import { z } from 'zod';
import type { RunnerPods } from './runner-pods.js';

/** k6's documented exit codes that are results, not crashes, or that name a cause. */
export const k6ExitCodes: Record<number, string> = {
  0: 'ok',
  99: 'thresholds failed',
  104: 'invalid configuration',
  105: 'aborted by signal or timeout',
  107: 'script exception',
  108: 'script aborted',
};

export interface K6Result {
  exitCode: number | null;
  /** Why k6 failed, when it did; undefined when the run counts. */
  failure?: string;
  files: K6Files;
  /** When k6's scenario started, ms since the epoch (µs precision); undefined if no request was made. */
  scenarioStartMs?: number;
  /** Open-loop iterations k6 could not start on time for want of a free VU (its dropped_iterations); undefined without a summary. */
  droppedIterations?: number;
  /** A scheduled load's schedule (schedule.jsonl), as written before the load started, and the VUs that replayed it. */
  schedule?: ScheduleStats & { vus: number };
  /** The load's pods, when it ran in the cluster (src/targets/kubernetes/job-runner.ts). */
  runnerPods?: RunnerPods;
}

export interface K6Files {
  options: string;
  workload: string;
  points: string;
  meta: string;
  schedule: string;
  summary: string;
  log: string;
}

export function k6Files(cellDir: string): K6Files {
  return {
    options: join(cellDir, 'k6-options.json'),
    workload: join(cellDir, 'k6-workload.json'),
    points: join(cellDir, 'points.jsonl'),
    meta: join(cellDir, 'k6-meta.jsonl'),
    schedule: join(cellDir, 'schedule.jsonl'),
    summary: join(cellDir, 'k6-summary.json'),
    log: join(cellDir, 'k6.log'),
  };
}

/** Counts requests and errors in points.jsonl as it grows, reading only what is new. */
export class PointsTail {
  requests = 0;
  errors = 0;
  private offset = 0;
  private partial = '';
  constructor(private readonly path: string) {}

  poll(): void {
    if (!existsSync(this.path)) return;
    const size = statSync(this.path).size;
    if (size <= this.offset) return;
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('"phase":"main"')) continue;
        this.requests++;
        if (line.includes('"ok":false')) this.errors++;
      }
    } finally {
      closeSync(fd);
    }
  }
}

export interface RunK6Options {
  k6: string;
  cell: Cell;
  workload: ResolvedWorkload;
  endpoint: string;
  model: string;
  cellDir: string;
  signal?: AbortSignal;
  /** Called with k6's pid once it has started (the runner watches its CPU). */
  onStart?: (pid: number) => void;
  /** Called when the load's scenario starts, ms since the epoch, when that is later than the call (the runner pods' start barrier). */
  onLoadStart?: (ms: number) => void;
  /** Called with a scheduled load's schedule once it is written, before k6 starts. */
  onSchedule?: (s: ScheduleStats) => void;
}

/** A line of k6-meta.jsonl (what the scenario writes), and the part of k6's end-of-test summary read here. */
const metaLine = z.looseObject({ scenario_start_ms: z.number().optional() });
const k6Summary = z.looseObject({
  metrics: z.record(z.string(), z.looseObject({ values: z.looseObject({ count: z.number().optional() }).optional() })).optional(),
});

/** The scenario's start from k6-meta.jsonl (every VU writes the same instant; the first line will do). */
export function readScenarioStart(metaFile: string): number | undefined {
  try {
    const first = readFileSync(metaFile, 'utf8').split('\n', 1)[0];
    const r = first ? metaLine.safeParse(JSON.parse(first)) : undefined;
    const v = r?.success ? r.data.scenario_start_ms : undefined;
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** dropped_iterations from k6's end-of-test summary (0 when the metric is absent: nothing was dropped); undefined without a summary. */
export function readDroppedIterations(summaryFile: string): number | undefined {
  try {
    const r = k6Summary.safeParse(JSON.parse(readFileSync(summaryFile, 'utf8')));
    if (!r.success) return undefined;
    return r.data.metrics?.dropped_iterations?.values?.count ?? 0;
  } catch {
    return undefined;
  }
}

/**
 * Runs k6 for one cell and waits for it. Aborting the signal stops k6 (its
 * summary and the points so far are kept). A run past its maximum wall time is
 * killed: every load loop stops by itself.
 */
export async function runK6(o: RunK6Options): Promise<K6Result> {
  const files = k6Files(o.cellDir);
  // An 'abort' event that has already fired will not fire again for the listener below.
  if (o.signal?.aborted) return { exitCode: null, failure: 'interrupted', files };
  const schedule = isScheduled(o.cell.load) ? writeSchedule(o.cell, o.workload, files.schedule) : undefined;
  if (schedule) o.onSchedule?.(schedule);
  const scheduledVus =
    schedule && (o.cell.load.shape === 'trace' || o.cell.load.shape === 'arrival-rate') ? schedulePool(schedule, o.cell.load.maxVus) : undefined;
  writeFileSync(files.options, `${JSON.stringify(k6Options(o.cell, scheduledVus !== undefined ? { scheduledVus } : {}), null, 2)}\n`);
  const wl = scenarioWorkload(o.cell, o.workload, o.endpoint, o.model, {
    points: files.points,
    meta: files.meta,
    summary: files.summary,
    schedule: files.schedule,
  });
  writeFileSync(files.workload, `${JSON.stringify(wl, null, 2)}\n`);
  const proc = await startProc({
    name: 'k6',
    command: o.k6,
    args: k6Args({ options: files.options, script: join(projectRoot, 'scenarios', 'openai-chat.js') }),
    logFile: files.log,
    env: {
      ...process.env,
      SCALEBENCH_WORKLOAD: files.workload,
      K6_NO_USAGE_REPORT: 'true',
      K6_AUTO_EXTENSION_RESOLUTION: 'false',
    },
  });
  o.onStart?.(proc.pid);
  const onAbort = (): void => void proc.stop(10_000);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  const timer = setTimeout(() => void proc.stop(5000), k6WallMs(o.cell.load).max);
  try {
    const exit = await proc.exited;
    const code = exit.code;
    const scenarioStartMs = readScenarioStart(files.meta);
    const droppedIterations = readDroppedIterations(files.summary);
    const seen = {
      files,
      ...(scenarioStartMs !== undefined ? { scenarioStartMs } : {}),
      ...(droppedIterations !== undefined ? { droppedIterations } : {}),
      ...(schedule ? { schedule: { ...schedule, vus: scheduledVus ?? 1 } } : {}),
    };
    if (o.signal?.aborted) return { exitCode: code, failure: 'interrupted', ...seen };
    if (code === 0 || code === 99) return { exitCode: code, ...seen };
    const why = code !== null ? (k6ExitCodes[code] ?? `exit code ${code}`) : `killed by ${exit.signal}`;
    return { exitCode: code, failure: `k6 failed: ${why} (see ${files.log})`, ...seen };
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
