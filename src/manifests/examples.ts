import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMatrix } from '../matrix/load.js';
import { projectRoot } from '../util/tools.js';
import { generateForMatrix } from './from-matrix.js';
import type { ManifestFile, ServingForm } from './types.js';
import { writeManifests } from './yaml.js';
import { loadCatalog } from '../catalog/catalog.js';

/**
 * manifests/examples/: one model (matrices/examples/manifests-llama8b.yaml)
 * with each autoscaler, as a Deployment and as a KServe InferenceService.
 * `npm run manifests` rewrites them; test/unit/manifests-examples.test.ts
 * checks that they match what the generator makes now.
 */

/** The matrix the examples come from, relative to the project root (as the files' headers name it). */
export const EXAMPLE_MATRIX = 'matrices/examples/manifests-llama8b.yaml';

/** Each example set: its serving form and folder, relative to the project root. */
export const exampleSets: ReadonlyArray<{ serving: ServingForm; dir: string }> = [
  { serving: 'deployment', dir: 'manifests/examples/deployment' },
  { serving: 'kserve', dir: 'manifests/examples/kserve' },
];

/** The example sets as the generator makes them now. */
export function generateExamples(): Array<{ dir: string; files: ManifestFile[] }> {
  const catalog = loadCatalog();
  const matrix = loadMatrix(resolve(projectRoot, EXAMPLE_MATRIX), catalog);
  return exampleSets.map(({ serving, dir }) => ({ dir, files: generateForMatrix(catalog, matrix, { serving, source: EXAMPLE_MATRIX }).files }));
}

/** Rewrites manifests/examples/ (npm run manifests). */
export function writeExamples(): string[] {
  return generateExamples().flatMap(({ dir, files }) => writeManifests(resolve(projectRoot, dir), files, EXAMPLE_MATRIX).written.map((f) => `${dir}/${f}`));
}

const invoked = process.argv[1] ? resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  const written = writeExamples();
  process.stderr.write(`wrote ${written.length} files under manifests/examples/\n`);
}
