import { describe, expect, it } from 'vitest';
import type { Acknowledgement } from '../../src/gate/acknowledgements.js';
import { defaultRules } from '../../src/gate/gate-file.js';
import { gate, type Baseline } from '../../src/gate/gate.js';
import { gateJunit, gateMarkdown } from '../../src/gate/outputs.js';
import type { BenchmarkRecord } from '../../src/results/records.js';

const ttftOnly = defaultRules.filter((r) => r.metric === 'ttft_ms_p95');
const spread = [0.98, 0.99, 1, 1.01, 1.02];
/** Every default rule's metric at `scale` × a fixed level, so unchanged cells compare on every rule. */
const full = (key: string, scale = 1, extra: BenchmarkRecord = {}): BenchmarkRecord[] =>
  spread.map((f, i) => ({
    cell_key: key,
    repeat: i + 1,
    status: 'done',
    validity: 'valid',
    validity_reasons: '',
    ...Object.fromEntries(defaultRules.map((r) => [r.metric, (r.metric === 'oscillations' ? 1 : 100) * f * (r.metric === 'ttft_ms_p95' ? scale : 1)])),
    ...extra,
  }));
const baseline = (records: BenchmarkRecord[], matrixHash = 'h1'): Baseline => ({ name: 'nightly', createdAt: '', runId: 'r0', matrixHash, tools: {}, records });
const cells = ['d/keda/step/8', 'd/cpu/step/8', 'd/fixed/step/8'];
const all = (scale = 1): BenchmarkRecord[] => cells.flatMap((k) => full(k, scale));

describe('gate: fails closed', () => {
  it('an unchanged rerun makes exactly cells × rules comparisons and passes', () => {
    const o = gate(baseline(all()), { records: all(), matrixHash: 'h1' }, defaultRules);
    expect(o.comparisons).toBe(cells.length * defaultRules.length);
    expect(o.rules.map((r) => r.made)).toEqual(defaultRules.map(() => cells.length));
    expect(o.problems).toEqual([]);
    expect(o.failures).toEqual([]);
    expect(o.passed).toBe(true);
  });

  it('a 10 % slower cell fails the gate and is named with its metric', () => {
    const o = gate(baseline(all()), { records: [...full(cells[0]!, 1.1), ...cells.slice(1).flatMap((k) => full(k))], matrixHash: 'h1' }, defaultRules);
    expect(o.passed).toBe(false);
    expect(o.counts.regression).toBe(1);
    expect(o.failures).toEqual(['1 regression(s): d/keda/step/8 ttft_ms_p95']);
  });

  it.each([
    [
      'a failed cell',
      (r: BenchmarkRecord[]) => r.map((x) => (x.cell_key === cells[1] && x.repeat === 2 ? { ...x, status: 'failed' } : x)),
      'failed: d/cpu/step/8: 1 of 5 repeats did not finish (status failed repeat 2)',
    ],
    [
      'an invalid cell',
      (r: BenchmarkRecord[]) =>
        r.map((x) => (x.cell_key === cells[1] ? { ...x, validity: 'invalid', validity_reasons: 'k6 dropped 40 % of iterations; no server metrics' } : x)),
      'invalid: d/cpu/step/8: 5 of 5 repeats invalid: k6 dropped 40 % of iterations; no server metrics',
    ],
    [
      'a missing cell',
      (r: BenchmarkRecord[]) => r.filter((x) => x.cell_key !== cells[1]),
      'missing: d/cpu/step/8: in the baseline (5 records), not in this run',
    ],
    [
      'a metric-less record',
      (r: BenchmarkRecord[]) =>
        r.map((x) => (x.cell_key === cells[1] && x.repeat === 3 ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'goodput_rps')) : x)),
      'missing-metric: d/cpu/step/8 goodput_rps: 1 of 5 records of this run have no field goodput_rps',
    ],
  ])('%s fails the gate, named', (_, change, failure) => {
    const o = gate(baseline(all()), { records: change(all()), matrixHash: 'h1' }, defaultRules);
    expect(o.passed).toBe(false);
    expect(o.failures).toEqual([failure]);
    expect(gateMarkdown(o, 'gate r1')).toContain('d/cpu/step/8');
    expect(gateJunit(o, 'gate r1')).toMatch(/<testcase classname="d\/cpu\/step\/8" name="[a-z_-]+">\s*<failure message="/);
  });

  it('an allowed exception is reported in every output but does not fail', () => {
    const o = gate(baseline(all()), { records: all().filter((x) => x.cell_key !== cells[1]), matrixHash: 'h1' }, defaultRules, { allow: ['missing'] });
    expect(o.passed).toBe(true);
    expect(o.problems).toEqual([{ kind: 'missing', cell: 'd/cpu/step/8', detail: 'in the baseline (5 records), not in this run', allowed: true }]);
    expect(gateMarkdown(o, 'g')).toContain('**Exceptions allowed: --allow-missing** — 1 problem(s) reported but not failed.');
    expect(gateMarkdown(o, 'g')).toContain('| d/cpu/step/8 | – | missing | no (--allow-missing) |');
    const junit = gateJunit(o, 'g');
    expect(junit).toContain('<property name="allowed" value="--allow-missing"/>');
    expect(junit).toContain('(allowed by --allow-missing)"/>');
    expect(JSON.parse(JSON.stringify(o)).allowed).toEqual(['missing']);
  });

  it('an empty run, or one whose cells all failed, fails: nothing was compared', () => {
    const empty = gate(baseline(all()), { records: [], matrixHash: 'h1' }, defaultRules, { allow: ['missing'] });
    expect(empty.passed).toBe(false);
    expect(empty.failures).toEqual(['no comparison was made: nothing was gated']);
    const failed = gate(baseline(all()), { records: all().map((x) => ({ ...x, status: 'failed' })), matrixHash: 'h1' }, defaultRules, { allow: ['failed'] });
    expect(failed.passed).toBe(false);
    expect(failed.comparisons).toBe(0);
  });

  it('a metric neither side measured is counted as not measured, not failed; the baseline measuring it makes it missing', () => {
    const noLag = (r: BenchmarkRecord[]): BenchmarkRecord[] => r.map((x) => ({ ...x, scale_up_lag_s: null }));
    const both = gate(baseline(noLag(all())), { records: noLag(all()), matrixHash: 'h1' }, defaultRules);
    expect(both.passed).toBe(true);
    expect(both.rules.find((r) => r.metric === 'scale_up_lag_s')).toMatchObject({ made: 0, notMeasured: 3, missing: 0 });
    const now = gate(baseline(all()), { records: noLag(all()), matrixHash: 'h1' }, defaultRules);
    expect(now.passed).toBe(false);
    expect(now.failures[0]).toBe('missing-metric: d/cpu/step/8 scale_up_lag_s: not measured in 5 of 5 records of this run (the baseline has it)');
  });

  it('cells new in this run are listed, not gated; a matrix change is a warning', () => {
    const o = gate(baseline(full('a'), 'h1'), { records: [...full('a'), ...full('new')], matrixHash: 'h2' }, ttftOnly);
    expect(o.onlyInCurrent).toEqual(['new']);
    expect(o.warnings[0]).toMatch(/the matrix changed since the baseline/);
    expect(o.passed).toBe(true);
  });

  it('Markdown and JUnit name the regression and state the comparisons per rule and the smallest detectable change', () => {
    const o = gate(baseline(full('k')), { records: full('k', 1.15), matrixHash: 'h1' }, ttftOnly);
    const md = gateMarkdown(o, 'gate r1');
    expect(md).toContain('| k | ttft_ms_p95 | **REGRESSION** | 100 (n=5) | 115 (n=5) | +15.0 % |');
    expect(md).toContain('| ttft_ms_p95 | 10 % or 5 | 1 of 1 | 0 | 0 | 1 | 3.5 % |');
    const junit = gateJunit(o, 'gate r1');
    expect(junit).toContain('<testsuite name="gate r1" tests="1" failures="1" skipped="0">');
    expect(junit).toContain('<property name="comparisons.ttft_ms_p95" value="1 of 1"/>');
    expect(junit).toContain('ttft_ms_p95: 1 of 1 comparisons, 1 regression(s), smallest detectable worsening 3.5 %');
  });
});

describe('gate: acknowledged changes', () => {
  const ack: Acknowledgement = {
    metric: 'ttft_ms_p95',
    cells: 'd/keda/*',
    runs: { from: 'nightly-98', to: 'nightly-120' },
    reason: 'prefill chunking on: accepted in #42',
    expires: '2026-03-01',
    at: 'gates/acknowledged.yaml:2',
  };
  const run = (now: string, runId = 'nightly-100') =>
    gate(baseline(all()), { records: [...full(cells[0]!, 1.15), ...cells.slice(1).flatMap((k) => full(k))], matrixHash: 'h1' }, defaultRules, {
      acknowledgements: [ack],
      runId,
      now: new Date(now),
    });

  it('an acknowledged regression is listed and does not fail', () => {
    const o = run('2026-03-01T23:00:00Z');
    expect(o.passed).toBe(true);
    expect(o.counts).toMatchObject({ regression: 0, acknowledged: 1 });
    expect(gateMarkdown(o, 'g')).toContain('| d/keda/step/8 | ttft_ms_p95 | acknowledged |');
    expect(gateMarkdown(o, 'g')).toContain('acknowledged until 2026-03-01: prefill chunking on: accepted in #42 (gates/acknowledged.yaml:2)');
  });

  it('it fails again after its expiry, saying so', () => {
    const o = run('2026-03-02T00:00:01Z');
    expect(o.passed).toBe(false);
    expect(o.failures).toEqual(['1 regression(s): d/keda/step/8 ttft_ms_p95']);
    expect(gateMarkdown(o, 'g')).toContain('its acknowledgement expired 2026-03-01 (gates/acknowledged.yaml:2)');
  });

  it('and outside its run range (ids in natural order)', () => {
    expect(run('2026-01-01T00:00:00Z', 'nightly-121').passed).toBe(false);
    expect(run('2026-01-01T00:00:00Z', 'nightly-99').passed).toBe(true);
  });
});
