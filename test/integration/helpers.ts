import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../../src/util/proc.js';
import { projectRoot } from '../../src/util/tools.js';

const cliMain = join(projectRoot, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The CLI under test is the built one (bin/scalebench.js → dist/); build it if src/ is newer. */
export function ensureBuilt(): void {
  if (existsSync(cliMain) && statSync(cliMain).mtimeMs >= newestMtime(join(projectRoot, 'src'))) return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'inherit' });
}

export function scratch(prefix = 'scalebench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeMatrix(dir: string, name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `scalebench <args>` as a user would; CI=true keeps progress to one line per cell. */
export function spawnCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'scalebench.js'), ...args], {
    cwd: opts.cwd,
    env: { ...process.env, CI: 'true', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/** The pids a run started, from its processes.jsonl. */
export function startedPids(runDir: string): Array<{ name: string; pid: number }> {
  const file = join(runDir, 'processes.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { name: string; pid: number });
}

export function alivePids(runDir: string): Array<{ name: string; pid: number }> {
  return startedPids(runDir).filter((p) => pidAlive(p.pid));
}

/** The single run directory under a reports directory. */
export function onlyRun(reports: string): string {
  const runs = readdirSync(reports).filter((d) => existsSync(join(reports, d, 'run.json')));
  if (runs.length !== 1) throw new Error(`expected one run in ${reports}, found ${runs.join(', ') || 'none'}`);
  return join(reports, runs[0]!);
}

export function readJsonFile<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
