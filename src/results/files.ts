import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { UserError } from '../util/errors.js';
import { isPlainObject } from '../util/is-object.js';

/**
 * Writes a file so that a reader sees the old or the new content, never half:
 * write to a temporary file beside it, then rename over it.
 */
export function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** JSON with sorted keys and a trailing newline, so files diff cleanly. */
export function stableJson(value: unknown, indent = 2): string {
  return `${JSON.stringify(value, sortKeys, indent)}\n`;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeAtomic(path, stableJson(value));
}

/** `field.path: message` of a schema's first problem. */
function problem(error: z.ZodError): string {
  const i = error.issues[0]!;
  const path = i.path
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');
  return `${path ? `${path}: ` : ''}${i.message}`;
}

/**
 * Reads a JSON file scalebench wrote, through its schema: the value, or a
 * UserError naming the file and what does not match (a file from another
 * version, or edited by hand).
 */
export function readJson<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: not JSON (${(err as Error).message}): a file scalebench wrote, cut short or edited?`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new UserError(`${path}: ${problem(r.error)}: not a file this version of scalebench wrote`);
  return r.data;
}

/** Appends JSON lines; each append is one write, so a crash loses at most the line being written. */
export class JsonlWriter {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  write(value: unknown): void {
    appendFileSync(this.path, `${JSON.stringify(value)}\n`);
  }
}

/**
 * Reads a JSON-lines file through the schema of its lines, skipping a torn
 * last line (a crash mid-write); a missing file has none. A line elsewhere
 * that is not JSON or does not match is a UserError naming file:line.
 */
export function readJsonl<S extends z.ZodType>(path: string, schema: S): Array<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: Array<z.output<S>> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const last = !lines.slice(i + 1).some((l) => l);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (last) continue;
      throw new UserError(`${path}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
    const r = schema.safeParse(value);
    if (!r.success) throw new UserError(`${path}:${i + 1}: ${problem(r.error)}: not a line this version of scalebench wrote`);
    out.push(r.data);
  }
  return out;
}
