import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../../src/matrix/expand.js';
import { matrixJsonSchemaText, schemaFile } from '../../src/matrix/json-schema.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { projectRoot } from '../../src/util/tools.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const matricesDir = join(projectRoot, 'matrices');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(e.name) ? [path] : [];
  });
}

const files = yamlFiles(matricesDir)
  .map((f) => relative(projectRoot, f))
  .sort();

describe('the committed matrices', () => {
  it('include nightly, smoke and at least two examples', () => {
    expect(files).toEqual(expect.arrayContaining(['matrices/nightly.yaml', 'matrices/smoke.yaml']));
    expect(files.filter((f) => f.startsWith('matrices/examples/')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s loads, resolves and expands', (file) => {
    const m = loadMatrix(join(projectRoot, file), projectCatalog());
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);
    const cells = expandCells(m);
    expect(cells.length).toBe(m.deployments.length * m.autoscalers.length * m.load.levels.length * m.repeats);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
  });

  it.each(files)('%s points editors at the JSON Schema', (file) => {
    const first = readFileSync(join(projectRoot, file), 'utf8').split('\n')[0];
    const depth = file.split('/').length - 2;
    expect(first).toBe(`# yaml-language-server: $schema=${depth === 0 ? './' : '../'.repeat(depth)}schema.json`);
  });
});

describe('matrices/schema.json', () => {
  it('is the one generated from the zod schema (run `npm run schema` after changing src/matrix/schema.ts)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(matrixJsonSchemaText());
  });

  it('is deterministic', () => {
    expect(matrixJsonSchemaText()).toBe(matrixJsonSchemaText());
  });

  it('rejects unknown fields and lists the autoscaler kinds', () => {
    const schema = JSON.parse(matrixJsonSchemaText()) as {
      additionalProperties: boolean;
      required: string[];
      properties: { autoscalers: { items: { oneOf: { properties: { kind: { const: string } } }[] } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'deployments', 'load']);
    expect(schema.properties.autoscalers.items.oneOf.map((o) => o.properties.kind.const)).toEqual(['fixed', 'hpa-cpu', 'hpa-custom', 'keda']);
  });
});
