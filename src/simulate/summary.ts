import type { ResolvedSlo } from '../matrix/types.js';
import type { SimPoint } from './engine.js';
import { hasObjectives } from '../vocabulary/metrics.js';

/**
 * Client figures of a simulated cell aggregated on the fly, in constant
 * memory: counts, SLO attainment (the analysis's meetsSlo rule), and
 * quantiles from log-spaced histograms (0.5 % relative resolution), for
 * simulations too long to keep every request. Pure.
 */

const GROWTH = 1.005;
const LOG_GROWTH = Math.log(GROWTH);
/** Values below 0.01 ms share the first bucket. */
const FLOOR = 0.01;

export class LogHistogram {
  private readonly counts = new Map<number, number>();
  n = 0;

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    const k = v <= FLOOR ? 0 : Math.ceil(Math.log(v / FLOOR) / LOG_GROWTH);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    this.n++;
  }

  /** The q-quantile (upper edge of its bucket); undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.n === 0) return undefined;
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (const k of keys) {
      seen += this.counts.get(k)!;
      if (seen >= rank) return k === 0 ? FLOOR : FLOOR * GROWTH ** k;
    }
    return undefined;
  }
}

export interface SimClientSummary {
  requests: number;
  errors: number;
  /** Share of main-phase requests meeting every SLO; undefined without SLOs or requests. */
  attainment?: number;
  ttft_ms_p95?: number;
  tpot_ms_p95?: number;
  e2e_ms_p95?: number;
}

export class SimAggregate {
  requests = 0;
  errors = 0;
  private meeting = 0;
  private readonly ttft = new LogHistogram();
  private readonly tpot = new LogHistogram();
  private readonly e2e = new LogHistogram();
  private readonly hasSlo: boolean;

  constructor(private readonly slo: ResolvedSlo) {
    this.hasSlo = hasObjectives(slo);
  }

  add(p: SimPoint): void {
    if (!p.main) return;
    this.requests++;
    if (!p.ok) {
      this.errors++;
      return;
    }
    this.ttft.add(p.ttftMs);
    this.tpot.add(p.tpotMs);
    this.e2e.add(p.e2eMs);
    const s = this.slo;
    // cell-summary.ts meetsSlo: a request without a TPOT (one token) passes that objective.
    if (
      (s.ttft_ms_p95 === undefined || p.ttftMs <= s.ttft_ms_p95) &&
      (s.tpot_ms_p95 === undefined || !Number.isFinite(p.tpotMs) || p.tpotMs <= s.tpot_ms_p95) &&
      (s.e2e_ms_p95 === undefined || p.e2eMs <= s.e2e_ms_p95)
    ) {
      this.meeting++;
    }
  }

  summary(): SimClientSummary {
    const q = (h: LogHistogram): number | undefined => {
      const v = h.quantile(0.95);
      return v === undefined ? undefined : Math.round(v * 100) / 100;
    };
    const out: SimClientSummary = { requests: this.requests, errors: this.errors };
    if (this.hasSlo && this.requests > 0) out.attainment = Math.round((this.meeting / this.requests) * 10_000) / 10_000;
    const t = q(this.ttft);
    const p = q(this.tpot);
    const e = q(this.e2e);
    if (t !== undefined) out.ttft_ms_p95 = t;
    if (p !== undefined) out.tpot_ms_p95 = p;
    if (e !== undefined) out.e2e_ms_p95 = e;
    return out;
  }
}
