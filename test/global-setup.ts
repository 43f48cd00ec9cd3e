import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { childrenOf, processStart, RUN_JOURNAL_ENV, stillRunning, sweepJournal, type JournalEntry } from '../src/util/proc.js';

/**
 * No leftovers from a test run, whether its tests pass, fail, time out or
 * their worker dies:
 *
 * - the run gets one temporary folder, `scalebench-vitest-*`, and TMPDIR points
 *   into it for the workers and every program they start, so each mkdtemp of a
 *   test (and of the code under test: Prometheus' storage, Chromium's profile,
 *   Go's work folder) lands there; it is removed at the end;
 * - every process started through src/util/proc.ts, or a CLI a test starts, is
 *   also journaled to the run's folder; at the end whatever is still running is
 *   killed, group and all. A worker that exits normally has done that already
 *   (proc.ts' exit hook); one that was killed has not.
 *
 * On SIGINT, SIGTERM or SIGHUP vitest would end at once without its teardown,
 * leaving its workers running their tests: the handler kills them, then sweeps.
 * A folder left by a run that was killed outright (its owner pid is gone) is
 * swept by the next run; folders of runs still going are not touched.
 * SCALEBENCH_KEEP_TMP=1 keeps the folder and prints where it is.
 */

const PREFIX = 'scalebench-vitest-';
const OWNER = 'owner.json';

interface Owner {
  pid: number;
  /** Start time in clock ticks, so a reused pid does not keep a dead run's folder. */
  start?: number;
}

function ownerOf(root: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(root, OWNER), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** Kills what a run left running and removes its folder; says what it killed. */
function sweep(root: string, why: string): void {
  const swept = sweepJournal(join(root, 'processes.jsonl'));
  if (swept.length > 0) process.stderr.write(`${why}: killed ${swept.length} process(es) left running: ${swept.map(label).join(', ')}\n`);
  if (process.env.SCALEBENCH_KEEP_TMP === '1') process.stderr.write(`SCALEBENCH_KEEP_TMP=1: the test run's temporary files are in ${root}\n`);
  else rmSync(root, { recursive: true, force: true, maxRetries: 5 });
}

const label = (e: JournalEntry): string => `${e.name} (pid ${e.pid})`;

/** Folders of earlier runs whose vitest is gone (killed outright, so no teardown ran). */
function sweepDeadRuns(base: string): void {
  for (const name of readdirSync(base)) {
    if (!name.startsWith(PREFIX)) continue;
    const root = join(base, name);
    const owner = ownerOf(root);
    // Without its owner file a folder cannot be told from one a run is creating now: left alone.
    if (!owner || stillRunning(owner).includes(owner.pid)) continue;
    sweep(root, `a dead test run's ${root}`);
  }
}

export default function setup(): () => void {
  const base = tmpdir();
  sweepDeadRuns(base);
  const root = mkdtempSync(join(base, PREFIX));
  writeFileSync(join(root, OWNER), JSON.stringify({ pid: process.pid, start: processStart(process.pid) } satisfies Owner));
  const outer = { TMPDIR: process.env.TMPDIR, journal: process.env[RUN_JOURNAL_ENV] };
  process.env.TMPDIR = root;
  // A run inside a test (leftovers.test.ts) journals to the outer run too, whose end sweeps again.
  process.env[RUN_JOURNAL_ENV] = [join(root, 'processes.jsonl'), ...(outer.journal ? [outer.journal] : [])].join(delimiter);

  const onSignal = (signal: NodeJS.Signals): void => {
    for (const pid of childrenOf(process.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    sweep(root, `test run interrupted (${signal})`);
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[signal]!);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.once(s, onSignal);

  return () => {
    for (const s of signals) process.off(s, onSignal);
    sweep(root, 'end of the test run');
    if (outer.TMPDIR === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer.TMPDIR;
    if (outer.journal === undefined) delete process.env[RUN_JOURNAL_ENV];
    else process.env[RUN_JOURNAL_ENV] = outer.journal;
  };
}
