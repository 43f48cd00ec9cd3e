import type { Cell, ResolvedLoad, ResolvedWorkload } from '../matrix/types.js';
import { isScheduled } from './schedule.js';

/** In-flight streams get this long to finish when a stage or the test ends. */
export const GRACEFUL_STOP_MS = 30_000;
/** Users change over this long at a step's edges. */
const EDGE_MS = 1000;
/** Per-request timeout in the scenario. */
export const REQUEST_TIMEOUT_MS = 120_000;

type Stage = { duration: string; target: number };
type Scenario = Record<string, unknown> & { executor: string; startTime?: string };

const d = (ms: number): string => `${Math.max(0, Math.round(ms))}ms`;

/** The users a shape starts (and warms up) at. */
export function startingUsers(load: ResolvedLoad, level: number): number {
  switch (load.shape) {
    case 'constant':
    case 'arrival-rate':
    case 'trace':
      return level;
    case 'step':
    case 'spike':
      return Math.max(1, Math.round(level * load.low));
    case 'ramp':
      return 1;
  }
}

/** Users over the main phase, as k6 stages, for the shapes that change them. */
export function stages(load: ResolvedLoad, level: number): Stage[] {
  const D = load.durationMs;
  const low = startingUsers(load, level);
  switch (load.shape) {
    case 'step': {
      // low for a third, the level for a third, low again for the rest.
      const third = D / 3;
      return [
        { duration: d(third), target: low },
        { duration: d(EDGE_MS), target: level },
        { duration: d(third - EDGE_MS), target: level },
        { duration: d(EDGE_MS), target: low },
        { duration: d(D - 2 * third - EDGE_MS), target: low },
      ];
    }
    case 'spike': {
      const before = (D - load.spikeMs) / 2;
      return [
        { duration: d(before), target: low },
        { duration: d(EDGE_MS), target: level },
        { duration: d(load.spikeMs - EDGE_MS), target: level },
        { duration: d(EDGE_MS), target: low },
        { duration: d(D - before - load.spikeMs - EDGE_MS), target: low },
      ];
    }
    case 'ramp':
      return [{ duration: d(D), target: level }];
    case 'constant':
    case 'arrival-rate':
    case 'trace':
      return [];
  }
}

/**
 * VUs k6 makes before an open-loop load starts: enough for this many seconds
 * of requests in flight (Little's law at the level's rate); more are made
 * during the load, up to max_vus, each paying its start-up while it is due.
 */
const PREALLOCATED_SECONDS = 4;

/** The cell's load as one k6 scenario, warm-up included: the rate or users of the shape's start hold through the warm-up. */
function loadScenario(load: ResolvedLoad, level: number, scheduledVus?: number): Scenario {
  const total = load.warmupMs + load.durationMs;
  const common = { startTime: '0ms', gracefulStop: d(GRACEFUL_STOP_MS), tags: { phase: 'load' } };
  if (isScheduled(load)) {
    // A pool of VUs, each taking the next request of the schedule when it is due (llm.next()).
    return { executor: 'constant-vus', vus: scheduledVus ?? 1, duration: d(total), ...common };
  }
  switch (load.shape) {
    case 'constant':
      return { executor: 'constant-vus', vus: level, duration: d(total), ...common };
    case 'arrival-rate':
      return {
        executor: 'constant-arrival-rate',
        rate: Math.round(level * 1000),
        timeUnit: '1000s',
        duration: d(total),
        preAllocatedVUs: Math.min(load.maxVus, Math.max(1, Math.ceil(level * PREALLOCATED_SECONDS))),
        maxVUs: load.maxVus,
        ...common,
      };
    case 'trace':
      throw new Error('a trace is always scheduled');
    case 'step':
    case 'spike':
    case 'ramp': {
      const start = startingUsers(load, level);
      const warm: Stage[] = load.warmupMs > 0 ? [{ duration: d(load.warmupMs), target: start }] : [];
      return {
        executor: 'ramping-vus',
        startVUs: load.shape === 'ramp' && load.warmupMs === 0 ? 0 : start,
        stages: [...warm, ...stages(load, level)],
        gracefulRampDown: d(GRACEFUL_STOP_MS),
        ...common,
      };
    }
  }
}

/**
 * k6 options (passed with --config): the cell's load as one uninterrupted
 * scenario. The warm-up is its first warmupMs; the scenario labels each
 * request with the phase in which it started, so nothing is cut at the edge
 * and in-flight requests never exceed the cell's users.
 */
export function k6Options(cell: Pick<Cell, 'load' | 'level'>, o: { scheduledVus?: number } = {}): Record<string, unknown> {
  return {
    scenarios: { load: loadScenario(cell.load, cell.level, o.scheduledVus) },
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
    discardResponseBodies: true,
    noUsageReport: true,
  };
}

/** Settings the scenario reads from SCALEBENCH_WORKLOAD. */
export interface ScenarioWorkload {
  url: string;
  model: string;
  prompt: ResolvedWorkload['prompt'];
  output: ResolvedWorkload['output'];
  seed: number;
  timeoutMs: number;
  maxRequests?: number;
  /** The warm-up's length at the start of the scenario, ms: requests started within it are labelled warmup. */
  warmupMs: number;
  /** Requests per second of a uniform open-loop load: points then carry their scheduled time. */
  ratePerS?: number;
  /** The schedule file a scheduled load replays (src/load/schedule.ts): points carry their scheduled time. */
  schedule?: string;
  /** Sessions of several turns (closed-loop loads). */
  conversation?: NonNullable<ResolvedWorkload['conversation']>;
  points: string;
  /** Lines of { scenario_start_ms, vu }, one per VU: when the load started. */
  meta: string;
  summary: string;
}

export function scenarioWorkload(
  cell: Pick<Cell, 'load' | 'repeat' | 'level'>,
  workload: ResolvedWorkload,
  endpoint: string,
  model: string,
  files: { points: string; meta: string; summary: string; schedule?: string },
): ScenarioWorkload {
  return {
    url: `${endpoint}/v1/chat/completions`,
    model,
    prompt: workload.prompt,
    output: workload.output,
    seed: workload.seed * 1000 + cell.repeat,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(cell.load.maxRequests !== undefined ? { maxRequests: cell.load.maxRequests } : {}),
    warmupMs: cell.load.warmupMs,
    ...(workload.conversation && !isScheduled(cell.load) ? { conversation: workload.conversation } : {}),
    ...(isScheduled(cell.load) ? { schedule: files.schedule } : cell.load.shape === 'arrival-rate' ? { ratePerS: Math.round(cell.level * 1000) / 1000 } : {}),
    points: files.points,
    meta: files.meta,
    summary: files.summary,
  };
}

/** The k6 command line, as a value. */
export function k6Args(files: { options: string; script: string }): string[] {
  return ['run', '--quiet', '--no-color', '--config', files.options, files.script];
}

/** Wall time of the k6 run: warm-up, main phase, and the graceful stop at most. */
export function k6WallMs(load: ResolvedLoad): { expected: number; max: number } {
  const expected = load.warmupMs + load.durationMs;
  return { expected, max: expected + GRACEFUL_STOP_MS + 30_000 };
}

/**
 * Offered load at `elapsedMs` after k6 started: users (or requests/s for
 * arrival-rate), following the warm-up and the stages k6 is given.
 */
export function offeredAt(cell: Pick<Cell, 'load' | 'level'>, elapsedMs: number): number {
  const { load, level } = cell;
  if (elapsedMs < 0) return 0;
  if (elapsedMs < load.warmupMs) return startingUsers(load, level);
  let t = elapsedMs - load.warmupMs;
  if (t >= load.durationMs) return 0;
  if (load.shape === 'constant' || load.shape === 'arrival-rate' || load.shape === 'trace') return level;
  let users = load.shape === 'ramp' && load.warmupMs === 0 ? 0 : startingUsers(load, level);
  for (const st of stages(load, level)) {
    const ms = Number(st.duration.slice(0, -2));
    if (t < ms) return Math.round(users + ((st.target - users) * t) / ms);
    t -= ms;
    users = st.target;
  }
  return users;
}
