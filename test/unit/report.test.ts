import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../../src/matrix/expand.js';
import { analyzeRun } from '../../src/report/analyze-run.js';
import { lagChart, latencyChart, paretoFront, reportCharts, type Spec } from '../../src/report/charts.js';
import { escapeHtml, scriptJson } from '../../src/report/html.js';
import { mdText, summaryMarkdown } from '../../src/report/markdown.js';
import type { BenchmarkRecord } from '../../src/results/records.js';
import { summaryColumns } from '../../src/report/summary-csv.js';
import { cellMetrics } from '../../src/vocabulary/metrics.js';
import { levelSections } from '../../src/report/levels.js';
import { levelCharts, writeReport } from '../../src/report/write.js';
import { levelVerdicts } from '../../src/analysis/verdicts.js';
import { EVIL_MODEL, writeFixtureRun } from '../report-fixture.js';

const rec = (autoscaler: string, ttft: number, attainment: number, cost: number, over: Partial<BenchmarkRecord> = {}): BenchmarkRecord => ({
  deployment: 'd',
  autoscaler,
  level: 8,
  status: 'done',
  ttft_ms_p95: ttft,
  tpot_ms_p95: 20,
  slo_attainment: attainment,
  cost_usd: cost,
  scale_up_lag_s: null,
  ...over,
});

describe('summary.md', () => {
  const md = summaryMarkdown({ title: 't', lines: [] }, [rec('cpu', 300, 0.9, 0.02), rec('cpu', 340, 0.8, 0.02), rec('keda', 200, 0.99, 0.03)]);

  it('averages repeats with a 95 % CI, and bolds the best mean of each metric', () => {
    // cpu TTFT: mean 320, s = 28.28, half-width 12.706 · 28.28 / √2 = 254.1
    expect(md).toContain('| cpu | 2 | 85 % ± 63.5 % | 320 ms ± 254 ms | 20 ms | **$0.02** |');
    expect(md).toContain('| keda | 1 | **99 %** | **200 ms** | 20 ms | $0.03 |');
  });

  it('names the winner per metric, and none where every autoscaler ties', () => {
    expect(md).toContain('- SLO attainment: keda (99 %)\n- TTFT p95: keda (200 ms)\n- cost: cpu ($0.02)\n');
    expect(md).not.toContain('- TPOT p95');
  });

  it('keeps names as text: markup as entities, table syntax escaped', () => {
    expect(mdText('x|y <script>*_')).toBe('x\\|y &lt;script&gt;\\*\\_');
    expect(summaryMarkdown({ title: '<b>', lines: [] }, [rec('a|<i>', 1, 1, 1)])).toContain('| a\\|&lt;i&gt; |');
  });
});

describe('HTML safety', () => {
  it('escapes markup in text', () => {
    expect(escapeHtml('<script>"x" & \'y\'</script>')).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  });
  it('JSON inside a script element cannot close it', () => {
    expect(scriptJson({ m: '</script><script>alert(1)</script>' })).not.toContain('</script');
    expect(JSON.parse(scriptJson({ m: '</script>' }))).toEqual({ m: '</script>' });
  });
});

/** Compiles a Vega-Lite spec, collecting its warnings: a spec that compiles clean is one Vega can draw. */
function compiles(spec: Spec): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    warn: (...m: unknown[]) => (warnings.push(m.join(' ')), logger),
    info: () => logger,
    debug: () => logger,
    error: (...m: unknown[]) => (warnings.push(m.join(' ')), logger),
  };
  compile(spec as never, { logger: logger as never });
  return warnings;
}

describe('charts as data', () => {
  it('each level has its aligned time series (five panels, one time axis) and its anatomy, and both compile', () => {
    const run = writeFixtureRun(mkdtempSync(join(tmpdir(), 'scalebench-levels-')));
    const a = analyzeRun(run, expandCells(run.record.matrix));
    const records = a.cells.map((c) => ({
      status: 'done',
      validity: 'valid',
      deployment: c.cell.deployment.name,
      shape: c.cell.load.shape,
      level: c.cell.level,
      autoscaler: c.cell.autoscaler.name,
      cell_id: c.cell.id,
      slo_attainment: c.client!.slo.attainment ?? null,
      replica_seconds: c.scaling!.replicaSeconds,
    }));
    const levels = levelSections(a, levelVerdicts(records));
    expect(levels.map((l) => [l.level, l.series.length, l.anatomy.length])).toEqual([
      [8, 6, 6],
      [32, 6, 6],
    ]);
    const [timeline, anatomy] = levelCharts(levels[1]!, run.record.matrix.slo);
    expect((timeline!.spec!.vconcat as unknown[]).length).toBe(5);
    expect(timeline!.spec!.resolve).toEqual({ scale: { x: 'shared', color: 'shared' } });
    for (const c of [timeline!, anatomy!]) expect(compiles(c.spec!), c.id).toEqual([]);
    const bars = (anatomy!.spec!.data as { values: Array<Record<string, unknown>> }).values.filter((v) => v.setup === 'cpu r1' && v.direction === 'scale-up');
    // decision 1 s after the step at 10 s, ready 1 s after that: detect and decide end together (no metric in the samples)
    expect(bars.map((b) => [b.from, b.to])).toEqual([
      [10, 11],
      [11, 11],
      [11, 11],
      [11, 12],
      [12, 12],
      [12, 20],
    ]);
  });

  it('the latency chart has the means, their CI and the SLO as a rule only when there is an SLO', () => {
    const records = [rec('cpu', 300, 0.9, 0.02), rec('cpu', 340, 0.8, 0.02)];
    const spec = latencyChart(records, 'ttft_ms_p95', 500);
    expect((spec.layer as unknown[]).length).toBe(3);
    expect((latencyChart(records, 'ttft_ms_p95', undefined).layer as unknown[]).length).toBe(2);
    const m = (spec.data as { values: Array<Record<string, number>> }).values[0]!;
    expect(m).toMatchObject({ autoscaler: 'cpu', level: 8, mean: 320, n: 2 });
    // 320 ± 12.706 · 28.28 / √2
    expect([m.lo, m.hi]).toEqual([expect.closeTo(65.88, 2), expect.closeTo(574.12, 2)]);
  });

  it('the Pareto front keeps the points no cheaper point beats on attainment', () => {
    const pts = [
      { cost: 3, attainment: 0.99 },
      { cost: 1, attainment: 0.8 },
      { cost: 2, attainment: 0.7 },
      { cost: 2, attainment: 0.95 },
    ];
    expect(paretoFront(pts)).toEqual([
      { cost: 1, attainment: 0.8 },
      { cost: 2, attainment: 0.95 },
      { cost: 3, attainment: 0.99 },
    ]);
  });

  it('the lag chart is left out when no cell scaled up', () => {
    expect(lagChart([rec('cpu', 1, 1, 1)])).toBeUndefined();
    expect(lagChart([rec('cpu', 1, 1, 1, { scale_up_decision_s: 1, scale_up_lag_s: 2, recovery_s: 3 })])).toBeDefined();
  });

  it('every chart of a report compiles with Vega-Lite without a warning', () => {
    const records = [
      rec('cpu', 300, 0.9, 0.02, { scale_up_lag_s: 2, scale_up_decision_s: 1, gpu_hours: 0.1 }),
      rec('keda', 200, 0.99, 0.03, { gpu_hours: 0.2 }),
    ];
    const charts = reportCharts(records, { ttft_ms_p95: 250, tpot_ms_p95: 25 });
    expect(charts.map((c) => c.id)).toEqual(['ttft', 'tpot', 'pareto', 'lag']);
    for (const c of charts) expect(compiles(c.spec!), c.id).toEqual([]);
  });
});

describe('summary.csv', () => {
  it("has the identity, then the metric table's cell figures under their record names, then the verdict", () => {
    expect(summaryColumns.slice(0, 19)).toEqual([
      'cell_id',
      'deployment',
      'model',
      'gpu',
      'autoscaler',
      'autoscaler_kind',
      'shape',
      'level',
      'repeat',
      'status',
      'reason',
      'requests',
      'failures',
      'error_rate',
      'achieved_rps',
      'output_tokens_per_s',
      'total_tokens_per_s',
      'prompt_tokens_mean',
      'prompt_tokens_stdev',
    ]);
    expect(summaryColumns.slice(11, -5)).toEqual(cellMetrics);
    expect(summaryColumns.slice(-5)).toEqual(['saturation', 'validity', 'validity_reasons', 'error_sources', 'server_ttft_excludes_queue']);
  });
});

describe('the report of a synthetic run', () => {
  const run = writeFixtureRun(mkdtempSync(join(tmpdir(), 'scalebench-report-')));
  const files = writeReport(run, expandCells(run.record.matrix));
  const read = (name: string): string => readFileSync(join(run.root, name), 'utf8');

  it('writes every file, one row or record per cell', () => {
    expect(files.map((f) => f.slice(run.root.length + 1))).toEqual([
      'run.json',
      'summary.csv',
      'timeseries.csv',
      'records.jsonl',
      'anatomy.json',
      'summary.md',
      'index.html',
    ]);
    expect(read('summary.csv').trim().split('\n')).toHaveLength(13);
    expect(read('timeseries.csv').trim().split('\n')).toHaveLength(1 + 12 * 37);
    expect(read('records.jsonl').trim().split('\n')).toHaveLength(12);
  });

  it('records carry every field in one order, and the fields the gate reads', () => {
    const records = read('records.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BenchmarkRecord);
    const keys = Object.keys(records[0]!);
    for (const r of records) expect(Object.keys(r)).toEqual(keys);
    for (const f of ['status', 'cell_key', 'ttft_ms_p95', 'tpot_ms_p95', 'e2e_ms_p95', 'slo_attainment', 'achieved_rps', 'replica_seconds'])
      expect(keys).toContain(f);
    const slow = records.find((r) => r.autoscaler === 'cpu' && r.level === 32 && r.repeat === 1)!;
    // decision 1 s after the step at 10 s, replica ready 1 s later, TTFT over the SLO until then
    expect(slow).toMatchObject({
      model: EVIL_MODEL,
      cell_key: 'sim/cpu/step/32',
      scale_up_decision_s: 1,
      scale_up_lag_s: 2,
      recovery_s: 2,
      scale_down_lag_s: 5,
      oscillations: 1,
      gpu_cost_usd_per_hour: 0.8,
    });
  });

  it('shows the model name as text in summary.md and index.html', () => {
    expect(read('summary.md')).not.toContain('<script>');
    expect(read('index.html')).not.toContain(EVIL_MODEL);
    expect(read('index.html')).toContain(escapeHtml(EVIL_MODEL));
  });
});
