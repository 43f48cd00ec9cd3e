import { describe, expect, it } from 'vitest';
import { latencyChart, replicasChart } from '../../src/report/charts.js';
import { escapeHtml, scriptJson } from '../../src/report/html.js';
import { summaryMarkdown } from '../../src/report/markdown.js';
import type { BenchmarkRecord } from '../../src/report/records.js';

const rec = (autoscaler: string, ttft: number, attainment: number, cost: number, level = 8): BenchmarkRecord => ({
  autoscaler, level, status: 'done', ttft_ms_p95: ttft, tpot_ms_p95: 20, slo_attainment: attainment, replica_seconds: cost * 100, cost_usd: cost, scale_up_lag_s: null,
});

describe('summary.md', () => {
  it('averages repeats, bolds the best value per metric and names the winners', () => {
    const md = summaryMarkdown('t', [rec('cpu', 300, 0.9, 0.02), rec('cpu', 340, 0.8, 0.02), rec('keda', 200, 0.99, 0.03)]);
    expect(md).toContain('| cpu | 320 | **20.00** | 0.850 | **2.00** | **0.020** | – |'); // ties are bold on both rows
    expect(md).toContain('| keda | **200** | **20.00** | **0.990** | 3.00 | 0.030 | – |');
    expect(md).toContain('Best: p95 TTFT (ms): keda; p95 TPOT (ms): cpu, keda; SLO attainment: keda; replica·s: cpu; cost (USD): cpu');
  });

  it('keeps a pipe in a name from breaking the table', () => {
    expect(summaryMarkdown('a|b', [rec('x|y', 1, 1, 1)])).toContain('| x\\|y |');
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

describe('charts as data', () => {
  it('the latency chart has the SLO as a rule layer only when there is an SLO', () => {
    expect((latencyChart([], 'ttft_ms_p95', 500).layer as unknown[]).length).toBe(2);
    expect((latencyChart([], 'ttft_ms_p95', undefined).layer as unknown[]).length).toBe(1);
  });
  it('the replicas chart plots one level, first repeat, with the offered load on an independent axis', () => {
    const row = { cell_id: 'c', autoscaler: 'a', repeat: 1, elapsed_s: 0, phase: 'load', offered: 2, replicas_desired: 1, replicas_ready: 1, ttft_p95_ms: null, waiting: null };
    const spec = replicasChart([{ ...row, level: 8 }, { ...row, level: 16 }, { ...row, level: 8, repeat: 2 }], 8);
    expect((spec.data as { values: unknown[] }).values).toHaveLength(1);
    expect(spec.resolve).toEqual({ scale: { y: 'independent' } });
  });
});
