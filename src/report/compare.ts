import { aggregateRepeats, type Group } from '../analysis/run-analysis.js';
import { welchInterval } from '../analysis/verdicts.js';
import { comparable, comparedMetrics, formatValue, type ComparedMetric } from './comparison.js';
import { CSP, STYLE, escapeHtml } from './html.js';
import { mdText } from './markdown.js';
import type { BenchmarkRecord } from '../results/records.js';

/** One metric of one cell in both runs: means over repeats, and the change from A to B. */
export interface MetricDelta {
  metric: ComparedMetric;
  a?: number;
  b?: number;
  /** b − a, in the metric's unit. */
  delta?: number;
  /** (b − a) / |a|; absent when a is 0. */
  rel?: number;
  /** The 95 % interval of b − a (Welch's t over repeats); absent with fewer than two repeats on a side. */
  lo?: number;
  hi?: number;
  /**
   * Whether B is better, worse or the same on this metric: with an interval,
   * better or worse only when it excludes 0 ("no significant difference"
   * otherwise); without one, by the single measurements.
   */
  verdict?: 'better' | 'worse' | 'same' | 'no significant difference';
}

export interface CellComparison {
  /** deployment/autoscaler/shape/level (records' cell_key). */
  key: string;
  repeats: { a: number; b: number };
  metrics: MetricDelta[];
}

export interface RunComparison {
  a: string;
  b: string;
  cells: CellComparison[];
  onlyInA: string[];
  onlyInB: string[];
  /** Finished cells left out because their measurement is invalid: cell ids per run. */
  invalid: { a: string[]; b: string[] };
}

const byKey = (records: readonly BenchmarkRecord[]): Map<string, Group<BenchmarkRecord>> =>
  new Map(
    aggregateRepeats(
      records.filter((r) => comparable(r) && typeof r.cell_key === 'string'),
      (r) => String(r.cell_key),
      comparedMetrics.map((m) => m.field),
    ).map((g) => [g.key, g]),
  );

const valuesOf = (g: Group<BenchmarkRecord>, field: string): number[] =>
  g.rows.flatMap((r) => {
    const v = r[field];
    return typeof v === 'number' && Number.isFinite(v) ? [v] : [];
  });

const invalidIds = (records: readonly BenchmarkRecord[]): string[] =>
  records
    .filter((r) => r.status === 'done' && !comparable(r))
    .map((r) => String(r.cell_id))
    .sort();

/** The same cells of two runs side by side (matched by content, repeats averaged), with B − A for every metric. */
export function compareRuns(a: { id: string; records: readonly BenchmarkRecord[] }, b: { id: string; records: readonly BenchmarkRecord[] }): RunComparison {
  const ga = byKey(a.records);
  const gb = byKey(b.records);
  const cells: CellComparison[] = [];
  for (const key of [...ga.keys()].filter((k) => gb.has(k)).sort()) {
    const x = ga.get(key)!;
    const y = gb.get(key)!;
    const metrics = comparedMetrics.flatMap((metric): MetricDelta[] => {
      const va = x.stats[metric.field]?.mean;
      const vb = y.stats[metric.field]?.mean;
      if (va === undefined && vb === undefined) return [];
      const d: MetricDelta = { metric, ...(va !== undefined ? { a: va } : {}), ...(vb !== undefined ? { b: vb } : {}) };
      if (va !== undefined && vb !== undefined) {
        d.delta = vb - va;
        if (va !== 0) d.rel = (vb - va) / Math.abs(va);
        const sign = metric.better === 'lower' ? -1 : 1;
        const iv = welchInterval(valuesOf(x, metric.field), valuesOf(y, metric.field));
        if (iv.lo !== undefined && iv.hi !== undefined) {
          d.lo = iv.lo;
          d.hi = iv.hi;
        }
        const excludesZero = d.lo === undefined || d.lo > 0 || d.hi! < 0;
        d.verdict = d.delta === 0 ? 'same' : !excludesZero ? 'no significant difference' : sign * d.delta > 0 ? 'better' : 'worse';
      }
      return [d];
    });
    cells.push({ key, repeats: { a: x.rows.length, b: y.rows.length }, metrics });
  }
  return {
    a: a.id,
    b: b.id,
    cells,
    onlyInA: [...ga.keys()].filter((k) => !gb.has(k)).sort(),
    onlyInB: [...gb.keys()].filter((k) => !ga.has(k)).sort(),
    invalid: { a: invalidIds(a.records), b: invalidIds(b.records) },
  };
}

/** A change for a table: signed, in the unit, with the relative change. */
export function formatDelta(d: MetricDelta): string {
  if (d.delta === undefined) return '–';
  const sign = d.delta > 0 ? '+' : d.delta < 0 ? '−' : '±';
  const rel = d.rel !== undefined && Number.isFinite(d.rel) ? ` (${d.rel > 0 ? '+' : d.rel < 0 ? '−' : '±'}${(Math.abs(d.rel) * 100).toFixed(1)} %)` : '';
  return `${sign}${formatValue(d.metric.format, Math.abs(d.delta))}${rel}`;
}

/** The 95 % interval of a change, or why there is none. */
export function formatInterval(d: MetricDelta): string {
  if (d.delta === undefined) return '–';
  if (d.lo === undefined || d.hi === undefined) return 'one repeat: none';
  const f = (v: number): string => `${v < 0 ? '−' : ''}${formatValue(d.metric.format, Math.abs(v))}`;
  return `[${f(d.lo)}, ${f(d.hi)}]`;
}

/** How many metrics came out better, worse, not significantly different, or without an interval. */
export function compareCounts(c: RunComparison): string {
  const all = c.cells.flatMap((x) => x.metrics).filter((d) => d.verdict !== undefined);
  const n = (f: (d: MetricDelta) => boolean): number => all.filter(f).length;
  const withIv = (d: MetricDelta): boolean => d.lo !== undefined;
  return `${n((d) => withIv(d) && d.verdict === 'better')} better and ${n((d) => withIv(d) && d.verdict === 'worse')} worse beyond their 95 % interval, ${n((d) => withIv(d) && (d.verdict === 'no significant difference' || d.verdict === 'same'))} with no significant difference, ${n((d) => !withIv(d))} without an interval (one repeat on a side: single measurements)`;
}

/** The comparison as Markdown: one table per cell (metric, A, B, B − A, verdict). */
export function compareMarkdown(c: RunComparison): string {
  const lines = [
    `# scalebench compare: ${mdText(c.a)} → ${mdText(c.b)}`,
    '',
    `${c.cells.length} cells in both runs; B − A, means over repeats, 95 % interval by Welch's t.`,
    '',
    `Verdict: ${compareCounts(c)}.`,
    '',
  ];
  for (const cell of c.cells) {
    lines.push(
      `## ${mdText(cell.key)} (repeats ${cell.repeats.a} → ${cell.repeats.b})`,
      '',
      `| metric | ${mdText(c.a)} | ${mdText(c.b)} | change | 95 % interval | B is |`,
      '|---|---:|---:|---:|---:|---|',
    );
    for (const d of cell.metrics) {
      const verdict = d.verdict === 'better' ? '**better**' : d.verdict === 'worse' ? '**worse**' : (d.verdict ?? '–');
      lines.push(
        `| ${d.metric.label} (${d.metric.better}) | ${formatValue(d.metric.format, d.a)} | ${formatValue(d.metric.format, d.b)} | ${formatDelta(d)} | ${formatInterval(d)} | ${verdict} |`,
      );
    }
    lines.push('');
  }
  if (c.onlyInA.length) lines.push(`Only in ${mdText(c.a)}: ${c.onlyInA.map(mdText).join(', ')}`, '');
  if (c.onlyInB.length) lines.push(`Only in ${mdText(c.b)}: ${c.onlyInB.map(mdText).join(', ')}`, '');
  for (const [run, ids] of [
    [c.a, c.invalid.a],
    [c.b, c.invalid.b],
  ] as const) {
    if (ids.length) lines.push(`Left out of ${mdText(run)}, measurement invalid: ${ids.map(mdText).join(', ')}`, '');
  }
  return lines.join('\n');
}

/** The comparison as one self-contained HTML page (no scripts), every text escaped. */
export function compareHtml(c: RunComparison): string {
  const title = `scalebench compare: ${c.a} → ${c.b}`;
  const sections = c.cells.map((cell) => {
    const rows = cell.metrics.map((d) => {
      const cls = d.verdict === 'better' ? 'up' : d.verdict === 'worse' ? 'down' : '';
      return `<tr><td>${escapeHtml(`${d.metric.label} (${d.metric.better})`)}</td><td class="n">${escapeHtml(formatValue(d.metric.format, d.a))}</td><td class="n">${escapeHtml(formatValue(d.metric.format, d.b))}</td><td class="n ${cls}">${escapeHtml(formatDelta(d))}</td><td class="n">${escapeHtml(formatInterval(d))}</td><td class="${cls}">${d.verdict ?? '–'}</td></tr>`;
    });
    return `<h2>${escapeHtml(cell.key)} <small>(repeats ${cell.repeats.a} → ${cell.repeats.b})</small></h2><table><tr><th>metric</th><th>${escapeHtml(c.a)}</th><th>${escapeHtml(c.b)}</th><th>change</th><th>95 % interval</th><th>B is</th></tr>${rows.join('')}</table>`;
  });
  const only = [
    c.onlyInA.length ? `<p>Only in ${escapeHtml(c.a)}: ${escapeHtml(c.onlyInA.join(', '))}</p>` : '',
    c.onlyInB.length ? `<p>Only in ${escapeHtml(c.b)}: ${escapeHtml(c.onlyInB.join(', '))}</p>` : '',
    c.invalid.a.length ? `<p>Left out of ${escapeHtml(c.a)}, measurement invalid: ${escapeHtml(c.invalid.a.join(', '))}</p>` : '',
    c.invalid.b.length ? `<p>Left out of ${escapeHtml(c.b)}, measurement invalid: ${escapeHtml(c.invalid.b.join(', '))}</p>` : '',
  ].join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(title)}</h1><p>${c.cells.length} cells in both runs; B − A, means over repeats, 95 % interval by Welch's t.</p><p class="verdict">Verdict: ${escapeHtml(compareCounts(c))}.</p>
${sections.join('\n')}
${only}
</body></html>
`;
}
