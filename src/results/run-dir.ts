import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolvedControllers } from '../matrix/resolve.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { readJson, writeJsonAtomic } from './files.js';

export type CellStatus = 'pending' | 'running' | 'done' | 'failed' | 'interrupted';
export type RunStatus = 'running' | 'done' | 'failed' | 'interrupted';

export interface CellEntry {
  id: string;
  index: number;
  status: CellStatus;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  attempts: number;
}

/** run.json: what ran, with what, and how each cell ended. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  createdAt: string;
  startedAt: string;
  endedAt?: string;
  matrix: ResolvedMatrix;
  matrixHash: string;
  tools: Record<string, string>;
  git?: string;
  host: { hostname: string; platform: string; cpus: number; memoryGb: number; node: string };
  cells: CellEntry[];
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
    const record = readJson(file) as RunRecord;
    // A run recorded before the controllers' flags were resolved: the same values, from its time scale.
    if (!(record.matrix as Partial<ResolvedMatrix>).controllers) record.matrix.controllers = resolvedControllers(record.matrix.timeScale);
    return new RunDir(root, record);
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
