import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../util/tools.js';

/**
 * The helm binary, found as scripts/setup-helm provides it: $SCALEBENCH_HELM,
 * then .tools/bin/helm, then PATH. scalebench never needs Helm to run; the
 * chart tests and users who lint or install a generated chart do.
 */

export const HELM_FIX = 'run scripts/setup-helm (builds helm v3.22.0 from the Go module proxy into .tools/bin), or name a helm binary with SCALEBENCH_HELM';

const executable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The path of helm, or undefined. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SCALEBENCH_HELM) return executable(env.SCALEBENCH_HELM) ? env.SCALEBENCH_HELM : undefined;
  const local = join(projectRoot, '.tools', 'bin', 'helm');
  if (executable(local)) return local;
  return (env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'helm'))
    .find((p) => p !== 'helm' && executable(p));
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with `args` (no cluster unless the args say so: KUBECONFIG from `env`). */
export function runHelm(helm: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): HelmResult {
  const r = spawnSync(helm, args, { encoding: 'utf8', env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}
