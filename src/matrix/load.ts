import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type Pair } from 'yaml';
import type { Catalog } from '../catalog/catalog.js';
import { UserError } from '../util/errors.js';
import { parseInput, positionedLines, readInputText, type InputDoc } from '../util/input-file.js';
import { formatPath, fromZodIssues, type MatrixIssue } from './issues.js';
import { resolveMatrix } from './resolve.js';
import { matrixSchema } from './schema.js';
import type { ResolvedMatrix } from './types.js';

/**
 * Reads, validates and resolves a matrix file. Every problem is reported, one
 * line each, as `file:line:col: field.path: expected …, got …`, sorted by
 * position, in one UserError (exit code 2).
 */
export function loadMatrix(path: string, catalog: Catalog): ResolvedMatrix {
  const text = readInputText(path, 'give the path of a matrix YAML file, such as matrices/nightly.yaml (see matrices/ and matrices/examples/)');
  return parseMatrix(text, path, catalog);
}

/**
 * The same as loadMatrix for text already read; `source` names it in messages
 * and becomes ResolvedMatrix.source.
 */
export function parseMatrix(text: string, source: string, catalog: Catalog): ResolvedMatrix {
  // merge: YAML merge keys (<<: *anchor) let deployments share settings.
  const input = parseInput(text, source, { merge: true });
  const data = input.data;
  const parsed = matrixSchema.safeParse(data);
  if (!parsed.success) {
    throw new UserError(positioned(input, fromZodIssues(matrixSchema, data, parsed.error.issues)));
  }
  const resolved = resolveMatrix(parsed.data, source, catalog);
  if (!resolved.ok) throw new UserError(positioned(input, resolved.issues));
  return resolved.matrix;
}

function positioned(input: InputDoc, issues: MatrixIssue[]): string {
  return positionedLines(
    issues.map((issue) => {
      const shown = formatPath(issue.atKey ? issue.path.slice(0, -1) : issue.path);
      return { pos: positionOf(input.doc, issue), text: shown ? `${shown}: ${issue.message}` : issue.message };
    }),
    input.at,
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
  const start = (n: unknown): number => (isNode(n) ? n.range?.[0] : undefined) ?? 0;
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
