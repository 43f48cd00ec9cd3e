import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { summarizeScaling, type CellEvent } from '../analysis/scaling.js';
import type { Cell } from '../matrix/types.js';
import { offeredAt } from '../load/k6-options.js';
import type { Sample } from '../metrics/sampler.js';
import { gpuCatalog } from '../recommend/catalog.js';
import { readJson, readJsonl, writeAtomic } from '../results/files.js';
import type { RunDir } from '../results/run-dir.js';
import type { CellResult } from '../runner/cell.js';
import { reportCharts, type TimeRow } from './charts.js';
import { reportHtml } from './html.js';
import { summaryMarkdown } from './markdown.js';
import { benchmarkRecord, type BenchmarkRecord } from './records.js';
import { summaryCsv, summaryRow } from './summary-csv.js';

/** timeseries.csv columns, in order. */
const timeColumns: Array<keyof TimeRow> = ['cell_id', 'autoscaler', 'level', 'repeat', 'elapsed_s', 'phase', 'offered', 'replicas_desired', 'replicas_ready', 'ttft_p95_ms', 'waiting'];

function timeRows(cell: Cell, samples: readonly Sample[]): TimeRow[] {
  return samples.map((s) => ({
    cell_id: cell.id,
    autoscaler: cell.autoscaler.name,
    level: cell.level,
    repeat: cell.repeat,
    elapsed_s: s.elapsed_s,
    phase: s.phase,
    offered: s.offered,
    replicas_desired: s.replicas.desired,
    replicas_ready: s.replicas.ready,
    ttft_p95_ms: s.server?.ttft_p95_ms ?? null,
    waiting: s.server?.waiting ?? null,
  }));
}

/** When the offered load first rises and first falls, from the shape k6 was given (100 ms steps). */
export function loadChanges(cell: Cell, loadStart: number): { riseAt?: number; fallAt?: number } {
  const end = cell.load.warmupMs + cell.load.durationMs;
  const out: { riseAt?: number; fallAt?: number } = {};
  let prev = offeredAt(cell, 0);
  for (let t = 100; t < end; t += 100) {
    const cur = offeredAt(cell, t);
    if (out.riseAt === undefined && cur > prev && prev > 0) out.riseAt = loadStart + t;
    if (out.fallAt === undefined && cur < prev && cur > 0) out.fallAt = loadStart + t;
    prev = cur;
  }
  return out;
}

/**
 * Writes the run's report from its cells' files: summary.csv, timeseries.csv,
 * records.jsonl, summary.md and index.html. Returns the paths written.
 */
export function writeReport(dir: RunDir, cells: readonly Cell[]): string[] {
  const run = dir.record;
  const rows = [];
  const records: BenchmarkRecord[] = [];
  const series: TimeRow[] = [];
  for (const cell of cells) {
    const cellDir = dir.cellDir(cell.id);
    const file = join(cellDir, 'result.json');
    const result = existsSync(file) ? (readJson(file) as CellResult) : undefined;
    rows.push(summaryRow(cell, dir.entry(cell.id), result));
    if (!result) continue;
    const samples = readJsonl<Sample>(join(cellDir, 'samples.jsonl'));
    const events = readJsonl<CellEvent>(join(cellDir, 'events.jsonl'));
    const price = gpuCatalog()[cell.deployment.gpu.type]?.usd_per_hour ?? 0;
    const scaling = summarizeScaling(samples, events, {
      gpusPerReplica: cell.deployment.gpu.count,
      usdPerGpuHour: price,
      loadStart: result.loadStart,
      ...loadChanges(cell, result.loadStart),
    });
    records.push(benchmarkRecord({ runId: run.id, createdAt: run.startedAt, matrix: run.matrix, cell, result, samples, scaling, gpuUsdPerHour: price }));
    series.push(...timeRows(cell, samples));
  }
  const out = {
    summary: join(dir.root, 'summary.csv'),
    timeseries: join(dir.root, 'timeseries.csv'),
    records: join(dir.root, 'records.jsonl'),
    markdown: join(dir.root, 'summary.md'),
    html: join(dir.root, 'index.html'),
  };
  writeAtomic(out.summary, summaryCsv(rows));
  writeAtomic(out.timeseries, stringify(series, { header: true, columns: timeColumns }));
  writeAtomic(out.records, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const title = `scalebench run ${run.id} — ${run.matrix.name}`;
  writeAtomic(out.markdown, summaryMarkdown(title, records));
  const meta: Array<[string, string]> = [
    ['run', run.id],
    ['matrix', `${run.matrix.name} (${run.matrix.source}), hash ${run.matrixHash.slice(0, 12)}`],
    ['status', `${run.status}: ${run.cells.filter((c) => c.status === 'done').length} of ${run.cells.length} cells done`],
    ['started', run.startedAt],
    ['git revision', run.git ?? 'unknown'],
    ...Object.entries(run.tools).map(([k, v]): [string, string] => [k, v]),
    ['host', `${run.host.hostname}, ${run.host.cpus} CPUs, ${run.host.memoryGb} GiB, Node ${run.host.node}`],
    ['deployments', run.matrix.deployments.map((d) => `${d.name}: ${d.model} on ${d.gpu.count}× ${d.gpu.type}`).join('; ')],
  ];
  writeAtomic(out.html, reportHtml({ title, meta, charts: reportCharts(records, series, run.matrix.slo), records }));
  return [join(dir.root, 'run.json'), out.summary, out.timeseries, out.records, out.markdown, out.html];
}
