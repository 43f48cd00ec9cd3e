/**
 * The gate's false alarms and detections on synthetic nights. A night compares
 * `repeats` baseline values of a p95 TTFT (400 ms) with as many current ones;
 * run-to-run noise is log-normal with a 5 % coefficient of variation (what
 * repeats of one cell show on a quiet machine); the current side is unchanged
 * or 10 % or 20 % slower. Every test sees the same nights, so rows compare.
 */
import { compareMetric, type GateRule } from '../analysis/regression.js';
import { mannWhitney, normalCdf } from '../analysis/mann-whitney.js';
import { median } from '../analysis/stats.js';
import { defaultRules } from '../gate/gate-file.js';
import { mulberry32 } from '../util/random.js';

/** The default rule for p95 TTFT: catch 10 % (or 5 ms), confidence 0.95. */
export const RATES_RULE: GateRule = defaultRules.find((r) => r.metric === 'ttft_ms_p95')!;
const BASE_MS = 400;
const CV = 0.05;
const SIGMA = Math.sqrt(Math.log(1 + CV * CV));
export const RATES_REPEATS = [3, 5, 10] as const;
export const RATES_SHIFTS = [0, 0.1, 0.2] as const;

function lognormal(random: () => number, median: number): number {
  const z = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(SIGMA * z);
}

type Call = 'regression' | 'inconclusive' | 'other';
interface Test {
  name: string;
  decide: (base: number[], cur: number[]) => { call: Call; detectable?: number };
}

/** Relative change of the medians; TTFT is lower-better, so positive is worse. */
const worse = (base: number[], cur: number[]): number => (median(cur)! - median(base)!) / median(base)!;
const alpha = 1 - RATES_RULE.confidence;
const logMean = (v: number[]): number => v.reduce((a, x) => a + Math.log(x), 0) / v.length;

/** Tests side by side: the gate, what it replaced, a weaker rank test, and the ceiling no test can pass. */
const tests: Test[] = [
  {
    name: 'gate: Welch t one-sided, change ≥ tolerance/2',
    decide: (b, c) => {
      const r = compareMetric(b, c, RATES_RULE);
      return { call: r.verdict === 'regression' ? 'regression' : r.verdict === 'inconclusive' ? 'inconclusive' : 'other', detectable: r.detectable };
    },
  },
  {
    name: 'Mann-Whitney one-sided, change ≥ tolerance/2',
    decide: (b, c) => {
      const w = worse(b, c);
      const p = mannWhitney(c, b).p / 2;
      return { call: w > 0 && p < alpha && w >= RATES_RULE.relTolerance / 2 ? 'regression' : 'other' };
    },
  },
  ...[RATES_RULE.relTolerance, 0.05].map(
    (tol): Test => ({
      name: `before: Mann-Whitney two-sided, change > ${tol * 100} %`,
      decide: (b, c) => {
        const w = worse(b, c);
        if (Math.abs(w) <= tol) return { call: 'other' };
        return { call: mannWhitney(c, b).p < alpha ? (w > 0 ? 'regression' : 'other') : 'inconclusive' };
      },
    }),
  ),
  {
    name: 'ceiling: z one-sided, noise known (oracle)',
    decide: (b, c) => {
      const z = (logMean(c) - logMean(b)) / (SIGMA * Math.sqrt(1 / b.length + 1 / c.length));
      return { call: 1 - normalCdf(z) < alpha ? 'regression' : 'other' };
    },
  },
];

export interface RateRow {
  test: string;
  repeats: number;
  /** Share of unchanged nights called a regression. */
  falseAlarms: number;
  /** Share of shifted nights called a regression, by shift (0.1, 0.2). */
  detections: Record<string, number>;
  /** Share of unchanged nights called inconclusive. */
  inconclusive: number;
  /** Median over unchanged nights of the smallest worsening the test would catch 9 in 10 times (share), if it says. */
  detectable?: number;
}

export interface GateRates {
  nights: number;
  seed: number;
  rows: RateRow[];
}

/** @param nights per repeats × shift @default 2000 */
export function gateRates(nights = 2000, seed = 42): GateRates {
  const rows: RateRow[] = [];
  for (const repeats of RATES_REPEATS) {
    const tally = tests.map(() => ({ calls: new Map<number, { regression: number; inconclusive: number }>(), detectable: [] as number[] }));
    for (const shift of RATES_SHIFTS) {
      const random = mulberry32(seed * 1_000_003 + repeats * 101 + Math.round(shift * 100));
      const draw = (level: number): number[] => Array.from({ length: repeats }, () => lognormal(random, level));
      for (let night = 0; night < nights; night++) {
        const base = draw(BASE_MS);
        const cur = draw(BASE_MS * (1 + shift));
        tests.forEach((t, i) => {
          const { call, detectable } = t.decide(base, cur);
          const c = tally[i]!.calls.get(shift) ?? { regression: 0, inconclusive: 0 };
          if (call === 'regression') c.regression++;
          if (call === 'inconclusive') c.inconclusive++;
          tally[i]!.calls.set(shift, c);
          if (shift === 0 && detectable !== undefined) tally[i]!.detectable.push(detectable);
        });
      }
    }
    tests.forEach((t, i) => {
      const calls = tally[i]!.calls;
      const zero = calls.get(0)!;
      rows.push({
        test: t.name,
        repeats,
        falseAlarms: zero.regression / nights,
        inconclusive: zero.inconclusive / nights,
        detections: Object.fromEntries(RATES_SHIFTS.filter((s) => s > 0).map((s) => [String(s), calls.get(s)!.regression / nights])),
        ...(tally[i]!.detectable.length ? { detectable: median(tally[i]!.detectable)! } : {}),
      });
    });
  }
  return { nights, seed, rows };
}

const p = (v: number): string => `${(v * 100).toFixed(1)} %`;

/** The rates as a plain-text table. */
export function gateRatesTable(r: GateRates): string {
  const head = [
    'test',
    'repeats',
    'false alarms',
    ...RATES_SHIFTS.filter((s) => s > 0).map((s) => `detect ${s * 100} %`),
    'inconclusive (0 %)',
    'detectable (median)',
  ];
  const body = r.rows.map((row) => [
    row.test,
    String(row.repeats),
    p(row.falseAlarms),
    ...Object.values(row.detections).map(p),
    p(row.inconclusive),
    row.detectable === undefined ? '–' : p(row.detectable),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const title = `gate rates: ${r.nights} seeded nights (seed ${r.seed}) per repeats × shift; p95 TTFT ${BASE_MS} ms, log-normal run-to-run noise CV ${CV * 100} %; rule ${RATES_RULE.metric}: catch ${RATES_RULE.relTolerance * 100} %, confidence ${RATES_RULE.confidence}`;
  const sorted = [...body].sort((a, b) => tests.findIndex((t) => t.name === a[0]) - tests.findIndex((t) => t.name === b[0]));
  return `${[title, line(head), ...sorted.map(line)].join('\n')}\n`;
}
