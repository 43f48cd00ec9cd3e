import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { pointSchema, type RawPoint } from './points.js';

/** The fields of RawPoint the decoder fills, by id (0: a field it skips). */
const KEYS = [
  '',
  't',
  'phase',
  'ok',
  'status',
  'error',
  'ttft_ms',
  'tpot_ms',
  'e2e_ms',
  'itl_ms',
  'prompt_tokens',
  'output_tokens',
  't_sched',
  'ttfc_ms',
  'error_source',
  'cached_tokens',
] as const;
const T = 1,
  PHASE = 2,
  OK = 3,
  STATUS = 4,
  ERROR = 5,
  TTFT = 6,
  TPOT = 7,
  E2E = 8,
  ITL = 9,
  PROMPT = 10,
  OUTPUT = 11,
  T_SCHED = 12,
  TTFC = 13,
  ERROR_SOURCE = 14,
  CACHED = 15;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** 2^53: integers up to it are exact doubles. */
const EXACT = 9007199254740992;

// Bytes of the JSON syntax.
const QUOTE = 34,
  COMMA = 44,
  MINUS = 45,
  PLUS = 43,
  DOT = 46,
  ZERO = 48,
  NINE = 57,
  COLON = 58;
const LBRACKET = 91,
  BACKSLASH = 92,
  RBRACKET = 93,
  LBRACE = 123,
  RBRACE = 125,
  LOWER_E = 101,
  UPPER_E = 69;
const LOWER_T = 116,
  LOWER_F = 102,
  LOWER_N = 110;

/** The id of the key b[s, s + len): by its length and first bytes, then confirmed byte by byte (no string made). */
function keyId(b: Buffer, s: number, len: number): number {
  const c0 = b[s];
  let id = 0;
  if (len === 1) id = c0 === LOWER_T ? T : 0;
  else if (len === 2) id = OK;
  else if (len === 5) id = c0 === 112 /* p */ ? PHASE : ERROR;
  else if (len === 6) id = c0 === 115 /* s */ ? STATUS : c0 === LOWER_E ? E2E : ITL;
  else if (len === 7) id = b[s + 1] === 95 /* _ */ ? T_SCHED : b[s + 1] === 112 /* p */ ? TPOT : b[s + 3] === 99 /* c */ ? TTFC : TTFT;
  else if (len === 13) id = c0 === 112 /* p */ ? PROMPT : c0 === 99 /* c */ ? CACHED : OUTPUT;
  else if (len === 12) id = ERROR_SOURCE;
  if (id === 0) return 0;
  const k = KEYS[id]!;
  for (let i = 0; i < len; i++) if (b[s + i] !== k.charCodeAt(i)) return 0;
  return id;
}

/** The phase names k6 writes, without making a string per line. */
function phaseName(b: Buffer, s: number, len: number): string {
  if (len === 4 && b[s] === 109 && b[s + 1] === 97 && b[s + 2] === 105 && b[s + 3] === 110) return 'main';
  if (len === 6 && b[s] === 119 && b.toString('latin1', s, s + 6) === 'warmup') return 'warmup';
  return b.toString('utf8', s, s + len);
}

/** The point every decoded line is written into (reused). */
const point: RawPoint = {
  t: NaN,
  t_sched: null,
  phase: '',
  ok: false,
  status: 0,
  error: null,
  error_source: null,
  ttft_ms: null,
  ttfc_ms: null,
  tpot_ms: null,
  e2e_ms: NaN,
  itl_ms: [],
  prompt_tokens: null,
  output_tokens: null,
  cached_tokens: null,
};

/** Bits of the required fields seen with their type: t (number), phase (string), ok (boolean). */
const SEEN_T = 1,
  SEEN_PHASE = 2,
  SEEN_OK = 4,
  SEEN_ALL = 7;

/**
 * Decodes one line of points.jsonl, b[start, end), into `point`. The lines are
 * compact flat JSON objects (numbers, strings, booleans, null, arrays of
 * numbers; no white space), as the scenario writes them; reading their bytes
 * in one loop is several times faster than JSON.parse and makes no object per
 * line. It checks what pointSchema checks, as it goes and without a string or
 * object: each known key's value has its type (a number, or null where the
 * schema allows it; a string; a boolean; an array of numbers for itl_ms), and
 * t, phase and ok are present. Returns false for anything else (white space,
 * nesting, escapes, bad syntax, a wrong type, a missing field): the caller
 * then parses the line with JSON.parse and pointSchema, so every line either
 * decodes to what the schema gives or fails with the schema's message. One
 * function, locals only: the shape V8 compiles best.
 */
function decodeFlat(b: Buffer, start: number, end: number): boolean {
  let pos = start;
  const p = point;
  p.t = NaN;
  p.t_sched = null;
  p.phase = '';
  p.ok = false;
  p.status = 0;
  p.error = null;
  p.error_source = null;
  p.ttft_ms = null;
  p.ttfc_ms = null;
  p.tpot_ms = null;
  p.e2e_ms = NaN;
  p.itl_ms.length = 0;
  p.prompt_tokens = null;
  p.output_tokens = null;
  p.cached_tokens = null;
  if (b[pos++] !== LBRACE) return false;
  if (b[pos] === RBRACE) return false;
  let seen = 0;
  for (;;) {
    // "key":
    if (b[pos] !== QUOTE) return false;
    const ks = ++pos;
    while (pos < end && b[pos] !== QUOTE && b[pos] !== BACKSLASH) pos++;
    if (b[pos] !== QUOTE) return false;
    const key = keyId(b, ks, pos - ks);
    if (b[++pos] !== COLON) return false;
    let c = b[++pos]!;
    if (c === QUOTE) {
      const s = ++pos;
      while (pos < end && b[pos] !== QUOTE && b[pos] !== BACKSLASH) pos++;
      if (b[pos] !== QUOTE) return false;
      if (key === PHASE) {
        if (pos === s) return false;
        p.phase = phaseName(b, s, pos - s);
        seen |= SEEN_PHASE;
      } else if (key === ERROR) p.error = b.toString('utf8', s, pos);
      else if (key === ERROR_SOURCE) p.error_source = b.toString('utf8', s, pos);
      else if (key !== 0) return false;
      pos++;
    } else if (c === LOWER_T) {
      if (b[pos + 1] !== 114 || b[pos + 2] !== 117 || b[pos + 3] !== LOWER_E) return false; // rue
      pos += 4;
      if (key === OK) {
        p.ok = true;
        seen |= SEEN_OK;
      } else if (key !== 0) return false;
    } else if (c === LOWER_F) {
      if (b[pos + 1] !== 97 || b[pos + 2] !== 108 || b[pos + 3] !== 115 || b[pos + 4] !== LOWER_E) return false; // alse
      pos += 5;
      if (key === OK) seen |= SEEN_OK;
      else if (key !== 0) return false;
    } else if (c === LOWER_N) {
      if (b[pos + 1] !== 117 || b[pos + 2] !== 108 || b[pos + 3] !== 108) return false; // ull
      pos += 4;
      if (key === T || key === PHASE || key === OK || key === ITL || key === STATUS) return false;
    } else {
      // A number, or an array of numbers.
      const array = c === LBRACKET;
      if (key === PHASE || key === OK || key === ERROR || key === ERROR_SOURCE || (key !== 0 && array !== (key === ITL))) return false;
      const into = key === ITL ? p.itl_ms : null;
      if (array) {
        c = b[++pos]!;
        if (c === RBRACKET) {
          pos++;
          c = -1;
        }
      }
      while (c !== -1) {
        const s = pos;
        const negative = c === MINUS;
        if (negative) c = b[++pos]!;
        if (c < ZERO || c > NINE) return false;
        let m = 0;
        let frac = 0;
        while (c >= ZERO && c <= NINE) {
          m = m * 10 + (c - ZERO);
          c = b[++pos]!;
        }
        if (c === DOT) {
          c = b[++pos]!;
          if (c < ZERO || c > NINE) return false;
          while (c >= ZERO && c <= NINE) {
            m = m * 10 + (c - ZERO);
            frac++;
            c = b[++pos]!;
          }
        }
        let v: number;
        if (c === LOWER_E || c === UPPER_E || m > EXACT || frac > 22) {
          if (c === LOWER_E || c === UPPER_E) {
            c = b[++pos]!;
            if (c === PLUS || c === MINUS) c = b[++pos]!;
            while (c >= ZERO && c <= NINE) c = b[++pos]!;
          }
          v = Number(b.toString('latin1', s, pos));
          if (Number.isNaN(v)) return false;
        } else {
          // Digits that fit in 2^53 over an exact power of ten: one division, rounded as parseFloat rounds.
          v = frac ? m / POW10[frac]! : m;
          if (negative) v = -v;
        }
        if (!array) {
          switch (key) {
            case T:
              p.t = v;
              seen |= SEEN_T;
              break;
            case STATUS:
              p.status = v;
              break;
            case TTFT:
              p.ttft_ms = v;
              break;
            case TTFC:
              p.ttfc_ms = v;
              break;
            case T_SCHED:
              p.t_sched = v;
              break;
            case TPOT:
              p.tpot_ms = v;
              break;
            case E2E:
              p.e2e_ms = v;
              break;
            case PROMPT:
              p.prompt_tokens = v;
              break;
            case OUTPUT:
              p.output_tokens = v;
              break;
            case CACHED:
              p.cached_tokens = v;
              break;
          }
          break;
        }
        if (into !== null) into.push(v);
        if (c === COMMA) {
          c = b[++pos]!;
          continue;
        }
        if (c !== RBRACKET) return false;
        pos++;
        break;
      }
    }
    c = b[pos++]!;
    if (c === RBRACE) return pos === end && seen === SEEN_ALL;
    if (c !== COMMA) return false;
  }
}

/**
 * The points of the complete lines from byte `from` on (a file being written:
 * its unterminated last line waits for the next call). Returns the offset to
 * pass next time.
 */
export function forEachNewPoint(path: string, from: number, fn: (p: RawPoint) => void): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return from;
  }
  let end = from;
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.allocUnsafe(Math.min(1 << 16, size - from));
    const n = tail.length ? readSync(fd, tail, 0, tail.length, size - tail.length) : 0;
    const nl = tail.lastIndexOf(10, n - 1);
    if (nl >= 0) end = size - tail.length + nl + 1;
  } finally {
    closeSync(fd);
  }
  if (end > from) forEachPoint(path, fn, 1 << 20, { start: from, end });
  return end;
}

/** Reads the next part of a byte range (range.start advances); 0 at its end. */
function readRange(fd: number, buf: Buffer, at: number, range: { start: number; end: number }): number {
  const want = Math.min(buf.length - at, range.end - range.start);
  if (want <= 0) return 0;
  const n = readSync(fd, buf, at, want, range.start);
  range.start += n;
  return n;
}

/**
 * Splits a file into `parts` byte ranges that each begin at a line's start
 * (each cut moved forward to just after a newline), in file order: the first
 * about firstShare of the file, the others equal.
 */
export function lineRanges(path: string, size: number, parts: number, firstShare = 1 / parts): Array<{ start: number; end: number }> {
  const cuts = [0];
  const fd = openSync(path, 'r');
  try {
    const probe = Buffer.allocUnsafe(1 << 16);
    for (let i = 1; i < parts; i++) {
      const share = firstShare + ((1 - firstShare) * (i - 1)) / (parts - 1);
      let at = Math.max(cuts[cuts.length - 1]!, Math.floor(size * share));
      for (;;) {
        const n = readSync(fd, probe, 0, probe.length, at);
        if (n === 0) {
          at = size;
          break;
        }
        const nl = probe.indexOf(10);
        if (nl >= 0 && nl < n) {
          at += nl + 1;
          break;
        }
        at += n;
      }
      cuts.push(Math.min(at, size));
    }
  } finally {
    closeSync(fd);
  }
  cuts.push(size);
  return cuts
    .slice(0, -1)
    .map((start, i) => ({ start, end: cuts[i + 1]! }))
    .filter((r) => r.end > r.start);
}

/** A line the fast decoder left, through JSON.parse and pointSchema: the point, or what is wrong with it. */
function parsed(text: string): RawPoint {
  const r = pointSchema.safeParse(JSON.parse(text));
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new Error(`${i.path.join('.') || 'the line'}: ${i.message}`);
}

/**
 * Streams a points.jsonl file, a chunk at a time, calling fn for each point;
 * memory stays at one chunk however long the file. The point passed to fn is
 * reused for the next line: copy what you keep. A torn last line (a crash
 * mid-write) is skipped; an unreadable line elsewhere throws with its number.
 * A missing file has no points. Returns the number of points.
 */
export function forEachPoint(path: string, fn: (p: RawPoint) => void, chunkBytes = 1 << 20, range?: { start: number; end: number }): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  let buf = Buffer.allocUnsafe(chunkBytes);
  let have = 0;
  let line = 0;
  let count = 0;
  /** A line the fast decoder left: JSON.parse, or skipped when it is the torn last line. */
  const slow = (start: number, end: number, last: boolean): void => {
    const text = buf.toString('utf8', start, end);
    if (!text.trim()) return;
    try {
      fn(parsed(text));
      count++;
    } catch (err) {
      if (!last) throw new Error(`${path}:${line}: not a point: ${(err as Error).message}`);
    }
  };
  try {
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than the chunk
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = range ? readRange(fd, buf, have, range) : readSync(fd, buf, have, buf.length - have, null);
      const end = have + n;
      let start = 0;
      for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < end; nl = buf.indexOf(10, start)) {
        line++;
        if (decodeFlat(buf, start, nl)) {
          fn(point);
          count++;
        } else if (nl > start) slow(start, nl, false);
        start = nl + 1;
      }
      if (n === 0) {
        line++;
        if (end > start) slow(start, end, true);
        return count;
      }
      buf.copy(buf, 0, start, end);
      have = end - start;
    }
  } finally {
    closeSync(fd);
  }
}
