import { formatDuration } from '../util/duration.js';

/** What the progress display knows about the cell in hand. */
export interface CellProgress {
  index: number;
  total: number;
  id: string;
  phase: string;
  elapsedMs: number;
  expectedMs: number;
  requests: number;
  errors: number;
  replicas: { ready: number; desired: number };
}

export interface Progress {
  update(p: CellProgress): void;
  /** One line when a cell ends (the only output on a non-TTY or under CI=true). */
  cellDone(line: string): void;
  /** A message that must be seen (warnings, interruption). */
  note(line: string): void;
  close(): void;
}

/**
 * The run's remaining time: the cell in hand's estimate less its time so far,
 * plus the estimates of the cells after it, scaled by how the finished cells
 * of this run compared with their estimates (1 before any has finished).
 */
export class RunEta {
  private doneMs = 0;
  private doneEstimateMs = 0;
  private current?: { index: number; startedAt: number };

  /** @param estimatesMs each cell's estimated wall time (plan's estimate), by 0-based index. */
  constructor(private readonly estimatesMs: readonly number[]) {}

  /** Remaining ms of the run, with `index` (1-based) the cell in hand at `now` (ms). */
  remainingMs(index: number, now: number): number {
    if (!this.current || this.current.index !== index) {
      if (this.current && this.current.index < index) {
        this.doneMs += now - this.current.startedAt;
        this.doneEstimateMs += this.estimatesMs[this.current.index - 1] ?? 0;
      }
      this.current = { index, startedAt: now };
    }
    const scale = this.doneEstimateMs > 0 ? this.doneMs / this.doneEstimateMs : 1;
    const own = Math.max(0, (this.estimatesMs[index - 1] ?? 0) * scale - (now - this.current.startedAt));
    const after = this.estimatesMs.slice(index).reduce((s, x) => s + x, 0) * scale;
    return Math.round(own + after);
  }
}

/**
 * Progress on stderr: a live line on a TTY (cell i/n, phase, elapsed, the
 * cell's and the run's time left, requests, replicas); only one line per cell
 * on a non-TTY, under CI=true, or when stdout carries --json output.
 */
export function createProgress(opts: { json: boolean; stream?: NodeJS.WriteStream; estimatesMs?: readonly number[]; now?: () => number }): Progress {
  const out = opts.stream ?? process.stderr;
  const live = Boolean(out.isTTY) && process.env.CI !== 'true' && !opts.json;
  const eta = opts.estimatesMs ? new RunEta(opts.estimatesMs) : undefined;
  const now = opts.now ?? Date.now;
  let shown = false;
  const clear = (): void => {
    if (live && shown) {
      out.write('\r\x1b[2K');
      shown = false;
    }
  };
  return {
    update(p) {
      if (!live) return;
      const remaining = Math.max(0, p.expectedMs - p.elapsedMs);
      const run = eta ? `, run ETA ${formatDuration(eta.remainingMs(p.index, now()))}` : '';
      const line =
        `[${p.index}/${p.total}] ${p.id}  ${p.phase}  ${formatDuration(p.elapsedMs)} (~${formatDuration(remaining)} left${run})` +
        `  requests ${p.requests}  errors ${p.errors}  replicas ${p.replicas.ready}/${p.replicas.desired}`;
      const width = out.columns ?? 120;
      out.write(`\r\x1b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
      shown = true;
    },
    cellDone(line) {
      clear();
      out.write(`${line}\n`);
    },
    note(line) {
      clear();
      out.write(`${line}\n`);
    },
    close() {
      clear();
    },
  };
}
