import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journalProcess, readJournal, stillRunning, type JournalEntry } from '../../src/util/proc.js';
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

/**
 * A scratch folder from mkdtemp. Under vitest, tmpdir() is the test run's own
 * folder (test/global-setup.ts), removed with everything in it at the run's end.
 */
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
  // So the end of the test run kills a CLI a failed or timed-out test left running.
  if (child.pid !== undefined) journalProcess(`scalebench ${args[0] ?? ''}`.trim(), child.pid, process.execPath);
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

/** The processes a run started, from its processes.jsonl. */
export function startedPids(runDir: string): JournalEntry[] {
  return readJournal(join(runDir, 'processes.jsonl'));
}

/** Those of them still running: the process itself, or anything left in its process group. */
export function alivePids(runDir: string): Array<{ name: string; pid: number; running: number[] }> {
  return startedPids(runDir)
    .map((p) => ({ name: p.name, pid: p.pid, running: stillRunning(p) }))
    .filter((p) => p.running.length > 0);
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
