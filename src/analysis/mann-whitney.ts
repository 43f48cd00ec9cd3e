/**
 * Mann-Whitney U test (Wilcoxon rank-sum), two-sided. Exact distribution of U
 * for small samples without ties (n1·n2 ≤ 400), normal approximation with tie
 * correction and continuity correction otherwise.
 */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/** Midranks of the pooled values (1-based), and the tie groups' sizes. */
function ranks(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(values.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]![1]] = mid;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks: r, ties };
}

/**
 * Number of ways to pick n1 of n1+n2 ranks whose U is exactly u, for all u:
 * the classic recurrence c(n1, n2, u) = c(n1−1, n2, u−n2) + c(n1, n2−1, u).
 */
function exactCounts(n1: number, n2: number): number[] {
  const max = n1 * n2;
  // table[a][b] = counts array for sizes a, b
  let prev: number[][] = []; // indexed by b, for a−1
  for (let a = 0; a <= n1; a++) {
    const row: number[][] = [];
    for (let b = 0; b <= n2; b++) {
      const counts = new Array<number>(a * b + 1).fill(0);
      if (a === 0 || b === 0) counts[0] = 1;
      else {
        const left = prev[b]!; // a−1, b: the largest value is from the first sample: it beats all b
        const up = row[b - 1]!; // a, b−1
        for (let u = 0; u <= a * b; u++) counts[u] = (u - b >= 0 && u - b < left.length ? left[u - b]! : 0) + (u < up.length ? up[u]! : 0);
      }
      row.push(counts);
    }
    prev = row;
    if (a === n1) return row[n2]!.slice(0, max + 1);
  }
  return [1];
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf), |error| < 1.5e-7. */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-((z / Math.SQRT2) ** 2));
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitney: both samples need at least one value');
  const { ranks: r, ties } = ranks([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += r[i]!;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  if (ties.length === 0 && n1 * n2 <= 400) {
    const counts = exactCounts(n1, n2);
    const total = counts.reduce((s, c) => s + c, 0);
    // Two-sided: twice the smaller tail, capped at 1.
    const lo = Math.min(u, n1 * n2 - u);
    let tail = 0;
    for (let k = 0; k <= lo; k++) tail += counts[k]!;
    return { u, p: Math.min(1, (2 * tail) / total), method: 'exact' };
  }
  const n = n1 + n2;
  const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: 'normal' };
  const z = (Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))), method: 'normal' };
}
