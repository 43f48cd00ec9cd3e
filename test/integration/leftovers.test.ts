import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal, stillRunning } from '../../src/util/proc.js';
import { projectRoot } from '../../src/util/tools.js';
import { scratch, waitFor } from './helpers.js';

/**
 * No tier leaves anything behind: a test file that starts a simulator through
 * the local target (router, Prometheus, replica) and never closes it is run
 * in a vitest of its own, with the project's settings; whichever way it ends,
 * afterwards no process it started is running and no folder it created is left.
 */

const vitest = join(projectRoot, 'node_modules', 'vitest', 'vitest.mjs');
const config = join(projectRoot, 'test', 'integration', 'leftovers', 'vitest.config.ts');

interface Started {
  tmp: string;
  dirs: string[];
}

async function runFixture(mode: string): Promise<{ code: number | null; output: string; out: string }> {
  const out = scratch();
  // Its own process group, so an interrupt reaches vitest and its workers as Ctrl-C would.
  const child = spawn(process.execPath, [vitest, 'run', '--config', config], {
    cwd: projectRoot,
    env: { ...process.env, LEFTOVERS_MODE: mode, LEFTOVERS_OUT: out, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  if (mode === 'interrupt') {
    await waitFor(() => existsSync(join(out, 'started.json')), 120_000, 'the fixture to start its target');
    process.kill(-child.pid!, 'SIGINT');
  }
  return { code: await done, output, out };
}

describe('a test file that leaves its local target running', () => {
  it.each([
    ['fails', 'fail', /expected 1 to be 2/],
    ['throws in a hook', 'hook', /a hook that throws/],
    ['times out', 'timeout', /Test timed out in 1000ms/],
    ['dies (its worker is killed, so no exit hook runs)', 'crash', /Worker exited unexpectedly/],
    // Both vitest and its worker get the SIGINT; the run ends with 128 + 2.
    ['is interrupted (SIGINT to the run, as Ctrl-C)', 'interrupt', 130],
  ])(
    '%s: no process nor folder is left',
    async (_, mode, says) => {
      const { code, output, out } = await runFixture(mode);
      if (typeof says === 'number') expect(code, output).toBe(says);
      else {
        expect(output).toMatch(says);
        expect(code, output).toBe(1);
      }
      expect(existsSync(join(out, 'started.json')), `the fixture never started its target:\n${output}`).toBe(true);

      const started = readJournal(join(out, 'processes.jsonl'));
      expect(started.map((p) => p.name.replace(/^replica .*/, 'replica')).sort()).toEqual(['prometheus', 'replica', 'router']);
      const running = started.map((p) => ({ name: p.name, running: stillRunning(p) })).filter((p) => p.running.length > 0);
      expect(running, output).toEqual([]);

      const { tmp, dirs } = JSON.parse(readFileSync(join(out, 'started.json'), 'utf8')) as Started;
      expect(tmp).toMatch(/scalebench-vitest-/);
      expect(
        [tmp, ...dirs].filter((d) => existsSync(d)),
        output,
      ).toEqual([]);
    },
    180_000,
  );
});
