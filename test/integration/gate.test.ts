import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, scratch, writeMatrix } from './helpers.js';

const matrix = (ttftMs: number): string => `name: gated
target: { kind: local, scrape_interval: 500ms }
slo: { ttft_ms_p95: 500ms }
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 8 }
    replicas: { start: 1, min: 1, max: 1 }
    simulator: { ttft: ${ttftMs}ms, itl: 10ms }
load: { shape: constant, users: [4], duration: 6s }
sample_interval: 1s
`;

beforeAll(() => ensureBuilt(), 120_000);

describe('baseline and gate on the local target', () => {
  const dir = scratch();

  beforeAll(async () => {
    writeMatrix(dir, 'base.yaml', matrix(50));
    writeMatrix(dir, 'slow.yaml', matrix(120));
    for (const [file, id] of [
      ['base.yaml', 'base'],
      ['base.yaml', 'again'],
      ['slow.yaml', 'slow'],
    ] as const) {
      const res = await runCli(['run', file, '--out', 'out', '--id', id], { cwd: dir });
      expect(res.code, res.stderr).toBe(0);
    }
    const saved = await runCli(['baseline', 'save', 'base', '--name', 'nightly', '--out', 'out', '--baselines', 'baselines'], { cwd: dir });
    expect(saved.code, saved.stderr).toBe(0);
  }, 180_000);

  it('an unchanged rerun passes, stating the comparisons per rule', async () => {
    const res = await runCli(['gate', 'again', '--baseline', 'nightly', '--out', 'out', '--baselines', 'baselines', '--json'], { cwd: dir });
    expect(res.code, res.stdout).toBe(0);
    const o = JSON.parse(res.stdout) as {
      passed: boolean;
      comparisons: number;
      rules: Array<{ metric: string; made: number; notMeasured: number; cells: number }>;
    };
    expect(o.passed).toBe(true);
    // One cell: every rule either compared it or neither run measured the metric (a fixed autoscaler has no scale-up lag).
    expect(o.rules.every((r) => r.cells === 1 && r.made + r.notMeasured === 1)).toBe(true);
    expect(o.rules.find((r) => r.metric === 'ttft_ms_p95')!.made).toBe(1);
    expect(o.comparisons).toBe(o.rules.reduce((s, r) => s + r.made, 0));
  });

  it('a slower deployment fails with exit 1, naming the cell and the metric; JUnit says the same', async () => {
    const res = await runCli(['gate', 'slow', '--baseline', 'nightly', '--out', 'out', '--baselines', 'baselines', '--junit', 'gate.xml'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/: FAILED/);
    expect(res.stdout).toMatch(/\| sim\/fixed\/constant\/4 \| ttft_ms_p95 \| \*\*REGRESSION\*\* \|/);
    expect(res.stdout).toContain('one value on a side: tolerance only');
    expect(res.stderr).toMatch(/warning: the matrix changed since the baseline/);
    const junit = readFileSync(join(dir, 'gate.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="sim\/fixed\/constant\/4" name="ttft_ms_p95">\s*<failure/);
  });

  it('an acknowledged regression is listed as such, not as a regression', async () => {
    writeFileSync(
      join(dir, 'ack.yaml'),
      'acknowledged:\n  - { metric: ttft_ms_p95, cells: "sim/*", runs: { from: slow }, reason: slower simulator on purpose, expires: 2999-01-01 }\n',
    );
    const res = await runCli(['gate', 'slow', '--baseline', 'nightly', '--out', 'out', '--baselines', 'baselines', '--acknowledged', 'ack.yaml'], { cwd: dir });
    expect(res.stdout).toMatch(/\| sim\/fixed\/constant\/4 \| ttft_ms_p95 \| acknowledged \|/);
    expect(res.stdout).toContain('slower simulator on purpose (ack.yaml:2)');
  });

  it('an unknown metric in a gate file is an input error on one line, with its position', async () => {
    writeFileSync(join(dir, 'typo.yaml'), 'rules:\n  - { metric: ttft_p59 }\n  - { metric: ttfb_ms_p95, better: lower }\n');
    const res = await runCli(['gate', 'again', '--baseline', 'nightly', '--out', 'out', '--baselines', 'baselines', '--gates', 'typo.yaml'], { cwd: dir });
    expect(res.code).toBe(2);
    const why = '(names are <quantity>_<unit>_<statistic>, e.g. ttft_ms_p95; every one is in src/vocabulary/metrics.ts)';
    expect(res.stderr).toBe(
      `scalebench: typo.yaml:2:15: rules[0].metric: unknown metric "ttft_p59" ${why}\ntypo.yaml:3:15: rules[1].metric: unknown metric "ttfb_ms_p95"; did you mean "ttft_ms_p95"? ${why}\n`,
    );
  });

  it('a missing baseline is an input error naming the fix', async () => {
    const res = await runCli(['gate', 'again', '--baseline', 'nope', '--out', 'out', '--baselines', 'baselines'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('scalebench baseline save');
    expect(existsSync(join(dir, 'baselines', 'nightly.json'))).toBe(true);
  });
});
