import type { Cell } from '../matrix/types.js';
import type { ErrorSource } from '../results/points.js';
import { round } from './stats.js';
import type { ClientSummary, HarnessCpu, Validity, ValidityFigures, ValidityVerdict } from '../results/cell-result.js';

/** The thresholds, as data (the README's validity table is these). */
export const VALIDITY_LIMITS = {
  /** Closed loop: in-flight / offered users below these warn / invalidate. */
  achievedUsersWarn: 0.95,
  achievedUsersInvalid: 0.8,
  /** Open loop: achieved / offered rate. */
  achievedRateWarn: 0.97,
  achievedRateInvalid: 0.9,
  /** Open loop: dropped iterations as a share of those due. */
  droppedInvalid: 0.01,
  /** Open loop: sending lateness, ms (p99 warns, p95 invalidates). */
  lateP99WarnMs: 10,
  lateP95InvalidMs: 100,
  /** Harness-made errors as a share of main-phase requests. */
  harnessErrorsInvalid: 0.01,
  /** Sample gaps (Prometheus unanswered) as a share of samples. */
  gapsInvalid: 0.25,
  /** Samples taken below this share of those expected warn. */
  samplesWarn: 0.8,
  /** The machine's CPUs busier than this (mean %) warn: the load generator shared a saturated machine. */
  machineBusyWarnPct: 95,
} as const;

export interface ValidityInput {
  cell: Pick<Cell, 'load' | 'level'>;
  /**
   * Error sources the harness makes rather than the system under test, as the
   * target says (Target.harnessErrorSources): a request cut by the load's end
   * (its latency is censored) and, on the local target, where the router is
   * the harness's own, a connection to it failing or it failing to reach a
   * live replica.
   */
  harnessSources: readonly ErrorSource[];
  client: ClientSummary;
  /** The client's in-flight timeline (PointAccumulator.inFlight over the main phase). */
  inFlight?: { mean: number; max: number };
  /** Users offered, time-averaged over the main phase (closed-loop shapes). */
  offeredMean?: number;
  droppedIterations?: number;
  /** A scheduled load (a trace, an arrival process): requests due in its main phase, and the VUs replaying it. */
  schedule?: { mainRequests: number; vus: number };
  harnessCpu?: HarnessCpu;
  samples: number;
  sampleGaps: number;
  expectedSamples: number;
}

const pct = (v: number): string => `${round(v * 100, 1)} %`;

/** The validity verdict of one cell (pure). */
export function judgeValidity(i: ValidityInput): Validity {
  const L = VALIDITY_LIMITS;
  const invalid: string[] = [];
  const warn: string[] = [];
  const { load, level } = i.cell;
  const c = i.client;
  const openLoop = load.shape === 'arrival-rate' || i.schedule !== undefined;
  const seconds = load.durationMs / 1000;
  const offeredRps = i.schedule ? round(i.schedule.mainRequests / seconds, 3) : level;
  const f: ValidityFigures = { harnessErrors: 0, samples: i.samples, sampleGaps: i.sampleGaps, expectedSamples: i.expectedSamples };

  if (i.inFlight) {
    f.inFlightMax = i.inFlight.max;
    f.inFlightAllowed = i.schedule ? i.schedule.vus : load.shape === 'arrival-rate' ? load.maxVus : level;
    if (i.inFlight.max > f.inFlightAllowed) {
      invalid.push(
        `the client had ${i.inFlight.max} requests in flight at once, above the ${f.inFlightAllowed} the cell allows: the load generator overlapped requests`,
      );
    }
  }
  if (!openLoop && i.inFlight && i.offeredMean !== undefined && i.offeredMean > 0) {
    f.inFlightMean = i.inFlight.mean;
    f.offeredMean = round(i.offeredMean, 3);
    const ratio = i.inFlight.mean / i.offeredMean;
    const text = `the client kept ${round(i.inFlight.mean, 2)} requests in flight on average against ${round(i.offeredMean, 2)} users offered (${pct(ratio)})`;
    if (ratio < L.achievedUsersInvalid) invalid.push(text);
    else if (ratio < L.achievedUsersWarn) warn.push(text);
  }
  if (openLoop) {
    f.offeredRps = offeredRps;
    f.achievedRps = round(c.requests / seconds, 3);
    const ratio = offeredRps > 0 ? f.achievedRps / offeredRps : 1;
    const text = `the client sent ${f.achievedRps} requests/s against ${offeredRps} offered (${pct(ratio)})`;
    if (ratio < L.achievedRateInvalid) invalid.push(text);
    else if (ratio < L.achievedRateWarn) warn.push(text);
    if (i.schedule) {
      f.unsent = Math.max(0, i.schedule.mainRequests - c.requests);
      if (f.unsent > 0) {
        const text = `${f.unsent} of ${i.schedule.mainRequests} requests due were never sent (all ${i.schedule.vus} VUs busy until the load ended: raise max_vus)`;
        if (f.unsent / i.schedule.mainRequests > L.droppedInvalid) invalid.push(text);
        else warn.push(text);
      }
    }
    if (i.droppedIterations !== undefined && !i.schedule) {
      f.droppedIterations = i.droppedIterations;
      const due = level * ((load.warmupMs + load.durationMs) / 1000);
      if (i.droppedIterations > 0) {
        const text = `k6 dropped ${i.droppedIterations} of ${Math.round(due)} requests due (no free VU: raise max_vus, or the client cannot keep up)`;
        if (i.droppedIterations / due > L.droppedInvalid) invalid.push(text);
        else warn.push(text);
      }
    }
    if (c.scheduled) {
      f.lateMsP95 = c.scheduled.lateMs.p95;
      f.lateMsP99 = c.scheduled.lateMs.p99;
      if ((f.lateMsP95 ?? 0) > L.lateP95InvalidMs)
        invalid.push(`requests were sent late: p95 ${f.lateMsP95} ms after they were due (the client fell behind its schedule)`);
      else if ((f.lateMsP99 ?? 0) > L.lateP99WarnMs) warn.push(`requests were sent late: p99 ${f.lateMsP99} ms after they were due`);
    }
  }

  const sources = i.harnessSources;
  const made = sources.map((s) => [s, c.errorSources[s] ?? 0] as const).filter(([, n]) => n > 0);
  f.harnessErrors = made.reduce((a, [, n]) => a + n, 0);
  if (f.harnessErrors > 0) {
    const text = `${f.harnessErrors} of ${c.requests} requests failed by the harness (${made.map(([s, n]) => `${s} ${n}`).join(', ')})`;
    if (f.harnessErrors / Math.max(1, c.requests) > L.harnessErrorsInvalid) invalid.push(text);
    else warn.push(text);
  }

  if (i.samples > 0 && i.sampleGaps > 0) {
    const text = `${i.sampleGaps} of ${i.samples} samples have no Prometheus data`;
    if (i.sampleGaps / i.samples > L.gapsInvalid) invalid.push(text);
    else warn.push(text);
  }
  if (i.expectedSamples > 0 && i.samples < L.samplesWarn * i.expectedSamples) {
    warn.push(`${i.samples} samples taken of about ${i.expectedSamples} expected`);
  }

  const cpu = i.harnessCpu;
  if (cpu && cpu.machineBusyPct.meanPct >= L.machineBusyWarnPct) {
    const procs = Object.entries(cpu.processes)
      .map(([name, u]) => `${name} ${u.meanPct} %`)
      .join(', ');
    warn.push(
      `the machine's ${cpu.cores} CPUs were ${cpu.machineBusyPct.meanPct} % busy during the load${procs ? ` (${procs} of one core)` : ''}: the load generator may have waited for CPU`,
    );
  }

  const verdict: ValidityVerdict = invalid.length ? 'invalid' : warn.length ? 'warn' : 'valid';
  return { verdict, reasons: [...invalid, ...warn], figures: f };
}
