import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { UserError } from '../util/errors.js';
import { formatPath, fromZodIssues, type MatrixIssue } from './issues.js';
import { resolveMatrix } from './resolve.js';
import { matrixSchema } from './schema.js';
import type { ResolvedMatrix } from './types.js';

/**
 * Reads, validates and resolves a matrix file. Every problem is reported, one
 * line each, as `file:line:col: field.path: expected …, got …`, sorted by
 * position, in one UserError (exit code 2).
 */
export function loadMatrix(path: string): ResolvedMatrix {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : `cannot be read (${code ?? String(err)})`;
    const fix = 'give the path of a matrix YAML file, such as matrices/nightly.yaml (see matrices/ and matrices/examples/)';
    throw new UserError(`${path}: ${why}: ${fix}`);
  }
  return parseMatrix(text, path);
}

/**
 * The same as loadMatrix for text already read; `source` names it in messages
 * and becomes ResolvedMatrix.source.
 */
export function parseMatrix(text: string, source: string): ResolvedMatrix {
  const lineCounter = new LineCounter();
  // merge: YAML merge keys (<<: *anchor) let deployments share settings.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    // The parser's own message, without the position and excerpt it may append.
    const lines = doc.errors.map((e) => ({ pos: e.pos[0], text: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') }));
    throw new UserError(report(source, lineCounter, lines));
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  const parsed = matrixSchema.safeParse(data);
  if (!parsed.success) {
    throw new UserError(positioned(source, doc, lineCounter, fromZodIssues(matrixSchema, data, parsed.error.issues)));
  }
  const resolved = resolveMatrix(parsed.data, source);
  if (!resolved.ok) throw new UserError(positioned(source, doc, lineCounter, resolved.issues));
  return resolved.matrix;
}

interface Located {
  pos: number;
  text: string;
}

function report(source: string, lc: LineCounter, lines: Located[]): string {
  const sorted = lines.map((l, i) => ({ ...l, i })).sort((a, b) => a.pos - b.pos || a.i - b.i);
  const out = sorted.map((l) => {
    const { line, col } = lc.linePos(l.pos);
    return `${source}:${line}:${col}: ${l.text}`;
  });
  return [...new Set(out)].join('\n');
}

function positioned(source: string, doc: Document, lc: LineCounter, issues: MatrixIssue[]): string {
  return report(
    source,
    lc,
    issues.map((issue) => {
      const shown = formatPath(issue.atKey ? issue.path.slice(0, -1) : issue.path);
      return { pos: positionOf(doc, issue), text: shown ? `${shown}: ${issue.message}` : issue.message };
    }),
  );
}

/**
 * Offset of the node an issue is about: the value at its path; the key, for
 * unknown fields and empty values; the nearest enclosing node that exists, for
 * missing fields.
 */
function positionOf(doc: Document, issue: MatrixIssue): number {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  let found = 0;
  const start = (n: unknown): number => ((n as Node | null)?.range?.[0] ?? 0);
  for (const key of issue.path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
      next = pair?.value;
      if (pair && next == null) next = pair.key; // `key:` with nothing after it
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
      pair = undefined;
    }
    if (next == null) return start(node);
    node = next;
    found++;
  }
  if (issue.atKey && pair && found === issue.path.length) return start(pair.key);
  if (isScalar(node) && node.value === null && pair && node.source === '') return start(pair.key);
  return start(node);
}
