import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeAtomic(path, stableJson(value));
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
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

/** Reads a JSON-lines file, skipping a torn last line (a crash mid-write). */
export function readJsonl<T = unknown>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l)) throw new Error(`${path}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
  }
  return out;
}
