import type { ResolvedSlo } from '../matrix/types.js';
import { Column } from './columns.js';
import { distributionInPlace, round } from './stats.js';
import { hasObjectives } from '../vocabulary/metrics.js';
import type { RawPoint } from '../results/points.js';
import type { ClientSummary, Distribution, SloResult } from '../results/cell-result.js';

/** Whether one request meets every objective (of `objectives`, written out: this runs per point). */
export function meetsSlo(p: RawPoint, slo: ResolvedSlo): boolean {
  if (!p.ok) return false;
  if (slo.ttft_ms_p95 !== undefined && (p.ttft_ms === null || p.ttft_ms > slo.ttft_ms_p95)) return false;
  if (slo.tpot_ms_p95 !== undefined && p.tpot_ms !== null && p.tpot_ms > slo.tpot_ms_p95) return false;
  if (slo.e2e_ms_p95 !== undefined && p.e2e_ms > slo.e2e_ms_p95) return false;
  return true;
}

/**
 * Summarises a cell's main-phase points. Rates are per second of the main
 * phase's nominal duration (durationMs), the time the load was offered.
 */
export function summarizePoints(points: Iterable<RawPoint>, slo: ResolvedSlo, durationMs: number): ClientSummary {
  const acc = new PointAccumulator(slo, durationMs);
  for (const p of points) acc.add(p);
  return acc.summary();
}

/** Running sums of a token count: mean and sample standard deviation. */
class TokenStats {
  n = 0;
  sum = 0;
  sumSq = 0;
  add(v: number): void {
    this.n++;
    this.sum += v;
    this.sumSq += v * v;
  }
  mean(): number {
    return this.sum / this.n;
  }
  merge(o: { n: number; sum: number; sumSq: number }): void {
    this.n += o.n;
    this.sum += o.sum;
    this.sumSq += o.sumSq;
  }
  stdev(): number {
    return this.n < 2 ? 0 : Math.sqrt(Math.max(0, (this.sumSq - (this.sum * this.sum) / this.n) / (this.n - 1)));
  }
}

/**
 * The client summary of a cell, built one point at a time so that a cell of a
 * million requests is never held as objects: each main-phase request keeps
 * 33 bytes (start, TTFT, TPOT, E2E as float64, ok as a byte) and each
 * inter-token gap 4 bytes (float32, ample for milliseconds to 3 decimals).
 * The point passed to add() is not kept.
 */
/** A PointAccumulator's contents as data (structured-clone and transfer friendly). */
export interface AccumulatorState {
  t: Float64Array;
  ttft: Float64Array;
  tpot: Float64Array;
  e2e: Float64Array;
  ok: Uint8Array;
  itl: Float32Array;
  ttfc: Float64Array;
  sched: Float64Array;
  spanStart: Float64Array;
  spanEnd: Float64Array;
  sources: Array<[string, number]>;
  cached: { prompt: number; cached: number };
  prompt: { n: number; sum: number; sumSq: number };
  output: { n: number; sum: number; sumSq: number };
  kinds: Array<[string, number]>;
  meeting: number;
  firstStartMs: number;
}

export class PointAccumulator {
  /** Main-phase requests, by arrival order: start (ms since the epoch), latencies in ms (NaN: none), ok (1/0). */
  readonly t = new Column(Float64Array);
  readonly ttft = new Column(Float64Array);
  readonly tpot = new Column(Float64Array);
  readonly e2e = new Column(Float64Array);
  readonly ok = new Column(Uint8Array);
  readonly ttfc = new Column(Float64Array);
  /** When each main-phase request was due (NaN: closed loop). */
  readonly sched = new Column(Float64Array);
  /** Every request's span, warm-up included, for the client's in-flight timeline: start and end, ms since the epoch. */
  readonly spanStart = new Column(Float64Array);
  readonly spanEnd = new Column(Float64Array);
  private readonly itl = new Column(Float32Array);
  private readonly sources = new Map<string, number>();
  /** Prompt tokens and cached ones, over the requests that report cached tokens. */
  private readonly cached = { prompt: 0, cached: 0 };
  private readonly prompt = new TokenStats();
  private readonly output = new TokenStats();
  private readonly kinds = new Map<string, number>();
  private readonly hasSlo: boolean;
  private meeting = 0;
  /** Earliest start of any point (warm-up included), ms since the epoch; Infinity when none. */
  firstStartMs = Infinity;

  constructor(
    readonly slo: ResolvedSlo,
    /** Nominal main-phase duration (ms) that rates are divided by. */
    readonly durationMs: number,
  ) {
    this.hasSlo = hasObjectives(slo);
  }

  add(p: RawPoint): void {
    if (p.t < this.firstStartMs) this.firstStartMs = p.t;
    this.spanStart.push(p.t);
    this.spanEnd.push(p.t + (Number.isFinite(p.e2e_ms) ? p.e2e_ms : 0));
    if (p.phase !== 'main') return;
    this.t.push(p.t);
    this.ok.push(p.ok ? 1 : 0);
    this.e2e.push(p.e2e_ms);
    this.sched.push(p.t_sched ?? NaN);
    if (!p.ok) {
      const kind = p.error ?? `HTTP ${p.status}`;
      this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
      const source = p.error_source ?? 'unknown';
      this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
      this.ttft.push(NaN);
      this.ttfc.push(NaN);
      this.tpot.push(NaN);
      return;
    }
    this.ttft.push(p.ttft_ms ?? NaN);
    this.ttfc.push(p.ttfc_ms ?? p.ttft_ms ?? NaN);
    this.tpot.push(p.tpot_ms ?? NaN);
    this.itl.pushAll(p.itl_ms);
    if (p.output_tokens !== null) this.output.add(p.output_tokens);
    if (p.prompt_tokens !== null) this.prompt.add(p.prompt_tokens);
    if (p.prompt_tokens !== null && typeof p.cached_tokens === 'number') {
      this.cached.prompt += p.prompt_tokens;
      this.cached.cached += p.cached_tokens;
    }
    if (this.hasSlo && meetsSlo(p, this.slo)) this.meeting++;
  }

  /**
   * What has been accumulated, as plain data with typed arrays (copies, cut to
   * length): what a worker thread posts back for merge().
   */
  exportState(): AccumulatorState {
    return {
      t: this.t.view().slice(),
      ttft: this.ttft.view().slice(),
      tpot: this.tpot.view().slice(),
      e2e: this.e2e.view().slice(),
      ok: this.ok.view().slice(),
      itl: this.itl.view().slice(),
      ttfc: this.ttfc.view().slice(),
      sched: this.sched.view().slice(),
      spanStart: this.spanStart.view().slice(),
      spanEnd: this.spanEnd.view().slice(),
      sources: [...this.sources.entries()],
      cached: { ...this.cached },
      prompt: { n: this.prompt.n, sum: this.prompt.sum, sumSq: this.prompt.sumSq },
      output: { n: this.output.n, sum: this.output.sum, sumSq: this.output.sumSq },
      kinds: [...this.kinds.entries()],
      meeting: this.meeting,
      firstStartMs: this.firstStartMs,
    };
  }

  /** Appends another accumulator's state, as if its points had been added after these (file order kept). */
  merge(s: AccumulatorState): void {
    this.t.append(s.t);
    this.ttft.append(s.ttft);
    this.tpot.append(s.tpot);
    this.e2e.append(s.e2e);
    this.ok.append(s.ok);
    this.itl.append(s.itl);
    this.ttfc.append(s.ttfc);
    this.sched.append(s.sched);
    this.spanStart.append(s.spanStart);
    this.spanEnd.append(s.spanEnd);
    for (const [k, n] of s.sources) this.sources.set(k, (this.sources.get(k) ?? 0) + n);
    this.cached.prompt += s.cached.prompt;
    this.cached.cached += s.cached.cached;
    this.prompt.merge(s.prompt);
    this.output.merge(s.output);
    for (const [k, n] of s.kinds) this.kinds.set(k, (this.kinds.get(k) ?? 0) + n);
    this.meeting += s.meeting;
    this.firstStartMs = Math.min(this.firstStartMs, s.firstStartMs);
  }

  /** Lateness and latency from the schedule, over the main-phase requests that carry a scheduled time. */
  private scheduledSummary(): Pick<ClientSummary, 'scheduled'> {
    const sched = this.sched.view();
    const t = this.t.view();
    const ok = this.ok.view();
    const ttft = this.ttft.view();
    const e2e = this.e2e.view();
    const late: number[] = [];
    const ttftFrom: number[] = [];
    const e2eFrom: number[] = [];
    for (let i = 0; i < sched.length; i++) {
      if (Number.isNaN(sched[i]!)) continue;
      const l = Math.max(0, t[i]! - sched[i]!);
      late.push(l);
      if (ok[i] !== 1) continue;
      if (!Number.isNaN(ttft[i]!)) ttftFrom.push(ttft[i]! + l);
      e2eFrom.push(e2e[i]! + l);
    }
    if (late.length === 0) return {};
    const d = (xs: number[]): Distribution => distributionInPlace(Float64Array.from(xs));
    return { scheduled: { lateMs: d(late), ttftMs: d(ttftFrom), e2eMs: d(e2eFrom) } };
  }

  /**
   * The client's own count of requests in flight (every phase): its
   * time-weighted mean over [fromMs, toMs), and its maximum over the whole
   * load. Requests are in flight from their start to their start + E2E.
   */
  inFlight(fromMs: number, toMs: number): { mean: number; max: number } {
    const starts = this.spanStart.view().slice().sort();
    const ends = this.spanEnd.view().slice().sort();
    let i = 0;
    let j = 0;
    let level = 0;
    let max = 0;
    let area = 0;
    let at = fromMs;
    // Sweep the start and end events in time order; an end at the same instant as a start goes first.
    while (i < starts.length || j < ends.length) {
      const isEnd = j < ends.length && (i >= starts.length || ends[j]! <= starts[i]!);
      const time = isEnd ? ends[j++]! : starts[i++]!;
      if (time > at && at < toMs) {
        const until = Math.min(time, toMs);
        if (until > at) area += level * (until - at);
        at = Math.max(at, until);
      }
      level += isEnd ? -1 : 1;
      if (!isEnd) max = Math.max(max, level);
    }
    if (at < toMs) area += level * (toMs - at);
    return { mean: toMs > fromMs ? round(area / (toMs - fromMs), 3) : 0, max };
  }

  /** The summary of what was added; may be called again after more points. */
  summary(): ClientSummary {
    const requests = this.t.length;
    const ok = this.ok.view();
    const okCount = ok.reduce((a, b) => a + b, 0);
    const ttft = this.ttft.view();
    const tpot = this.tpot.view();
    const ttftD = distributionInPlace(this.ttft.filtered((i) => ok[i] === 1 && !Number.isNaN(ttft[i])));
    const ttfc = this.ttfc.view();
    const ttfcD = distributionInPlace(this.ttfc.filtered((i) => ok[i] === 1 && !Number.isNaN(ttfc[i])));
    const tpotD = distributionInPlace(this.tpot.filtered((i) => ok[i] === 1 && !Number.isNaN(tpot[i])));
    const e2eD = distributionInPlace(this.e2e.filtered((i) => ok[i] === 1));
    const seconds = this.durationMs / 1000;
    const slo = this.slo;
    const pass: SloResult['pass'] = {};
    if (slo.ttft_ms_p95 !== undefined) pass.ttft = ttftD.p95 !== undefined && ttftD.p95 <= slo.ttft_ms_p95;
    if (slo.tpot_ms_p95 !== undefined) pass.tpot = tpotD.p95 !== undefined && tpotD.p95 <= slo.tpot_ms_p95;
    if (slo.e2e_ms_p95 !== undefined) pass.e2e = e2eD.p95 !== undefined && e2eD.p95 <= slo.e2e_ms_p95;
    const { prompt, output } = this;
    return {
      requests,
      errors: requests - okCount,
      errorRate: requests ? round(1 - okCount / requests, 4) : 0,
      errorKinds: [...this.kinds.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([message, count]) => ({ message, count })),
      errorSources: Object.fromEntries([...this.sources.entries()].sort((a, b) => b[1] - a[1])),
      rps: round(requests / seconds),
      outputTokensPerS: round(output.sum / seconds),
      ttftMs: ttftD,
      ttfcMs: ttfcD,
      tpotMs: tpotD,
      itlMs: distributionInPlace(this.itl.view()),
      e2eMs: e2eD,
      ...this.scheduledSummary(),
      ...(prompt.n ? { promptTokensMean: round(prompt.mean(), 1), promptTokensStdev: round(prompt.stdev(), 1) } : {}),
      ...(output.n ? { outputTokensMean: round(output.mean(), 1), outputTokensStdev: round(output.stdev(), 1) } : {}),
      ...(this.cached.prompt > 0 ? { cachedTokenShare: round(this.cached.cached / this.cached.prompt, 4) } : {}),
      slo: {
        ...(this.hasSlo && requests ? { attainment: round(this.meeting / requests, 4), goodputRps: round(this.meeting / seconds) } : {}),
        pass,
      },
    };
  }
}
