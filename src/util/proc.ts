import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';

/** How a supervised process is started. */
export interface ProcSpec {
  /** Short name for logs and errors, e.g. "replica r0" or "prometheus". */
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr go here (appended). Without it they are discarded. */
  logFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process in its own process group, stopped with everything it started. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ProcExit>;
  /** True once the process has exited. */
  readonly done: boolean;
  /** SIGTERM to the group, SIGKILL after graceMs. Resolves when it has exited. @default 5000 ms */
  stop(graceMs?: number): Promise<ProcExit>;
}

const live = new Set<SupervisedProc>();
let journal: string | undefined;

/**
 * Every process started through here is written as one JSON line to this file
 * (name, pid, command), so a test or a person can check that none is left.
 */
export function setProcessJournal(path: string | undefined): void {
  journal = path;
}

class SupervisedProc implements Proc {
  readonly exited: Promise<ProcExit>;
  done = false;
  constructor(
    readonly name: string,
    private readonly child: ChildProcess & { pid: number },
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.done = true;
        live.delete(this);
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.done) return;
    try {
      process.kill(-this.pid, sig); // the whole group: wrappers take their children along
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  async stop(graceMs = 5000): Promise<ProcExit> {
    if (this.done) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Starts a process in a new process group. Throws if the program cannot be
 * started (ENOENT and the like) with a message naming it.
 */
export async function startProc(spec: ProcSpec): Promise<Proc> {
  const fd = spec.logFile ? openSync(spec.logFile, 'a') : undefined;
  const out = fd ?? 'ignore';
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ['ignore', out, out],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`${spec.name}: cannot start ${spec.command}: ${err.message}`)));
  });
  const proc = new SupervisedProc(spec.name, child as ChildProcess & { pid: number });
  live.add(proc);
  if (journal) {
    appendFileSync(journal, `${JSON.stringify({ name: spec.name, pid: proc.pid, command: spec.command, started: new Date().toISOString() })}\n`);
  }
  return proc;
}

/** Stops every live process started through startProc. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(graceMs)));
}

/** Number of live supervised processes (for tests and shutdown messages). */
export function liveCount(): number {
  return live.size;
}

// Last line of defence: whatever way this process exits, take the groups along.
process.on('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

/** True if a process with this pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // "pid (comm) S ..." — comm may hold spaces and parentheses, so cut at the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
