import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MATRIX, generateExamples } from '../../src/manifests/examples.js';
import { fileYaml, headerLine } from '../../src/manifests/yaml.js';
import { projectRoot } from '../../src/util/tools.js';

/** manifests/examples/ is generated (`npm run manifests`) and committed: it must be what the generators make now. */

const FIX = 'manifests/examples/ is out of date with the generators: run `npm run manifests` and commit the result';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]))
    .sort();
}

describe.each(generateExamples())('$dir', ({ dir, files }) => {
  const root = resolve(projectRoot, dir);

  it('holds exactly the files the generator makes', () => {
    expect(
      filesUnder(root).map((f) => relative(root, f)),
      FIX,
    ).toEqual(files.map((f) => f.path).sort());
  });

  it.each(files.map((f) => [f.path, f] as const))('%s is what the generator makes now', (path, file) => {
    const onDisk = existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : `(missing: ${path})`;
    expect(onDisk, `${dir}/${path}: ${FIX}`).toBe(fileYaml(file, headerLine(EXAMPLE_MATRIX)));
  });
});
