import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, appendFileSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { z } from 'zod';

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
  /**
   * `runner` (the default): a process group of its own inside this process's
   * session (setpgid), which on Linux also keeps it in this process's scheduler
   * autogroup. `own`: a session of its own (setsid), a scheduling group of its
   * own — for processes that stand for another machine (the cluster tier's
   * control plane). See startProc.
   */
  session?: 'own' | 'runner';
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

/** One line of a process journal. */
const journalEntrySchema = z.object({
  name: z.string(),
  pid: z.number(),
  command: z.string(),
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22): tells a reused pid from ours. */
  start: z.number().optional(),
  started: z.string(),
});
/** A line of processes.jsonl: a process the run started. */
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/**
 * Names more journals, shared by every process of a test run (set by
 * test/global-setup.ts and inherited by the CLIs it starts), which
 * sweepJournal reads at the run's end: paths separated by ":", a nested
 * run's own first, then the journals of the runs around it.
 */
export const RUN_JOURNAL_ENV = 'SCALEBENCH_PROC_JOURNAL';

/**
 * Every process started through here is written as one JSON line to this file
 * (name, pid, command), so a test or a person can check that none is left.
 */
export function setProcessJournal(path: string | undefined): void {
  journal = path;
}

/** Appends a process to the run's journal and those in $SCALEBENCH_PROC_JOURNAL. */
export function journalProcess(name: string, pid: number, command: string): void {
  const line = `${JSON.stringify({ name, pid, command, start: processStart(pid), started: new Date().toISOString() } satisfies JournalEntry)}\n`;
  const shared = (process.env[RUN_JOURNAL_ENV] ?? '').split(delimiter);
  for (const file of new Set([journal, ...shared])) if (file) appendFileSync(file, line);
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
 * How a child gets a process group of its own without a session of its own.
 * Node's `detached` calls setsid(2): a new session, which on Linux with
 * CONFIG_SCHED_AUTOGROUP (on in most distributions and on the machines
 * measured) is also a scheduling group of its own; the scheduler then shares
 * the CPU between groups before threads. setpgid(2) alone keeps the session
 * and the autogroup: perl (Debian's essential perl-base) calls it and execs the
 * program, whose pid stays. See docs/architecture.md, "Process groups and the
 * scheduler", for what each placement measured.
 */
const PGRP_EXEC = 'setpgrp(0, 0); exec { $ARGV[0] } @ARGV or do { print STDERR "cannot start $ARGV[0]: $!\n"; exit 127 }';
const perl = process.platform === 'linux' ? findOnPath('perl') : undefined;

/** The executable a command names (searched on PATH when it has no slash), or undefined. */
function findOnPath(command: string, cwd?: string): string | undefined {
  const dirs = command.includes('/') ? [isAbsolute(command) ? '' : (cwd ?? '')] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of dirs) {
    const p = d ? join(d, command) : command;
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Starts a process in a new process group: in this session (when perl is
 * there; else, and with `session: 'own'`, in a session of its own). Either way
 * a terminal's Ctrl-C reaches the runner alone, which stops the load in order,
 * and a group kill takes a wrapper's children along. Throws if the program cannot be started (missing, not executable) with
 * a message naming it.
 */
export async function startProc(spec: ProcSpec): Promise<Proc> {
  const pgrp = spec.session !== 'own' && perl !== undefined && process.env.SCALEBENCH_SETSID !== '1';
  if (pgrp && !findOnPath(spec.command, spec.cwd)) throw new Error(`${spec.name}: cannot start ${spec.command}: no such executable file`);
  const fd = spec.logFile ? openSync(spec.logFile, 'a') : undefined;
  const out = fd ?? 'ignore';
  let child: ChildProcess;
  try {
    const [command, args] = pgrp ? [perl, ['-e', PGRP_EXEC, spec.command, ...spec.args]] : [spec.command, [...spec.args]];
    child = spawn(command, args, {
      detached: !pgrp,
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
  journalProcess(spec.name, proc.pid, spec.command);
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
const killLive = (): void => {
  for (const p of live) p.signal('SIGKILL');
};
process.on('exit', killLive);
// A signal nobody handles ends the process without 'exit' (vitest stops its workers with SIGTERM):
// then kill the groups and die of the signal as before. A program that handles the signal
// itself (the CLI stops its processes gracefully) is left to do so.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, function lastResort(): void {
    if (process.listenerCount(sig) > 1) return;
    killLive();
    process.off(sig, lastResort);
    process.kill(process.pid, sig);
  });
}

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  start: number;
}

/** /proc/<pid>/stat, or undefined when there is no such process. */
function statOf(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) S ppid pgrp ..." — comm may hold spaces and parentheses, so cut at the last ")".
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), start: Number(f[19]) };
}

/** A process's start time in clock ticks since boot; undefined when it does not exist (or there is no /proc). */
export function processStart(pid: number): number | undefined {
  return statOf(pid)?.start;
}

/** Every process on the machine that is not a zombie. */
function liveProcesses(): ProcStat[] {
  if (!existsSync('/proc/self/stat')) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => statOf(Number(d)))
    .filter((s): s is ProcStat => s !== undefined && s.state !== 'Z');
}

/** Live (non-zombie) children of a process, by pid. */
export function childrenOf(pid: number): number[] {
  return liveProcesses()
    .filter((s) => s.ppid === pid)
    .map((s) => s.pid);
}

/**
 * The live processes a journal entry stands for: the process itself while it
 * is the one journaled (same start time), and what is left of its process group.
 * A group outlives its leader; Linux does not reuse a pid while it names a group.
 */
export function stillRunning(e: Pick<JournalEntry, 'pid' | 'start'>): number[] {
  const self = statOf(e.pid);
  if (self && e.start !== undefined && self.start !== e.start) return []; // the pid now belongs to another process
  return liveProcesses()
    .filter((s) => s.pid === e.pid || s.pgrp === e.pid)
    .map((s) => s.pid);
}

/** The entries of a journal file (none if it is missing; a line cut by a crash is skipped). */
export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const r = journalEntrySchema.safeParse(JSON.parse(l));
        return r.success ? [r.data] : [];
      } catch {
        return [];
      }
    });
}

/**
 * Kills (SIGKILL, group and process) whatever a journal's processes left
 * running, as the exit hook does for this process's own children; for the end
 * of a test run whose workers may have died without their exit hook. Returns
 * the entries that were still running, once they are gone.
 */
export function sweepJournal(path: string): JournalEntry[] {
  const swept: JournalEntry[] = [];
  for (const e of readJournal(path)) {
    if (stillRunning(e).length === 0) continue;
    for (const target of [-e.pid, e.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* not a group leader, or gone */
      }
    }
    swept.push(e);
  }
  // SIGKILL is delivered, not done: wait (up to 5 s) until they are gone, so their files can be removed.
  const deadline = Date.now() + 5000;
  while (swept.some((e) => stillRunning(e).length > 0) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  return swept;
}

/** True if a process with this pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const s = statOf(pid);
  return s !== undefined && s.state !== 'Z';
}
