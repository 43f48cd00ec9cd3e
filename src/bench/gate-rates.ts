/**
 * The gate's false-alarm and detection rates on synthetic nights: each night
 * compares 5 baseline repeats with 5 current repeats of a p95 TTFT whose
 * run-to-run noise is log-normal with a 5 % coefficient of variation (what
 * repeats of one cell show on a quiet machine), unchanged or shifted by 10 %.
 */
import { compareMetric, type GateRule } from '../analysis/regression.js';

const RULE: GateRule = { metric: 'ttft_p95_ms', better: 'lower', relTolerance: 0.05, absTolerance: 0, confidence: 0.95 };
const REPEATS = 5;
const NIGHTS = 20;
const CV = 0.05;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lognormal(random: () => number, median: number, cv: number): number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const z = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * z);
}

export interface GateRates {
  nights: number;
  falseAlarms: number;
  detections: number;
  inconclusiveUnchanged: number;
  inconclusiveShifted: number;
}

/** Runs both series of nights with a fixed seed, so the figures are reproducible. */
export function gateRates(seed = 42): GateRates {
  const random = mulberry32(seed);
  const draw = (median: number): number[] => Array.from({ length: REPEATS }, () => lognormal(random, median, CV));
  const out: GateRates = { nights: NIGHTS, falseAlarms: 0, detections: 0, inconclusiveUnchanged: 0, inconclusiveShifted: 0 };
  for (let night = 0; night < NIGHTS; night++) {
    const unchanged = compareMetric(draw(400), draw(400), RULE).verdict;
    if (unchanged === 'regression') out.falseAlarms++;
    if (unchanged === 'inconclusive') out.inconclusiveUnchanged++;
    const shifted = compareMetric(draw(400), draw(440), RULE).verdict;
    if (shifted === 'regression') out.detections++;
    if (shifted === 'inconclusive') out.inconclusiveShifted++;
  }
  return out;
}
