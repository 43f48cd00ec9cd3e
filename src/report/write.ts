import { join } from 'node:path';
import { levelVerdicts, verdictSentences } from '../analysis/verdicts.js';
import type { Cell } from '../matrix/types.js';
import { readJsonl, writeAtomic } from '../results/files.js';
import { runnerPodLines } from './runner-pods.js';
import type { RunDir, RunRecord } from '../results/run-dir.js';
import { analyzeRun, type RunAnalysis } from './analyze-run.js';
import { reportCharts, type Chart } from './charts.js';
import { reportHtml } from './html.js';
import { anatomyChart, anatomyRows, levelTimeline } from './level-charts.js';
import { levelSections, levelTitle, type LevelSection } from './levels.js';
import { summaryMarkdown } from './markdown.js';
import { benchmarkRecord, cellKey } from './records.js';
import { type BenchmarkRecord, benchmarkRecordSchema } from '../results/records.js';
import { summaryCsv, summaryRow } from './summary-csv.js';
import type { CellAnalysis } from '../analysis/cell-analysis.js';
import type { FigureContext } from './figures.js';
import { timeRows, timeseriesCsv } from './timeseries-csv.js';
import { metrics, objectives } from '../vocabulary/metrics.js';

/** The run-level files of a report, by name, in the order they are listed. */
export const reportFiles = ['summary.csv', 'timeseries.csv', 'records.jsonl', 'anatomy.json', 'summary.md', 'index.html'] as const;
export type ReportFile = (typeof reportFiles)[number];

/** What the run was, as label/value lines for the page and summary.md. */
export function runMeta(run: RunRecord, capacity: Record<string, number>): Array<[string, string]> {
  const slo = run.matrix.slo;
  const given = objectives.flatMap((o) => (slo[o] !== undefined ? [`${metrics[o].label} ≤ ${slo[o]} ms`] : []));
  return [
    ['run', run.id],
    ['matrix', `${run.matrix.name} (${run.matrix.source}), hash ${run.matrixHash.slice(0, 12)}`],
    ['status', `${run.status}: ${run.cells.filter((c) => c.status === 'done').length} of ${run.cells.length} cells done`],
    ['started / ended', `${run.startedAt} / ${run.endedAt ?? '–'}`],
    ['git revision', run.git ?? 'unknown'],
    ...Object.entries(run.tools).map(([k, v]): [string, string] => [k, v]),
    ['host', `${run.host.hostname}, ${run.host.platform}, ${run.host.cpus} CPUs, ${run.host.memoryGb} GiB, Node ${run.host.node}`],
    ['SLO', given.join(', ') || 'none'],
    ['deployments', run.matrix.deployments.map((d) => `${d.name}: ${d.model} on ${d.gpu.count}× ${d.gpu.type}`).join('; ')],
    [
      'best capacity',
      Object.entries(capacity)
        .map(([d, c]) => `${d}: ${c} good requests per replica-second`)
        .join('; ') || '–',
    ],
  ];
}

/** A table row for a cell that did not run: its names and status only. */
function stubRecord(run: RunRecord, cell: Cell, status: string): BenchmarkRecord {
  return {
    run_id: run.id,
    cell_id: cell.id,
    cell_key: cellKey(cell),
    deployment: cell.deployment.name,
    model: cell.deployment.model,
    autoscaler: cell.autoscaler.name,
    shape: cell.load.shape,
    level: cell.level,
    repeat: cell.repeat,
    status,
  };
}

/** Every report file's content from an analysed run (pure but for reading the Vega libraries to inline). */
export function renderReport(a: RunAnalysis): Record<ReportFile, string> {
  const run = a.record;
  const ran = a.cells.filter((c) => c.client !== undefined);
  const figureContext = (c: CellAnalysis): FigureContext => {
    const price = a.prices[c.cell.deployment.gpu.type];
    const share = a.shares[c.cell.deployment.name];
    return { ...(price !== undefined ? { gpuUsdPerHour: price } : {}), ...(share !== undefined ? { gpuSharePerReplica: share } : {}) };
  };
  const records = ran.map((c) => benchmarkRecord(c, { runId: run.id, createdAt: run.startedAt, matrix: run.matrix, ...figureContext(c) }));
  const byCell = new Map(records.map((r) => [r.cell_id, r]));
  const tableRows = a.cells.map((c) => byCell.get(c.cell.id) ?? stubRecord(run, c.cell, c.status));
  const series = a.cells.flatMap((c) => timeRows(c.cell, a.samples.get(c.cell.id) ?? []));
  const meta = runMeta(run, a.capacity);
  const title = `scalebench run ${run.id}: ${run.matrix.name}`;
  const verdicts = levelVerdicts(records);
  const levels = levelSections(a, verdicts);
  return {
    'summary.csv': summaryCsv(a.cells.map((c) => summaryRow(c, figureContext(c)))),
    'timeseries.csv': timeseriesCsv(series),
    'records.jsonl': records.map((r) => `${JSON.stringify(r)}\n`).join(''),
    'anatomy.json': `${JSON.stringify(Object.fromEntries([...a.anatomy.entries()].sort(([x], [y]) => x.localeCompare(y))), null, 2)}\n`,
    'summary.md': [
      summaryMarkdown(
        { title, lines: meta.filter(([k]) => ['matrix', 'status', 'git revision', 'SLO'].includes(k)).map(([k, v]) => `${k}: ${v}`) },
        records,
        levels,
      ),
      ...runnerPodLines(a.cells),
    ].join('\n'),
    'index.html': reportHtml({
      title,
      meta,
      matrix: run.matrix,
      charts: reportCharts(records, run.matrix.slo),
      records: tableRows,
      verdicts,
      levels: levels.map((l) => ({ section: l, charts: levelCharts(l, run.matrix.slo) })),
    }),
  };
}

/** A level's charts: the aligned time series, and the anatomy when a cell has one. */
export function levelCharts(l: LevelSection, slo: RunRecord['matrix']['slo']): Chart[] {
  const rows = anatomyRows(l.series, (c) => c.samples[0]!.t - c.samples[0]!.elapsed_s * 1000);
  return [
    { id: `timeline-${l.id}`, title: 'Offered load, replicas, p95 TTFT and TPOT per window, queue', spec: levelTimeline(l.series, slo) },
    rows.length
      ? { id: `anatomy-${l.id}`, title: 'Anatomy of the scale-up and scale-down', spec: anatomyChart(rows) }
      : { id: `anatomy-${l.id}`, title: 'Anatomy', note: 'No cell of this level has points to place its stages.' },
  ];
}

/**
 * Writes the run's report from its cells' files: summary.csv, timeseries.csv,
 * records.jsonl, summary.md and index.html (each atomically). Returns run.json
 * and the files written.
 */
export function writeReport(dir: RunDir, cells: readonly Cell[]): string[] {
  const files = renderReport(analyzeRun(dir, cells));
  const paths = reportFiles.map((name) => {
    const path = join(dir.root, name);
    writeAtomic(path, files[name]);
    return path;
  });
  return [dir.runJson, ...paths];
}

/** The verdict of every level of a written report (its records.jsonl), as lines for a terminal. */
export function verdictText(runRoot: string): string[] {
  const verdicts = levelVerdicts(readJsonl(join(runRoot, 'records.jsonl'), benchmarkRecordSchema));
  return verdicts.flatMap((v) => [`verdict, ${levelTitle(v)}:`, ...verdictSentences(v).map((t) => `  ${t}`)]);
}
