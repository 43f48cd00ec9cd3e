import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cellAnatomy, requestColumns, type CellAnatomy } from '../analysis/anatomy.js';
import { analyzeCell, lagRange, loadStartOf, type CellAnalysis } from '../analysis/cell-analysis.js';
import type { PointAccumulator } from '../analysis/cell-summary.js';
import { accumulatePoints } from '../analysis/points-parallel.js';
import { setOverProvisioning } from '../analysis/run-analysis.js';
import { sloWindows, type SloWindow } from '../analysis/windows.js';
import type { Cell } from '../matrix/types.js';
import { type Sample, sampleSchema } from '../results/samples.js';
import { projectCatalog } from '../catalog/catalog.js';
import { gpuSharePerReplica } from '../recommend/slice-cost.js';
import { readJson, readJsonl } from '../results/files.js';
import type { RunDir, RunRecord } from '../results/run-dir.js';
import { eventSchema } from '../results/events.js';
import type { ClientSummary } from '../results/cell-result.js';
import { cellResultSchema } from '../results/cell-result.js';

/** A run, analysed: what every report is made from. */
export interface RunAnalysis {
  record: RunRecord;
  cells: CellAnalysis[];
  /** Each cell's samples, by cell id (for timeseries.csv and the replica charts). */
  samples: Map<string, Sample[]>;
  /** Best measured good requests per replica-second, by deployment. */
  capacity: Record<string, number>;
  /** GPU prices used, USD per GPU-hour, by GPU type (those in data/gpus.json). */
  prices: Record<string, number>;
  /** GPUs' worth one replica pays for, by deployment name (those whose GPU the catalog has). */
  shares: Record<string, number>;
  /** Each cell's scale-ups and scale-downs, stage by stage, by cell id (cells with points and samples). */
  anatomy: Map<string, CellAnatomy>;
  /** Each cell's client-side p95s per window over the whole load (warm-up included), by cell id. */
  windows: Map<string, SloWindow[]>;
}

/**
 * The client side of one cell, streamed from its points.jsonl (never all in
 * memory as objects), with the windows the scale-up lag is judged on.
 * Undefined when the cell has no points file.
 */
export function streamClient(
  file: string,
  cell: Cell,
  matrixSlo: RunRecord['matrix']['slo'],
  loadStart: number | undefined,
  windowMs: number,
): { client: ClientSummary; windows: SloWindow[]; acc: PointAccumulator } | undefined {
  if (!existsSync(file)) return undefined;
  const acc = accumulatePoints(file, matrixSlo, cell.load.durationMs);
  const range = loadStart !== undefined ? lagRange(cell, loadStart) : undefined;
  return { client: acc.summary(), windows: range ? sloWindows(acc, range.fromMs, range.toMs, windowMs, matrixSlo) : [], acc };
}

/** Reads and analyses every cell of a run directory, one cell's points at a time. */
export function analyzeRun(dir: RunDir, cells: readonly Cell[]): RunAnalysis {
  const record = dir.record;
  const catalog = projectCatalog();
  const prices: Record<string, number> = {};
  const shares: Record<string, number> = {};
  const windowMs = Math.max(1000, record.matrix.sampleIntervalMs);
  const samples = new Map<string, Sample[]>();
  const anatomy = new Map<string, CellAnatomy>();
  const windows = new Map<string, SloWindow[]>();
  const out: CellAnalysis[] = [];
  for (const cell of cells) {
    const cellDir = dir.cellDir(cell.id);
    const resultFile = join(cellDir, 'result.json');
    const result = existsSync(resultFile) ? readJson(resultFile, cellResultSchema) : undefined;
    const cellSamples = readJsonl(join(cellDir, 'samples.jsonl'), sampleSchema);
    const events = readJsonl(join(cellDir, 'events.jsonl'), eventSchema);
    const price = catalog.gpus[cell.deployment.gpu.type]?.usd_per_hour;
    const share = gpuSharePerReplica(catalog, cell.deployment);
    if (share !== undefined) shares[cell.deployment.name] = share;
    if (price !== undefined) prices[cell.deployment.gpu.type] = price;
    const loadStart = loadStartOf(result, cellSamples);
    const streamed = streamClient(join(cellDir, 'points.jsonl'), cell, record.matrix.slo, loadStart, windowMs);
    const client = streamed?.client ?? result?.client;
    samples.set(cell.id, cellSamples);
    if (streamed && loadStart !== undefined && cellSamples.length > 0) {
      const { acc } = streamed;
      anatomy.set(cell.id, cellAnatomy({ cell, slo: record.matrix.slo, loadStart, samples: cellSamples, events, requests: requestColumns(acc), windowMs }));
      const end = loadStart + cell.load.warmupMs + cell.load.durationMs;
      windows.set(cell.id, sloWindows(acc, loadStart, end, windowMs, record.matrix.slo));
    }
    out.push(
      analyzeCell({
        cell,
        entry: dir.entry(cell.id),
        ...(result ? { result } : {}),
        samples: cellSamples,
        events,
        ...(client ? { client } : {}),
        windows: streamed?.windows ?? [],
        windowMs,
        ...(price !== undefined ? { gpuUsdPerHour: price } : {}),
      }),
    );
  }
  const capacity = setOverProvisioning(out);
  return { record, cells: out, samples, capacity, prices, shares, anatomy, windows };
}
