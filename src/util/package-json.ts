import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from './errors.js';
import { projectRoot } from './tools.js';

/**
 * What scalebench reads of a package.json: its name, its version (the CLI's
 * --version, the runner image's tag) and its pinned dependencies (the
 * versions validate reports it checked with). Other fields are left alone.
 */
const packageJsonSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  dependencies: z.record(z.string(), z.string()).optional(),
});
export type PackageJson = z.infer<typeof packageJsonSchema>;

/** A package.json's text through its schema; not JSON, or a field missing or of the wrong type, is one line naming `path`. */
export function parsePackageJson(text: string, path: string): PackageJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not JSON (${err instanceof Error ? err.message : String(err)}): restore it (git checkout ${path})`);
  }
  const r = packageJsonSchema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
  throw new UserError(`${path}: ${problems}: restore it (git checkout ${path})`);
}

/** Reads a package.json (an unreadable one is one line naming it). */
export function readPackageJson(path: string): PackageJson {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot be read (${err instanceof Error ? err.message : String(err)}): run scalebench from its checkout`);
  }
  return parsePackageJson(text, path);
}

let own: PackageJson | undefined;
/** scalebench's own package.json, read once, when first asked for (so a broken one is a one-line error where it is used). */
export function ownPackage(): PackageJson {
  own ??= readPackageJson(join(projectRoot, 'package.json'));
  return own;
}

/** The version scalebench pins of a dependency ("?" when it has none). */
export function pinnedVersion(name: string): string {
  return ownPackage().dependencies?.[name] ?? '?';
}
