import { closeSync, openSync, readSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { isPlainObject } from '../util/is-object.js';

/**
 * Request traces, read a line at a time (a day of requests is never held
 * whole). Three layouts, told apart by the file:
 * - Azure LLM inference traces: CSV with `TIMESTAMP,ContextTokens,GeneratedTokens`
 *   (TIMESTAMP a date and time, `2023-11-16 18:15:46.6805900`, read as UTC);
 * - BurstGPT: CSV with `Timestamp,…,Request tokens,Response tokens,…`
 *   (Timestamp in seconds);
 * - JSON lines: `{"t_ms": …, "prompt_tokens": …, "output_tokens": …, "session": …}`
 *   (session optional).
 * Times come out in ms from the trace's first request; a time earlier than
 * the one before, a missing column or a number that is not one is an error
 * naming `file:line`.
 */
export type TraceFormat = 'azure' | 'burstgpt' | 'jsonl';

export interface TraceRow {
  /** ms since the trace's first request. */
  tMs: number;
  prompt: number;
  output: number;
  session?: string;
  line: number;
}

/** Lines of a file, a chunk at a time; the last line may lack its newline. */
function* lines(path: string): Generator<[string, number]> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}: give the path of a trace (Azure or BurstGPT CSV, or JSON lines)`,
    );
  }
  try {
    const buf = Buffer.alloc(1 << 20);
    let rest = '';
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      const text = rest + buf.toString('utf8', 0, got);
      const parts = text.split('\n');
      rest = got === 0 ? '' : parts.pop()!;
      for (const l of parts) yield [l.replace(/\r$/, ''), ++n];
      if (got === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** The layout of a trace, from its first non-empty line. */
export function detectFormat(path: string, first: string): TraceFormat {
  const t = first.trim();
  if (t.startsWith('{')) return 'jsonl';
  const cols = t.split(',').map((c) => c.trim());
  if (cols.includes('TIMESTAMP') && cols.includes('ContextTokens')) return 'azure';
  if (cols.includes('Timestamp') && cols.includes('Request tokens')) return 'burstgpt';
  throw new UserError(
    `${path}:1: not a trace layout scalebench reads: expected a CSV header with TIMESTAMP,ContextTokens,GeneratedTokens (Azure) or Timestamp,…,Request tokens,Response tokens (BurstGPT), or JSON lines with t_ms, prompt_tokens, output_tokens`,
  );
}

/** `2023-11-16 18:15:46.6805900` as ms since the epoch (UTC), keeping the sub-millisecond digits. */
function azureTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$/.exec(text.trim());
  if (!m) return NaN;
  const whole = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return whole + (m[7] ? Number(`0.${m[7]}`) * 1000 : 0);
}

const count = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

/** The rows of a trace in file order (times from its first row). */
export function* readTrace(path: string, format?: TraceFormat): Generator<TraceRow> {
  let layout = format;
  let cols: string[] = [];
  let t0: number | undefined;
  let last = -Infinity;
  const fail = (line: number, what: string): never => {
    throw new UserError(`${path}:${line}: ${what}`);
  };
  for (const [text, line] of lines(path)) {
    if (!text.trim()) continue;
    if (layout === undefined) layout = detectFormat(path, text);
    let abs: number;
    let prompt: number;
    let output: number;
    let session: string | undefined;
    if (layout === 'jsonl') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        return fail(line, `not JSON (${(err as Error).message})`);
      }
      // A guard, not a zod schema, per line of a trace that may hold millions: the fields' types are checked below.
      if (!isPlainObject(parsed))
        return fail(line, `expected an object such as {"t_ms": 0, "prompt_tokens": 512, "output_tokens": 128}, got ${JSON.stringify(parsed)}`);
      const o = parsed;
      abs = count(o.t_ms);
      prompt = count(o.prompt_tokens);
      output = count(o.output_tokens);
      if (o.session !== undefined && o.session !== null) {
        if (typeof o.session !== 'string' && typeof o.session !== 'number')
          fail(line, `session: expected a string or number, got ${JSON.stringify(o.session)}`);
        session = String(o.session);
      }
      if (!Number.isFinite(abs)) fail(line, `t_ms: expected a number of milliseconds, got ${JSON.stringify(o.t_ms)}`);
    } else {
      if (cols.length === 0) {
        cols = text.split(',').map((c) => c.trim());
        continue;
      }
      const cells = text.split(',');
      const at = (name: string): string => {
        const i = cols.indexOf(name);
        if (i < 0 || i >= cells.length) return fail(line, `no ${name} column`);
        return cells[i]!;
      };
      if (layout === 'azure') {
        abs = azureTime(at('TIMESTAMP'));
        if (!Number.isFinite(abs)) fail(line, `TIMESTAMP: expected a date and time such as 2023-11-16 18:15:46.6805900, got "${at('TIMESTAMP')}"`);
        prompt = count(at('ContextTokens'));
        output = count(at('GeneratedTokens'));
      } else {
        abs = count(at('Timestamp')) * 1000;
        if (!Number.isFinite(abs)) fail(line, `Timestamp: expected seconds, got "${at('Timestamp')}"`);
        prompt = count(at('Request tokens'));
        output = count(at('Response tokens'));
      }
    }
    if (!Number.isInteger(prompt) || prompt < 0) fail(line, `prompt tokens: expected a whole number ≥ 0, got ${prompt}`);
    if (!Number.isInteger(output) || output < 0) fail(line, `output tokens: expected a whole number ≥ 0, got ${output}`);
    if (abs < last) fail(line, `out of order: a request at ${abs - (t0 ?? 0)} ms after one at ${last - (t0 ?? 0)} ms (sort the trace by time)`);
    last = abs;
    t0 ??= abs;
    yield { tMs: abs - t0, prompt, output, ...(session !== undefined ? { session } : {}), line };
  }
}
