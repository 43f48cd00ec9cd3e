import type { ResolvedSlo } from '../matrix/types.js';
import { distribution, round, type Distribution } from './stats.js';

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
  outputTokensMean?: number;
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
export function summarizePoints(points: readonly RawPoint[], slo: ResolvedSlo, durationMs: number): ClientSummary {
  const main = points.filter((p) => p.phase === 'main');
  const ok = main.filter((p) => p.ok);
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  const itl: number[] = [];
  let outTokens = 0;
  let promptSum = 0;
  let promptN = 0;
  let outN = 0;
  for (const p of ok) {
    if (p.ttft_ms !== null) ttft.push(p.ttft_ms);
    if (p.tpot_ms !== null) tpot.push(p.tpot_ms);
    e2e.push(p.e2e_ms);
    for (const g of p.itl_ms) itl.push(g);
    if (p.output_tokens !== null) {
      outTokens += p.output_tokens;
      outN++;
    }
    if (p.prompt_tokens !== null) {
      promptSum += p.prompt_tokens;
      promptN++;
    }
  }
  const seconds = durationMs / 1000;
  const kinds = new Map<string, number>();
  for (const p of main) if (!p.ok) kinds.set(p.error ?? `HTTP ${p.status}`, (kinds.get(p.error ?? `HTTP ${p.status}`) ?? 0) + 1);
  const ttftD = distribution(ttft);
  const tpotD = distribution(tpot);
  const e2eD = distribution(e2e);
  const hasSlo = slo.ttftP95Ms !== undefined || slo.tpotP95Ms !== undefined || slo.e2eP95Ms !== undefined;
  const meeting = hasSlo ? main.filter((p) => meetsSlo(p, slo)).length : 0;
  const pass: SloResult['pass'] = {};
  if (slo.ttftP95Ms !== undefined) pass.ttft = ttftD.p95 !== undefined && ttftD.p95 <= slo.ttftP95Ms;
  if (slo.tpotP95Ms !== undefined) pass.tpot = tpotD.p95 !== undefined && tpotD.p95 <= slo.tpotP95Ms;
  if (slo.e2eP95Ms !== undefined) pass.e2e = e2eD.p95 !== undefined && e2eD.p95 <= slo.e2eP95Ms;
  return {
    requests: main.length,
    errors: main.length - ok.length,
    errorRate: main.length ? round(1 - ok.length / main.length, 4) : 0,
    errorKinds: [...kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([message, count]) => ({ message, count })),
    rps: round(main.length / seconds),
    outputTokensPerS: round(outTokens / seconds),
    ttftMs: ttftD,
    tpotMs: tpotD,
    itlMs: distribution(itl),
    e2eMs: e2eD,
    ...(promptN ? { promptTokensMean: round(promptSum / promptN, 1) } : {}),
    ...(outN ? { outputTokensMean: round(outTokens / outN, 1) } : {}),
    slo: {
      ...(hasSlo && main.length ? { attainment: round(meeting / main.length, 4), goodputRps: round(meeting / seconds) } : {}),
      pass,
    },
  };
}
