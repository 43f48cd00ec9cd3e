import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingToolError } from './errors.js';

/** The project root (where package.json is), from this file's location in src/ or dist/. */
export const projectRoot: string = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** The external programs scalebench runs, and how each one is found. */
export const tools = {
  k6: { env: 'SCALEBENCH_K6', bin: 'k6' },
  prometheus: { env: 'SCALEBENCH_PROMETHEUS', bin: 'prometheus' },
  sim: { env: 'SCALEBENCH_SIM', bin: 'llm-d-inference-sim' },
  router: { env: 'SCALEBENCH_ROUTER', bin: 'scalebench-router' },
  wrk: { env: 'SCALEBENCH_WRK', bin: 'wrk' },
  chromium: { env: 'SCALEBENCH_CHROMIUM', bin: 'chromium' },
} as const;
export type ToolName = keyof typeof tools;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a tool the way scripts/setup installs it: the environment variable
 * first, then the project's .tools/bin, then PATH. k6 on PATH is only taken
 * when it carries the k6/x/llmstream extension (scripts/setup checks that).
 */
export function findTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const spec = tools[name];
  const fromEnv = env[spec.env];
  if (fromEnv) {
    if (!executable(fromEnv)) {
      throw new MissingToolError(name, `${spec.env}=${fromEnv} is not an executable file`);
    }
    return fromEnv;
  }
  const local = join(projectRoot, '.tools', 'bin', spec.bin);
  if (executable(local)) return local;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, spec.bin);
    if (executable(candidate) && (name !== 'k6' || k6HasExtension(candidate))) return candidate;
  }
  throw new MissingToolError(name, `not found (looked at $${spec.env}, .tools/bin/${spec.bin} and PATH)`);
}

/** Whether a k6 binary was built with scalebench's streaming extension. */
export function k6HasExtension(path: string): boolean {
  try {
    return execFileSync(path, ['version'], { encoding: 'utf8', timeout: 10_000 }).includes('k6/x/llmstream');
  } catch {
    return false;
  }
}

/** First line a tool prints for its version, for run.json. */
export function toolVersion(path: string, args: readonly string[] = ['--version']): string {
  try {
    const out = execFileSync(path, [...args], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return (
      out
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? 'unknown'
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return (
      text
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? 'unknown'
    );
  }
}
