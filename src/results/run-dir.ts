import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { readJson, writeJsonAtomic } from './files.js';

/**
 * The run directory's record format: run.json, result.json, points, samples,
 * events and records as src/results/ defines them. 2: the metric table's
 * names (samples' `server` figures, `failures`, `cpu_utilization_pct`;
 * records and summary.csv); run.json without `format` is 1.
 */
export const RECORD_FORMAT = 2;

export const cellStatuses = ['pending', 'running', 'done', 'failed', 'interrupted'] as const;
export type CellStatus = (typeof cellStatuses)[number];
export type RunStatus = Exclude<CellStatus, 'pending'>;

export const cellEntrySchema = z.object({
  id: z.string(),
  index: z.number(),
  status: z.enum(cellStatuses),
  reason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  attempts: z.number(),
});
export type CellEntry = z.infer<typeof cellEntrySchema>;

/**
 * The resolved matrix as run.json holds it. It was checked when it was
 * resolved (src/matrix) and is written by the same version that reads it
 * (the format above): read back, its shape is checked as far as the readers
 * begin (name, hash, deployments, autoscalers, load, workload, SLO,
 * controllers), not field by field again.
 */
const matrixShape = z.looseObject({
  name: z.string(),
  hash: z.string(),
  deployments: z.array(z.unknown()),
  autoscalers: z.array(z.unknown()),
  load: z.looseObject({}),
  workload: z.looseObject({}),
  slo: z.looseObject({}),
  controllers: z.looseObject({}),
});
const resolvedMatrixSchema = z.custom<ResolvedMatrix>((v) => matrixShape.safeParse(v).success, {
  error: 'expected a resolved matrix (name, hash, deployments, autoscalers, load, workload, slo, controllers)',
});

/** run.json: what ran, with what, and how each cell ended. */
export const runRecordSchema = z.object({
  format: z.literal(RECORD_FORMAT),
  id: z.string(),
  status: z.enum(['running', 'done', 'failed', 'interrupted']),
  createdAt: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  matrix: resolvedMatrixSchema,
  matrixHash: z.string(),
  tools: z.record(z.string(), z.string()),
  git: z.string().optional(),
  host: z.object({ hostname: z.string(), platform: z.string(), cpus: z.number(), memoryGb: z.number(), node: z.string() }),
  cells: z.array(cellEntrySchema),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** run.json of a run directory, through its schema; one of an older format is refused, saying so. */
export function readRunRecord(file: string): RunRecord {
  const { format = 1 } = readJson(file, z.looseObject({ format: z.number().optional() }));
  if (format !== RECORD_FORMAT) {
    throw new UserError(
      `${file}: a run directory of record format ${format}; this scalebench reads format ${RECORD_FORMAT} (the metric names changed: docs/architecture.md "The metric table"): run the matrix again, or read it with the scalebench that wrote it`,
    );
  }
  return readJson(file, runRecordSchema);
}

/** Cells whose results are final: a resumed run skips them. */
export function isFinished(c: CellEntry): boolean {
  return c.status === 'done' || c.status === 'failed';
}

/** A run's directory: reports/<run-id>/ with run.json and cells/<cell>/. */
export class RunDir {
  private constructor(
    readonly root: string,
    public record: RunRecord,
  ) {}

  static create(reportsDir: string, record: RunRecord): RunDir {
    const root = resolve(reportsDir, record.id);
    if (existsSync(join(root, 'run.json'))) {
      throw new UserError(`${root} already holds a run: resume it with \`scalebench run --resume ${record.id}\`, or choose another --id`);
    }
    mkdirSync(join(root, 'cells'), { recursive: true });
    const dir = new RunDir(root, record);
    dir.save();
    return dir;
  }

  static open(reportsDir: string, id: string): RunDir {
    const root = resolve(reportsDir, id);
    const file = join(root, 'run.json');
    if (!existsSync(file)) {
      throw new UserError(`no run "${id}" in ${resolve(reportsDir)} (no ${file}): give the id printed when the run started`);
    }
    return new RunDir(root, readRunRecord(file));
  }

  get runJson(): string {
    return join(this.root, 'run.json');
  }

  cellDir(id: string): string {
    return join(this.root, 'cells', id);
  }

  /** A fresh, empty directory for a cell about to run (what an interrupted attempt left is removed). */
  freshCellDir(id: string): string {
    const dir = this.cellDir(id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  entry(id: string): CellEntry {
    const e = this.record.cells.find((c) => c.id === id);
    if (!e) throw new Error(`run.json has no cell ${id}`);
    return e;
  }

  update(id: string, patch: Partial<CellEntry>): void {
    Object.assign(this.entry(id), patch);
    this.save();
  }

  setStatus(status: RunStatus): void {
    this.record.status = status;
    if (status !== 'running') this.record.endedAt = new Date().toISOString();
    this.save();
  }

  save(): void {
    writeJsonAtomic(this.runJson, this.record);
  }
}

/** The cell list of a new run, all pending. */
export function cellEntries(cells: readonly Cell[]): CellEntry[] {
  return cells.map((c) => ({ id: c.id, index: c.index, status: 'pending', attempts: 0 }));
}
