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
 * Progress on stderr: a live line on a TTY; only one line per cell on a
 * non-TTY, under CI=true, or when stdout carries --json output.
 */
export function createProgress(opts: { json: boolean; stream?: NodeJS.WriteStream }): Progress {
  const out = opts.stream ?? process.stderr;
  const live = Boolean(out.isTTY) && process.env.CI !== 'true' && !opts.json;
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
      const line =
        `[${p.index}/${p.total}] ${p.id}  ${p.phase}  ${formatDuration(p.elapsedMs)} (~${formatDuration(remaining)} left)` +
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
