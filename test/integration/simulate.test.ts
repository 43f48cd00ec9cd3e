import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../../src/results/files.js';
import { projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, runCli, scratch } from './helpers.js';
import { benchmarkRecordSchema } from '../../src/results/records.js';

/**
 * `scalebench simulate` on the tuning example (matrices/examples/tune-step.yaml):
 * a run directory the report reads like any other, marked as simulated,
 * in seconds rather than the run's minute. No replica, k6 or Prometheus runs.
 */

beforeAll(() => ensureBuilt(), 120_000);

describe('scalebench simulate', () => {
  it('writes a run directory and its report, marked as simulated', async () => {
    const out = scratch();
    const matrix = join(projectRoot, 'matrices/examples/tune-step.yaml');
    const r = await runCli(['simulate', matrix, '--out', out, '--id', 'sim-step', '--profiles', join(out, 'none'), '--json'], { cwd: projectRoot });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as {
      run: string;
      simulated: boolean;
      cells: Array<{ id: string; client: { requests: number; attainment?: number }; oracle?: { replicaSeconds: number } }>;
    };
    expect(res.run).toBe('sim-step');
    expect(res.simulated).toBe(true);
    expect(res.cells).toHaveLength(2);
    for (const c of res.cells) {
      expect(c.client.requests).toBeGreaterThan(300);
      expect(c.oracle?.replicaSeconds).toBeGreaterThan(0);
    }
    const root = join(out, 'sim-step');
    const run = JSON.parse(readFileSync(join(root, 'run.json'), 'utf8')) as { status: string; tools: Record<string, string> };
    expect(run.status).toBe('done');
    expect(run.tools.simulation).toMatch(/^SIMULATED/);
    const records = readJsonl(join(root, 'records.jsonl'), benchmarkRecordSchema);
    expect(records).toHaveLength(2);
    for (const rec of records) {
      expect(rec.run_id).toBe('sim-step');
      expect(rec.replica_seconds).toBeGreaterThan(0);
    }
    expect(readFileSync(join(root, 'index.html'), 'utf8')).toContain('SIMULATED');
    const cell = res.cells[0]!.id;
    const result = JSON.parse(readFileSync(join(root, 'cells', cell, 'result.json'), 'utf8')) as { simulated: { service: string } };
    expect(result.simulated.service).toBe('capacity-model');
  }, 60_000);
});
