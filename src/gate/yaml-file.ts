import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../util/errors.js';

type Path = ReadonlyArray<string | number>;

export interface YamlFile<T> {
  data: T;
  /** `file:line:col` of the value at a path (or of its nearest existing parent). */
  where: (path: Path) => string;
  lineOf: (path: Path) => number;
}

const shown = (path: Path): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');

function offsetOf(doc: Document, path: Path): number {
  for (let len = path.length; len >= 0; len--) {
    const node = doc.getIn(path.slice(0, len), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return 0;
}

/**
 * Reads a small YAML document (gate rules, acknowledgements) and validates it
 * with zod. Every problem is one line, `file:line:col: field.path: message`,
 * thrown as a UserError (exit code 2).
 */
export function readYamlFile<S extends z.ZodType>(path: string, schema: S): YamlFile<z.infer<S>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number): string => {
    const { line, col } = lc.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UserError(`${at(e.pos[0])}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new UserError(
      parsed.error.issues
        .map((i) => {
          const p = i.path as Path;
          return `${at(offsetOf(doc, p))}: ${shown(p) ? `${shown(p)}: ` : ''}${i.message}`;
        })
        .join('\n'),
    );
  }
  return { data: parsed.data, where: (p) => at(offsetOf(doc, p)), lineOf: (p) => lc.linePos(offsetOf(doc, p)).line };
}
