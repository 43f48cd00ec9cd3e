import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { planMatrix, planTable, registerPlan, type Plan } from '../../src/cli/plan.js';
import { CELL_OVERHEAD_MS, estimateCellMs, estimateRunMs, expandCells } from '../../src/matrix/expand.js';
import { defaults } from '../../src/matrix/defaults.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { UserError } from '../../src/util/errors.js';
import { projectRoot } from '../../src/util/tools.js';
import { loadYaml, scratchDir } from './matrix-helpers.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const UNTIL_IDLE_ESTIMATE_MS = defaults.load.untilIdleEstimateMs;
const dir = scratchDir();
const nightlyFile = join(projectRoot, 'matrices', 'nightly.yaml');

const small = (extra = ''): string => `name: small
deployments:
  - { name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 }, simulator: { startup: 10s } }
autoscalers: [{ name: fixed, kind: fixed }, { name: cpu, kind: hpa-cpu, target_utilization: 70 }]
load: { shape: arrival-rate, rates: [0.5, 2], duration: 2m, warmup: 20s }
${extra}`;

describe('estimates', () => {
  it.each([
    ['local, until-idle', '', CELL_OVERHEAD_MS.local + 10_000 + 20_000 + 120_000 + UNTIL_IDLE_ESTIMATE_MS],
    ['time_scale 1, written out', 'time_scale: 1\n', CELL_OVERHEAD_MS.local + 10_000 + 20_000 + 120_000 + UNTIL_IDLE_ESTIMATE_MS],
    ['time_scale 0.5', 'time_scale: 0.5\n', CELL_OVERHEAD_MS.local + 5000 + 10_000 + 60_000 + UNTIL_IDLE_ESTIMATE_MS / 2],
    [
      'a cluster (no simulated startup)',
      'target: { kind: kubernetes, namespace: b }\n',
      CELL_OVERHEAD_MS.kubernetes + 20_000 + 120_000 + UNTIL_IDLE_ESTIMATE_MS,
    ],
  ])('of one cell: %s', (_, extra, expected) => {
    const m = loadYaml(dir, small(extra));
    const cells = expandCells(m);
    expect(cells.map((c) => estimateCellMs(c, m))).toEqual(cells.map(() => expected));
    expect(estimateRunMs(m)).toBe(4 * expected);
  });

  it('of a fixed settle is that settle', () => {
    const m = loadYaml(dir, small().replace('warmup: 20s', 'warmup: 20s, settle: 45s'));
    expect(estimateCellMs(expandCells(m)[0]!, m)).toBe(CELL_OVERHEAD_MS.local + 10_000 + 20_000 + 120_000 + 45_000);
  });
});

describe('plan', () => {
  it('of nightly.yaml: 18 cells, total = sum of the cells', () => {
    const m = loadMatrix(nightlyFile, projectCatalog());
    const plan = planMatrix(m);
    expect(plan.cells).toHaveLength(18);
    expect(plan.estimatedMs).toBe(plan.cells.reduce((s, c) => s + c.estimatedMs, 0));
    expect(plan.estimatedMs).toBe(estimateRunMs(m));
    expect(plan.cells[17]).toMatchObject({ index: 17, deployment: 'llama8b-h100', autoscaler: 'keda', shape: 'step', level: 64, repeat: 2 });
  });

  it('as a table', () => {
    const plan = planMatrix(loadYaml(dir, small()));
    const id = (i: number): string => plan.cells[i]!.id;
    expect(planTable(plan)).toBe(
      [
        `#  id${' '.repeat(id(0).length - 2)}  deployment  autoscaler  shape         level  repeat  estimate`,
        `0  ${id(0)}  d           fixed       arrival-rate    0.5       1     2m50s`,
        `1  ${id(1)}    d           fixed       arrival-rate      2       1     2m50s`,
        `2  ${id(2)}    d           cpu         arrival-rate    0.5       1     2m50s`,
        `3  ${id(3)}      d           cpu         arrival-rate      2       1     2m50s`,
        '',
        `4 cells, estimated wall time 11m20s (matrix small, hash ${plan.hash.slice(0, 12)})`,
        '',
      ].join('\n'),
    );
  });
});

describe('scalebench plan', () => {
  afterEach(() => vi.restoreAllMocks());

  async function cli(args: string[]): Promise<string> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const program = new Command('scalebench').exitOverride();
    registerPlan(program);
    await program.parseAsync(['node', 'scalebench', ...args]);
    return out;
  }

  it('--json prints the plan and nothing else', async () => {
    const out = await cli(['plan', nightlyFile, '--json']);
    const plan = JSON.parse(out) as Plan;
    expect(Object.keys(plan)).toEqual(['matrix', 'hash', 'cells', 'estimatedMs']);
    expect(plan).toEqual(planMatrix(loadMatrix(nightlyFile, projectCatalog())));
  });

  it('prints the table without --json', async () => {
    expect(await cli(['plan', nightlyFile])).toBe(planTable(planMatrix(loadMatrix(nightlyFile, projectCatalog()))));
  });

  it('lets a bad matrix fail as a UserError (main prints it, exit code 2)', async () => {
    await expect(cli(['plan', join(dir, 'absent.yaml')])).rejects.toBeInstanceOf(UserError);
  });
});
