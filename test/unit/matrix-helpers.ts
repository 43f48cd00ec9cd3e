import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { loadMatrix } from '../../src/matrix/load.js';
import type { ResolvedMatrix } from '../../src/matrix/types.js';
import { ExitCode, UserError } from '../../src/util/errors.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/** A scratch directory from mkdtemp, removed after the file's tests. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scalebench-matrix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `yaml` as dir/name and loads it. */
export function loadYaml(dir: string, yaml: string, name = 'm.yaml'): ResolvedMatrix {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return loadMatrix(file, projectCatalog());
}

/**
 * Writes the YAML as dir/m.yaml and returns the message loadMatrix throws
 * (a UserError, exit code 2) with the scratch directory cut off the paths.
 */
export function problems(dir: string, yaml: string): string {
  try {
    loadYaml(dir, yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    return (err as Error).message.replaceAll(`${dir}/`, '');
  }
  throw new Error('the matrix was accepted');
}

/** A deployment line and a load line that are valid on the local target. */
export const D = 'deployments: [{ name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 } }]';
export const L = 'load: { shape: constant, users: [4], duration: 1m }';
