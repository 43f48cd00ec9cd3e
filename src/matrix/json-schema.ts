import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { projectRoot } from '../util/tools.js';
import { matrixSchema } from './schema.js';

/** Where the generated JSON Schema is kept (committed, for editor completion). */
export const schemaFile: string = join(projectRoot, 'matrices', 'schema.json');

/**
 * The JSON Schema of a matrix, from the zod schema, as 2-space JSON with a
 * final newline. Deterministic: the same schema always gives the same text.
 */
export function matrixJsonSchemaText(): string {
  const schema = z.toJSONSchema(matrixSchema, { target: 'draft-2020-12', unrepresentable: 'throw' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Writes matrices/schema.json (npm run schema). */
export function writeMatrixJsonSchema(file: string = schemaFile): void {
  writeFileSync(file, matrixJsonSchemaText());
}

const invoked = process.argv[1] ? resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  writeMatrixJsonSchema();
  process.stderr.write(`wrote ${schemaFile}\n`);
}
