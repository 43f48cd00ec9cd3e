import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Target } from '../../../src/targets/target.js';
import { expandCells } from '../../../src/matrix/expand.js';
import { parseMatrix } from '../../../src/matrix/load.js';
import { LocalTarget } from '../../../src/targets/local/local-target.js';
import { RUN_JOURNAL_ENV } from '../../../src/util/proc.js';
import { findTool } from '../../../src/util/tools.js';
import { scratch } from '../helpers.js';
import { projectCatalog } from '../../../src/catalog/catalog.js';

/**
 * Run by test/integration/leftovers.test.ts in a vitest of its own: starts a
 * local target with one simulator replica, reports what it started and
 * created to $LEFTOVERS_OUT, then ends as $LEFTOVERS_MODE says, never
 * closing the target: fail, throw in a hook, time out, die, or hang until
 * the run is interrupted.
 */

const out = process.env.LEFTOVERS_OUT!;
const mode = process.env.LEFTOVERS_MODE!;

const matrix = `name: leftovers
target: { kind: local, scrape_interval: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: 10ms, itl: 5ms }
load: { shape: constant, users: [1], duration: 10s }
`;

if (mode === 'hook') {
  afterAll(() => {
    throw new Error('a hook that throws');
  });
}

let target: Target;

beforeAll(async () => {
  const dir = scratch();
  const own = mkdtempSync(join(tmpdir(), 'scalebench-leftovers-'));
  const m = parseMatrix(matrix, 'leftovers.yaml', projectCatalog());
  const cell = expandCells(m)[0]!;
  mkdirSync(join(dir, 'cell'));
  target = await LocalTarget.open({
    simBinary: findTool('sim'),
    prometheusBinary: findTool('prometheus'),
    routerBinary: findTool('router'),
    catalog: projectCatalog(),
    scrapeIntervalMs: 500,
    logDir: join(dir, 'logs'),
  });
  await target.deploy({ cell, workload: m.workload, dir: join(dir, 'cell'), onEvent: () => {} });
  await target.waitReady(60_000);
  // What the outer test checks afterwards: every process journaled in this run, and the folders.
  copyFileSync(process.env[RUN_JOURNAL_ENV]!.split(delimiter)[0]!, join(out, 'processes.jsonl'));
  writeFileSync(join(out, 'started.json'), JSON.stringify({ tmp: tmpdir(), dirs: [dir, own] }));
}, 120_000);

it(
  `has started a simulator through the local target, then ${mode}`,
  async () => {
    switch (mode) {
      case 'fail':
        expect(target.counts().ready).toBe(2);
        break;
      case 'hook':
        break;
      case 'crash':
        process.kill(process.pid, 'SIGKILL');
        break;
      case 'timeout':
      case 'interrupt':
        await new Promise(() => {});
        break;
      default:
        throw new Error(`LEFTOVERS_MODE=${mode}?`);
    }
  },
  mode === 'timeout' ? 1000 : 120_000,
);
