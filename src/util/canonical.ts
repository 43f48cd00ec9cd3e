import { createHash } from 'node:crypto';
import { isPlainObject } from './is-object.js';

/**
 * JSON with object keys sorted at every depth and undefined members dropped,
 * so that equal content always gives equal text (and equal hashes), however
 * it was written or in which order its keys were built.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** sha256 of a string, as 64 lower-case hex digits. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 hex of the canonical JSON of a value. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
