import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, scratch } from './helpers.js';

/** A built module (a path the compiler does not resolve: typed as the source's). */
const built = (path: string): Promise<unknown> => import(join(projectRoot, 'dist', path));

/**
 * The parallel reader runs its worker from dist/ (a worker thread loads
 * JavaScript), so this test imports the built modules.
 */
describe('points.jsonl read on several threads', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('gives the same summary and SLO windows as one pass in file order', async () => {
    const { generateRun } = (await built('bench/analysis.js')) as typeof import('../../src/bench/analysis.js');
    const { accumulatePoints } = (await built('analysis/points-parallel.js')) as typeof import('../../src/analysis/points-parallel.js');
    const { sloWindows } = (await built('analysis/windows.js')) as typeof import('../../src/analysis/windows.js');
    const root = await generateRun(join(scratch(), 'run'), 30_000);
    const cellDir = join(root, 'cells', readdirSync(join(root, 'cells'))[0]!);
    const file = join(cellDir, 'points.jsonl');
    const slo = { ttft_ms_p95: 80, tpot_ms_p95: 12 };
    const one = accumulatePoints(file, slo, 60_000, { threads: 1 });
    for (const threads of [2, 3]) {
      const many = accumulatePoints(file, slo, 60_000, { threads, minBytes: 0 });
      expect(many.t.length).toBe(30_000);
      expect(Array.from(many.t.view())).toEqual(Array.from(one.t.view()));
      expect(many.summary()).toEqual(one.summary());
      const from = one.t.view()[0]!;
      expect(sloWindows(many, from, from + 60_000, 1000, slo)).toEqual(sloWindows(one, from, from + 60_000, 1000, slo));
    }
  }, 60_000);
});
