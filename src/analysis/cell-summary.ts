import type { ResolvedSlo } from '../matrix/types.js';
import { Column } from './columns.js';
import { distributionInPlace, round, type Distribution } from './stats.js';

/** One request as the scenario writes it to points.jsonl. */
export interface RawPoint {
  /** Start, ms since the epoch. */
  t: number;
  phase: string;
  ok: boolean;
  status: number;
  error?: string | null;
  ttft_ms: number | null;
  tpot_ms: number | null;
  e2e_ms: number;
  itl_ms: number[];
  prompt_tokens: number | null;
  output_tokens: number | null;
}

/** Client-side results of one cell, exact from the raw points of its main phase. */
export interface ClientSummary {
  requests: number;
  errors: number;
  errorRate: number;
  /** Errors by message, most frequent first (at most 10). */
  errorKinds: Array<{ message: string; count: number }>;
  rps: number;
  outputTokensPerS: number;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2eMs: Distribution;
  promptTokensMean?: number;
  /** Sample standard deviation of the prompt tokens reported per request. */
  promptTokensStdev?: number;
  outputTokensMean?: number;
  outputTokensStdev?: number;
  slo: SloResult;
}

export interface SloResult {
  /** Share of requests meeting every SLO (failed requests meet none). Undefined without SLOs or requests. */
  attainment?: number;
  /** Requests per second meeting every SLO. */
  goodputRps?: number;
  /** p95 of each metric against its objective; absent objectives are not listed. */
  pass: { ttft?: boolean; tpot?: boolean; e2e?: boolean };
}

/** Whether one request meets every objective. */
export function meetsSlo(p: RawPoint, slo: ResolvedSlo): boolean {
  if (!p.ok) return false;
  if (slo.ttftP95Ms !== undefined && (p.ttft_ms === null || p.ttft_ms > slo.ttftP95Ms)) return false;
  if (slo.tpotP95Ms !== undefined && p.tpot_ms !== null && p.tpot_ms > slo.tpotP95Ms) return false;
  if (slo.e2eP95Ms !== undefined && p.e2e_ms > slo.e2eP95Ms) return false;
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
  private readonly itl = new Column(Float32Array);
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
    this.hasSlo = slo.ttftP95Ms !== undefined || slo.tpotP95Ms !== undefined || slo.e2eP95Ms !== undefined;
  }

  add(p: RawPoint): void {
    if (p.t < this.firstStartMs) this.firstStartMs = p.t;
    if (p.phase !== 'main') return;
    this.t.push(p.t);
    this.ok.push(p.ok ? 1 : 0);
    this.e2e.push(p.e2e_ms);
    if (!p.ok) {
      const kind = p.error ?? `HTTP ${p.status}`;
      this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
      this.ttft.push(NaN);
      this.tpot.push(NaN);
      return;
    }
    this.ttft.push(p.ttft_ms ?? NaN);
    this.tpot.push(p.tpot_ms ?? NaN);
    this.itl.pushAll(p.itl_ms);
    if (p.output_tokens !== null) this.output.add(p.output_tokens);
    if (p.prompt_tokens !== null) this.prompt.add(p.prompt_tokens);
    if (this.hasSlo && meetsSlo(p, this.slo)) this.meeting++;
  }

  /**
   * What has been accumulated, as plain data with typed arrays (copies, cut to
   * length): what a worker thread posts back for merge().
   */
  exportState(): AccumulatorState {
    return {
      t: this.t.view().slice(), ttft: this.ttft.view().slice(), tpot: this.tpot.view().slice(), e2e: this.e2e.view().slice(),
      ok: this.ok.view().slice(), itl: this.itl.view().slice(),
      prompt: { n: this.prompt.n, sum: this.prompt.sum, sumSq: this.prompt.sumSq },
      output: { n: this.output.n, sum: this.output.sum, sumSq: this.output.sumSq },
      kinds: [...this.kinds.entries()], meeting: this.meeting, firstStartMs: this.firstStartMs,
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
    this.prompt.merge(s.prompt);
    this.output.merge(s.output);
    for (const [k, n] of s.kinds) this.kinds.set(k, (this.kinds.get(k) ?? 0) + n);
    this.meeting += s.meeting;
    this.firstStartMs = Math.min(this.firstStartMs, s.firstStartMs);
  }

  /** The summary of what was added; may be called again after more points. */
  summary(): ClientSummary {
    const requests = this.t.length;
    const ok = this.ok.view();
    const okCount = ok.reduce((a, b) => a + b, 0);
    const ttft = this.ttft.view();
    const tpot = this.tpot.view();
    const ttftD = distributionInPlace(this.ttft.filtered((i) => ok[i] === 1 && !Number.isNaN(ttft[i])));
    const tpotD = distributionInPlace(this.tpot.filtered((i) => ok[i] === 1 && !Number.isNaN(tpot[i])));
    const e2eD = distributionInPlace(this.e2e.filtered((i) => ok[i] === 1));
    const seconds = this.durationMs / 1000;
    const slo = this.slo;
    const pass: SloResult['pass'] = {};
    if (slo.ttftP95Ms !== undefined) pass.ttft = ttftD.p95 !== undefined && ttftD.p95 <= slo.ttftP95Ms;
    if (slo.tpotP95Ms !== undefined) pass.tpot = tpotD.p95 !== undefined && tpotD.p95 <= slo.tpotP95Ms;
    if (slo.e2eP95Ms !== undefined) pass.e2e = e2eD.p95 !== undefined && e2eD.p95 <= slo.e2eP95Ms;
    const { prompt, output } = this;
    return {
      requests,
      errors: requests - okCount,
      errorRate: requests ? round(1 - okCount / requests, 4) : 0,
      errorKinds: [...this.kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([message, count]) => ({ message, count })),
      rps: round(requests / seconds),
      outputTokensPerS: round(output.sum / seconds),
      ttftMs: ttftD,
      tpotMs: tpotD,
      itlMs: distributionInPlace(this.itl.view()),
      e2eMs: e2eD,
      ...(prompt.n ? { promptTokensMean: round(prompt.mean(), 1), promptTokensStdev: round(prompt.stdev(), 1) } : {}),
      ...(output.n ? { outputTokensMean: round(output.mean(), 1), outputTokensStdev: round(output.stdev(), 1) } : {}),
      slo: {
        ...(this.hasSlo && requests ? { attainment: round(this.meeting / requests, 4), goodputRps: round(this.meeting / seconds) } : {}),
        pass,
      },
    };
  }
}
