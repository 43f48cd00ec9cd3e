import type { Cell, ResolvedLoad, ResolvedWorkload } from '../matrix/types.js';

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
      return [];
  }
}

function mainScenario(load: ResolvedLoad, level: number, startMs: number): Scenario {
  const common = { startTime: d(startMs), gracefulStop: d(GRACEFUL_STOP_MS), tags: { phase: 'main' } };
  switch (load.shape) {
    case 'constant':
      return { executor: 'constant-vus', vus: level, duration: d(load.durationMs), ...common };
    case 'arrival-rate':
      return {
        executor: 'constant-arrival-rate',
        rate: Math.round(level * 1000),
        timeUnit: '1000s',
        duration: d(load.durationMs),
        preAllocatedVUs: Math.min(load.maxVus, Math.max(1, Math.ceil(level))),
        maxVUs: load.maxVus,
        ...common,
      };
    case 'step':
    case 'spike':
    case 'ramp':
      return {
        executor: 'ramping-vus',
        startVUs: load.shape === 'ramp' ? 0 : startingUsers(load, level),
        stages: stages(load, level),
        gracefulRampDown: d(GRACEFUL_STOP_MS),
        ...common,
      };
  }
}

/** k6 options (passed with --config): an optional warm-up scenario, then the cell's load shape. */
export function k6Options(cell: Pick<Cell, 'load' | 'level'>): Record<string, unknown> {
  const { load, level } = cell;
  const scenarios: Record<string, Scenario> = {};
  if (load.warmupMs > 0) {
    scenarios.warmup = {
      executor: 'constant-vus',
      vus: Math.max(1, Math.ceil(load.shape === 'arrival-rate' ? Math.min(load.maxVus, level) : startingUsers(load, level))),
      duration: d(load.warmupMs),
      gracefulStop: '0s',
      tags: { phase: 'warmup' },
    };
  }
  scenarios.main = mainScenario(load, level, load.warmupMs);
  return {
    scenarios,
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
  points: string;
  summary: string;
}

export function scenarioWorkload(
  cell: Pick<Cell, 'load' | 'repeat'>,
  workload: ResolvedWorkload,
  endpoint: string,
  model: string,
  files: { points: string; summary: string },
): ScenarioWorkload {
  return {
    url: `${endpoint}/v1/chat/completions`,
    model,
    prompt: workload.prompt,
    output: workload.output,
    seed: workload.seed * 1000 + cell.repeat,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(cell.load.maxRequests !== undefined ? { maxRequests: cell.load.maxRequests } : {}),
    points: files.points,
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
  if (load.shape === 'constant' || load.shape === 'arrival-rate') return level;
  let users = load.shape === 'ramp' ? 0 : startingUsers(load, level);
  for (const st of stages(load, level)) {
    const ms = Number(st.duration.slice(0, -2));
    if (t < ms) return Math.round(users + ((st.target - users) * t) / ms);
    t -= ms;
    users = st.target;
  }
  return users;
}
