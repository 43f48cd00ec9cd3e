import type { z } from 'zod';
import { readInputFile, type DocPath } from '../util/input-file.js';

export interface YamlFile<T> {
  data: T;
  /** `file:line:col` of the value at a path (or of its nearest existing parent). */
  where: (path: DocPath) => string;
  lineOf: (path: DocPath) => number;
}

/**
 * Reads a small YAML document (gate rules, acknowledgements) through the one
 * input loader (positions, size/depth/alias limits) and validates it with
 * zod. Every problem is one line, `file:line:col: field.path: message`,
 * thrown as a UserError (exit code 2).
 */
export function readYamlFile<S extends z.ZodType>(path: string, schema: S): YamlFile<z.infer<S>> {
  const { data, input } = readInputFile(path, schema, { fix: 'give the path of a YAML file such as gates/default.yaml' });
  return { data, where: (p) => input.at(input.offsetOf(p)), lineOf: (p) => input.lineCounter.linePos(input.offsetOf(p)).line };
}
