import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { optionsForMatrix } from '../manifests/from-matrix.js';
import type { ManifestOptions } from '../manifests/types.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedMatrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { writeAtomic } from '../results/files.js';
import { helmChart } from './chart.js';

/** The I/O shell of `generate --helm`: one deployment of the matrix as a chart under `dir`; files of an earlier chart no longer written are removed (only generated ones). Returns the paths written. */
export function writeHelmChart(catalog: Catalog, dir: string, m: ResolvedMatrix, over: Partial<ManifestOptions>, source: string): string[] {
  if (m.deployments.length !== 1) {
    throw new UserError(
      `--helm: a chart holds one deployment; ${source} has ${m.deployments.length} (${m.deployments.map((d) => d.name).join(', ')}): give --deployment <name>`,
    );
  }
  const files = helmChart({ deployment: m.deployments[0]!, autoscalers: m.autoscalers, options: optionsForMatrix(m, over), catalog, source });
  for (const f of files) writeAtomic(join(dir, f.path), f.text);
  const written = new Set(files.map((f) => f.path));
  const stale = (d: string): string[] =>
    existsSync(d) ? readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? stale(join(d, n)) : [join(d, n)])) : [];
  for (const path of stale(join(dir, 'templates'))) {
    const rel = relative(dir, path);
    if (!written.has(rel) && path.endsWith('.yaml') && readFileSync(path, 'utf8').includes('{{- if ')) rmSync(path);
  }
  return files.map((f) => f.path);
}
