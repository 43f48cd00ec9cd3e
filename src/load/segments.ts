/**
 * k6 execution segments for `n` runner pods: the sequence 0, 1/n, …, 1 and
 * pod i's segment i/n:(i+1)/n. k6 splits every executor's VUs, rates and
 * iterations among the segments of one sequence so that together they run the
 * whole load, each VU and iteration in exactly one segment (k6 docs,
 * "Execution segment"; lib/execution_segment.go: with the whole sequence
 * given, the striping is the same in every instance).
 */
export interface ExecutionSegments {
  /** --execution-segment-sequence, e.g. "0,1/3,2/3,1". */
  sequence: string;
  /** --execution-segment of each pod, by index, e.g. ["0:1/3", "1/3:2/3", "2/3:1"]. */
  segments: string[];
}

export function executionSegments(n: number): ExecutionSegments {
  if (!Number.isInteger(n) || n < 1) throw new Error(`execution segments: expected a whole number of pods >= 1, got ${n}`);
  const point = (i: number): string => (i === 0 ? '0' : i === n ? '1' : `${i / gcd(i, n)}/${n / gcd(i, n)}`);
  const points = Array.from({ length: n + 1 }, (_, i) => point(i));
  return { sequence: points.join(','), segments: points.slice(0, n).map((p, i) => `${p}:${points[i + 1]!}`) };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
