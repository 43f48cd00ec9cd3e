import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isPlainObject } from '../util/is-object.js';
import { join } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { formatPath } from '../matrix/issues.js';
import { UserError } from '../util/errors.js';
import type { CrdSchemas } from './crd-schemas.js';
import type { PathIssue } from './object-meta.js';
import { validateObject, type ObjectStatus } from './validate.js';

/**
 * `validate` over files: every YAML (or JSON) document of the files given or
 * found under the folders given, each problem positioned as
 * `file:line:col: Kind/name: path: message`.
 */

export interface PositionedIssue {
  path: string;
  line: number;
  col: number;
  message: string;
}

export interface ObjectResult {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  status: ObjectStatus;
  checkedWith: string[];
  issues: PositionedIssue[];
  hint?: string;
}

export interface ValidationReport {
  objects: ObjectResult[];
  counts: Record<ObjectStatus, number>;
}

/** The manifest files of the paths given (folders searched recursively), sorted; a missing path or none found is a UserError. */
export function manifestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (/\.(ya?ml|json)$/.test(p)) out.push(p);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new UserError(`${p}: no such file or directory: give manifest files or folders, such as manifests/examples`);
    if (statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  if (out.length === 0) throw new UserError(`${paths.join(', ')}: no .yaml, .yml or .json files found`);
  return out;
}

/** Offset of the node at a path (or of its nearest existing parent). */
function offsetOf(doc: Document, path: PathIssue['path']): number {
  let node: unknown = doc.contents;
  let last = (isNode(node) ? node.range?.[0] : undefined) ?? 0;
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
      next = pair?.value ?? pair?.key;
    } else if (isSeq(node) && typeof key === 'number') next = node.items[key];
    if (next == null) break;
    node = next;
    last = (isNode(node) ? node.range?.[0] : undefined) ?? last;
  }
  return last;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Validates the documents of one file's text. */
export async function validateText(text: string, file: string, schemas: CrdSchemas): Promise<ObjectResult[]> {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const results: ObjectResult[] = [];
  const list = Array.isArray(docs) ? docs : [];
  for (const [index, doc] of list.entries()) {
    const start = lc.linePos(doc.contents?.range?.[0] ?? 0);
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      const pos = lc.linePos(e.pos[0]);
      const message = `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
      results.push({
        file,
        index,
        line: pos.line,
        apiVersion: '',
        kind: '',
        name: '',
        status: 'invalid',
        checkedWith: [],
        issues: [{ path: '', line: pos.line, col: pos.col, message }],
      });
      continue;
    }
    if (doc.contents === null) continue; // a comment-only or empty document
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    const verdict = await validateObject(value, schemas);
    const obj = isPlainObject(value) ? value : {};
    const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
    const issues = verdict.issues.map((i) => {
      const pos = lc.linePos(offsetOf(doc, i.path));
      return { path: formatPath(i.path), line: pos.line, col: pos.col, message: i.message };
    });
    issues.sort((a, b) => a.line - b.line || a.col - b.col); // in the file's order, whichever check found them
    const result: ObjectResult = {
      file,
      index,
      line: start.line,
      apiVersion: str(obj.apiVersion),
      kind: str(obj.kind),
      name: str(meta.name),
      status: verdict.status,
      checkedWith: verdict.checkedWith,
      issues,
    };
    if (verdict.hint) result.hint = verdict.hint;
    results.push(result);
  }
  return results;
}

/** Validates every manifest under the paths. */
export async function validatePaths(paths: readonly string[], schemas: CrdSchemas): Promise<ValidationReport> {
  const objects: ObjectResult[] = [];
  for (const file of manifestFiles(paths)) objects.push(...(await validateText(readFileSync(file, 'utf8'), file, schemas)));
  const counts: Record<ObjectStatus, number> = { valid: 0, invalid: 0, unchecked: 0 };
  for (const o of objects) counts[o.status]++;
  return { objects, counts };
}

/** The report for people: each problem on a line, unchecked kinds with their hint, then the counts. */
export function formatReport(report: ValidationReport, verbose = false): string {
  const lines: string[] = [];
  const hints = new Map<string, string>();
  for (const o of report.objects) {
    const what = o.kind ? `${o.kind}/${o.name || '(no name)'}` : 'document';
    for (const i of o.issues) lines.push(`${o.file}:${i.line}:${i.col}: ${what}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
    if (o.status === 'unchecked' && o.hint) hints.set(`${o.kind} (${o.apiVersion})`, o.hint);
    if (verbose && o.status === 'valid') lines.push(`${o.file}:${o.line}: ${what}: valid (${o.checkedWith.join('; ')})`);
  }
  for (const [kind, hint] of hints) {
    const n = report.objects.filter((o) => o.status === 'unchecked' && `${o.kind} (${o.apiVersion})` === kind).length;
    lines.push(`not checked: ${n} × ${kind}: ${hint}`);
  }
  const c = report.counts;
  lines.push(`${report.objects.length} objects: ${c.valid} valid, ${c.invalid} invalid, ${c.unchecked} not checked`);
  return `${lines.join('\n')}\n`;
}
