import { describe, expect, it } from 'vitest';
import { defaultRules } from '../../src/gate/gate-file.js';
import { gate, type Baseline } from '../../src/gate/gate.js';
import { gateJunit, gateMarkdown } from '../../src/gate/outputs.js';
import type { BenchmarkRecord } from '../../src/report/records.js';

const rules = defaultRules.filter((r) => r.metric === 'ttft_ms_p95');
const rec = (key: string, ttft: number, status = 'done'): BenchmarkRecord => ({ cell_key: key, status, ttft_ms_p95: ttft });
const five = (key: string, level: number): BenchmarkRecord[] => [0.98, 0.99, 1, 1.01, 1.02].map((f) => rec(key, level * f));
const baseline = (records: BenchmarkRecord[], matrixHash = 'h1'): Baseline => ({ name: 'nightly', createdAt: '', runId: 'r0', matrixHash, tools: {}, records });

describe('gate', () => {
  it('a 10 % slower cell fails the gate and is named with its metric', () => {
    const o = gate(baseline([...five('d/keda/step/8', 400), ...five('d/cpu/step/8', 400)]), { records: [...five('d/keda/step/8', 445), ...five('d/cpu/step/8', 401)], matrixHash: 'h1' }, rules);
    expect(o.passed).toBe(false);
    expect(o.counts).toEqual({ pass: 1, regression: 1, improvement: 0, inconclusive: 0 });
    const bad = o.cells.find((c) => c.comparisons.some((m) => m.verdict === 'regression'))!;
    expect(bad.key).toBe('d/keda/step/8');
    expect(bad.comparisons[0]!.metric).toBe('ttft_ms_p95');
  });

  it('cells on one side only are reported, not dropped; a matrix change is a warning', () => {
    const o = gate(baseline([rec('a', 1), rec('gone', 1)], 'h1'), { records: [rec('a', 1), rec('new', 1)], matrixHash: 'h2' }, rules);
    expect(o.onlyInBaseline).toEqual(['gone']);
    expect(o.onlyInCurrent).toEqual(['new']);
    expect(o.warnings[0]).toMatch(/the matrix changed since the baseline/);
    expect(o.passed).toBe(true);
  });

  it('failed cells are not compared', () => {
    const o = gate(baseline([rec('a', 100)]), { records: [rec('a', 900, 'failed')], matrixHash: 'h1' }, rules);
    expect(o.cells).toEqual([]);
    expect(o.onlyInBaseline).toEqual(['a']);
  });

  it('Markdown and JUnit name the regression', () => {
    const o = gate(baseline(five('k', 400)), { records: five('k', 460), matrixHash: 'h1' }, rules);
    expect(gateMarkdown(o, 'gate r1')).toContain('| k | ttft_ms_p95 | **REGRESSION** | 400 (n=5) | 460 (n=5) | +15.0 % |');
    const junit = gateJunit(o, 'gate r1');
    expect(junit).toContain('<testsuite name="gate r1" tests="1" failures="1" skipped="0">');
    expect(junit).toContain('<testcase classname="k" name="ttft_ms_p95">');
    expect(junit).toContain('<failure message=');
  });
});
