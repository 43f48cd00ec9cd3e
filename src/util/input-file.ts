import { readFileSync, statSync } from 'node:fs';
import { isAlias, isCollection, isNode, isPair, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { UserError } from './errors.js';

/**
 * What an input file (matrix, gate file, acknowledgements, recipe, profile,
 * baseline, recommendation) may hold before it is refused: its size, how deep
 * it nests, and how many nodes its aliases may expand to (a YAML alias bomb,
 * `a: &a [x, x, …]` then `b: [*a, *a, …]` nested, expands exponentially).
 */
export const INPUT_LIMITS = {
  /** @default 8 MiB */
  maxBytes: 8 * 1024 * 1024,
  /** Nesting of maps and lists. */
  maxDepth: 64,
  /** The yaml library's maxAliasCount: alias expansions allowed, scaled by what each expands to. */
  maxAliasCount: 1000,
} as const;

export type DocPath = ReadonlyArray<string | number>;

/** A parsed input file: its data, and positions of what is in it. */
export interface InputDoc {
  source: string;
  doc: Document;
  lineCounter: LineCounter;
  data: unknown;
  /** `file:line:col` of a byte offset. */
  at(offset: number): string;
  /** Offset of the value at a path, or of its nearest existing parent. */
  offsetOf(path: DocPath): number;
}

/**
 * Reads an input file's text. A missing, unreadable or oversized file is a
 * UserError naming it and what to do (`fix`).
 */
export function readInputText(path: string, fix: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`${path}: a directory, not a file: ${fix}`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})`}: ${fix}`);
  }
  if (size > INPUT_LIMITS.maxBytes) {
    throw new UserError(`${path}: ${size} bytes, more than an input file may hold (${INPUT_LIMITS.maxBytes}): ${fix}`);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): ${fix}`);
  }
}

const parserMessage = (message: string): string => message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

/**
 * Parses YAML (JSON is YAML too) with positions. Every syntax problem, a
 * document nested deeper than the limit and an alias expansion past it are
 * UserErrors, one line each: `source:line:col: message`.
 */
export function parseInput(text: string, source: string, o: { merge?: boolean } = {}): InputDoc {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: o.merge ?? false });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => ({ pos: e.pos[0], text: parserMessage(e.message) }));
    throw new UserError(positionedLines(lines, at));
  }
  const deep = tooDeep(doc);
  if (deep) throw new UserError(`${at(deep.range?.[0] ?? 0)}: nested more than ${INPUT_LIMITS.maxDepth} levels deep: not a file scalebench reads`);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: INPUT_LIMITS.maxAliasCount });
  } catch (err) {
    // The yaml library refuses exponential alias expansion with a ReferenceError.
    let first: Node | undefined;
    visit(doc, { Alias: (_k, n) => ((first ??= n), visit.BREAK) });
    throw new UserError(
      `${at(first?.range?.[0] ?? 0)}: its aliases expand too far (${(err as Error).message.replace(/\.$/, '')}): write the values out, or use fewer aliases of aliases`,
    );
  }
  const offsetOf = (path: DocPath): number => {
    for (let len = path.length; len >= 0; len--) {
      const node = doc.getIn(path.slice(0, len), true);
      if (isNode(node) && node.range) return node.range[0];
    }
    return 0;
  };
  return { source, doc, lineCounter, data, at, offsetOf };
}

/** The first node nested past the depth limit, if any (aliases count as their target's depth where they stand). */
function tooDeep(doc: Document): Node | undefined {
  let found: Node | undefined;
  const walk = (node: unknown, depth: number): void => {
    if (found || !isNode(node) || isAlias(node)) return;
    if (depth > INPUT_LIMITS.maxDepth) {
      found = node;
      return;
    }
    if (isCollection(node)) {
      for (const item of node.items) walk(isPair(item) ? item.value : item, depth + 1);
    }
  };
  walk(doc.contents, 1);
  return found;
}

/** Lines sorted by position, duplicates dropped. */
export function positionedLines(lines: ReadonlyArray<{ pos: number; text: string }>, at: (offset: number) => string): string {
  const sorted = lines.map((l, i) => ({ ...l, i })).sort((a, b) => a.pos - b.pos || a.i - b.i);
  return [...new Set(sorted.map((l) => `${at(l.pos)}: ${l.text}`))].join('\n');
}

export const shownPath = (path: DocPath): string =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');

/** A zod issue's path as a path into the document (zod allows symbol keys; data read from a file has none). */
export const docPath = (path: readonly PropertyKey[]): Array<string | number> => path.map((k) => (typeof k === 'symbol' ? String(k) : k));

/**
 * Checks an input's data against its schema: every problem, one line each,
 * `file:line:col: field.path: message`, in one UserError (exit code 2);
 * `hint` is added to each line (what to do about it).
 */
export function checkInput<S extends z.ZodType>(input: InputDoc, schema: S, hint = ''): z.output<S> {
  const parsed = schema.safeParse(input.data);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const p = docPath(i.path);
    return { pos: input.offsetOf(p), text: `${shownPath(p) ? `${shownPath(p)}: ` : ''}${i.message}${hint ? `: ${hint}` : ''}` };
  });
  throw new UserError(positionedLines(lines, input.at));
}

/** Reads, parses and checks an input file in one step. */
export function readInputFile<S extends z.ZodType>(path: string, schema: S, o: { fix: string; hint?: string }): { data: z.output<S>; input: InputDoc } {
  const input = parseInput(readInputText(path, o.fix), path);
  return { data: checkInput(input, schema, o.hint), input };
}
