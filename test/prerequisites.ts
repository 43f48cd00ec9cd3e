import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { findTool, projectRoot } from '../src/util/tools.js';

/** The upstream CRDs the manifest tests validate against: ../shared/crds beside the clone. */
export const crdDir = resolve(projectRoot, '..', 'shared', 'crds');

/**
 * Whether a test's prerequisite is here. Missing under CI=true, it fails the
 * test file at once, naming what is missing and how to provide it (CI must
 * never pass by skipping in silence); elsewhere the tests skip, and the
 * reason is printed.
 */
export function prerequisite(name: string, present: boolean, fix: string): boolean {
  if (present) return true;
  const message = `missing prerequisite: ${name}: ${fix}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipped: ${message}`);
  return false;
}

/**
 * A prerequisite no set-up here can provide (a source the package registries
 * here refuse): it skips in every mode, CI included, and says so on the
 * console with what was tried, so the run's output names what it did not
 * check. Only for what cannot be had; anything set-up provides uses
 * prerequisite().
 */
export function unobtainable(name: string, present: boolean, tried: string): boolean {
  if (present) return true;
  console.warn(`skipped (not obtainable on this machine): ${name}: ${tried}`);
  return false;
}

/** The CRDs in ../shared/crds (a prerequisite under CI). */
export function haveCrds(): boolean {
  return prerequisite(`upstream CRDs in ${crdDir}`, existsSync(crdDir), 'put the shared/ folder (with crds/) beside the clone');
}

/** Chromium, found as scripts/setup finds it ($SCALEBENCH_CHROMIUM, .tools/bin, PATH); undefined when missing outside CI. */
export function chromiumPath(): string | undefined {
  let path: string | undefined;
  let why = '';
  try {
    path = findTool('chromium');
  } catch (err) {
    why = (err as Error).message;
  }
  return prerequisite('chromium (the browser test of the HTML report)', path !== undefined, why || 'run scripts/setup') ? path : undefined;
}
