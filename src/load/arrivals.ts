import { mulberry32 } from '../util/random.js';
import type { TokenDistribution } from './profiles.js';

/**
 * Arrival processes and request lengths for open-loop loads, pure and seeded:
 * the same seed gives the same schedule, byte for byte.
 */

/** How requests arrive around a mean rate (requests/s). */
export type ArrivalProcess =
  | { process: 'uniform' }
  | { process: 'poisson' }
  /** Gamma inter-arrival times with this coefficient of variation (1: Poisson; above 1: burstier). */
  | { process: 'gamma'; cv: number }
  /** Poisson bursts: on for onMs at the rate that keeps the mean, then off for offMs. */
  | { process: 'on-off'; onMs: number; offMs: number }
  /** A sine around the mean: rate × (1 + amplitude × sin(2π t / period)). */
  | { process: 'diurnal'; periodMs: number; amplitude: number };

/** The seeded generator every draw uses (mulberry32, src/util/random.ts). */
export const rng = mulberry32;

/** A standard normal draw (Box-Muller). */
export function normal(u: () => number): number {
  const a = Math.max(u(), 1e-12);
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}

const exponential = (u: () => number, mean: number): number => -Math.log(1 - u()) * mean;

/** A gamma draw of shape k and scale θ (Marsaglia and Tsang, 2000; k < 1 boosted by U^(1/k)). */
export function gamma(u: () => number, k: number, theta: number): number {
  if (k < 1) return gamma(u, k + 1, theta) * Math.max(u(), 1e-12) ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = u();
    if (w < 1 - 0.0331 * x ** 4 || Math.log(w) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * theta;
  }
}

/**
 * Arrival times (ms from 0) of a process at a mean rate, up to `untilMs`,
 * one at a time: a schedule of a day is never held whole.
 */
export function* arrivals(p: ArrivalProcess, ratePerS: number, untilMs: number, seed: number): Generator<number> {
  const u = rng(seed);
  const meanGapMs = 1000 / ratePerS;
  let t = 0;
  switch (p.process) {
    case 'uniform':
      for (let k = 0; k * meanGapMs < untilMs; k++) yield k * meanGapMs;
      return;
    case 'poisson':
      for (t = exponential(u, meanGapMs); t < untilMs; t += exponential(u, meanGapMs)) yield t;
      return;
    case 'gamma': {
      // Mean k θ = the mean gap; CV = 1 / √k.
      const k = 1 / (p.cv * p.cv);
      const theta = meanGapMs / k;
      for (t = gamma(u, k, theta); t < untilMs; t += gamma(u, k, theta)) yield t;
      return;
    }
    case 'on-off': {
      // Poisson at the rate that keeps the mean over a whole cycle, during the on part only.
      const cycle = p.onMs + p.offMs;
      const onGap = (meanGapMs * p.onMs) / cycle;
      let busy = 0; // time spent on so far
      for (busy = exponential(u, onGap); ; busy += exponential(u, onGap)) {
        const cycles = Math.floor(busy / p.onMs);
        t = cycles * cycle + (busy - cycles * p.onMs);
        if (t >= untilMs) return;
        yield t;
      }
    }
    case 'diurnal': {
      // Thinning (Lewis and Shedler, 1979): candidates at the peak rate, kept with rate(t) / peak.
      const peak = ratePerS * (1 + p.amplitude);
      for (t = exponential(u, 1000 / peak); t < untilMs; t += exponential(u, 1000 / peak)) {
        const rate = ratePerS * (1 + p.amplitude * Math.sin((2 * Math.PI * t) / p.periodMs));
        if (u() * peak < rate) yield t;
      }
      return;
    }
  }
}

/** Token lengths: a normal draw, or a lognormal one with the given mean and standard deviation, rounded and clamped. */
export interface LengthDistribution extends TokenDistribution {
  /** @default "normal" */
  dist?: 'normal' | 'lognormal';
}

export function drawLength(d: LengthDistribution, u: () => number): number {
  let v: number;
  if (d.dist === 'lognormal' && d.mean > 0) {
    // The lognormal whose mean and standard deviation are d's.
    const s2 = Math.log(1 + (d.stdev * d.stdev) / (d.mean * d.mean));
    v = Math.exp(Math.log(d.mean) - s2 / 2 + Math.sqrt(s2) * normal(u));
  } else {
    v = d.mean + d.stdev * normal(u);
  }
  return Math.min(d.max, Math.max(d.min, Math.round(v)));
}

/** Lengths that fit the deployment's context: the output first (at least 1 token), the prompt in what is left. */
export function fitContext(prompt: number, output: number, maxModelLen: number): { prompt: number; output: number } {
  const o = Math.max(1, Math.min(output, maxModelLen - 1));
  return { prompt: Math.max(1, Math.min(prompt, maxModelLen - o)), output: o };
}

/** Coefficient of variation of the gaps between sorted times. */
export function gapCv(times: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const variance = gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (gaps.length - 1);
  return Math.sqrt(variance) / mean;
}
