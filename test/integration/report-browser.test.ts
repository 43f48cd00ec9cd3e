import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCharts, type TimeRow } from '../../src/report/charts.js';
import { reportHtml } from '../../src/report/html.js';
import type { BenchmarkRecord } from '../../src/report/records.js';
import { findTool } from '../../src/util/tools.js';
import { scratch } from './helpers.js';

const EVIL = 'acme/<script>window.__pwned = 1</script>';

/** A synthetic run: three autoscalers at two levels, with a model name that tries to be markup. */
function fixture(): { records: BenchmarkRecord[]; rows: TimeRow[] } {
  const records: BenchmarkRecord[] = [];
  const rows: TimeRow[] = [];
  for (const [i, autoscaler] of ['cpu', 'queue', 'keda'].entries()) {
    for (const level of [8, 32]) {
      const cell = `d.${autoscaler}.step${level}.r1-0000000${i}`;
      records.push({
        cell_id: cell, model: EVIL, autoscaler, shape: 'step', level, repeat: 1, status: 'done', requests: 100 * level, failures: 0,
        ttft_ms_p95: 100 + level * (i + 1), tpot_ms_p95: 20 + i, e2e_ms_p95: 2000, slo_attainment: 0.99 - i * 0.05 - level / 1000,
        replicas_mean: 1 + i, replica_seconds: 60 * (1 + i), cost_usd: 0.01 * (1 + i), scale_up_lag_s: 5 + 10 * i, saturation: 'stable',
      });
      for (let t = 0; t < 30; t++) {
        const offered = t < 10 || t >= 20 ? level / 4 : level;
        rows.push({ cell_id: cell, autoscaler, level, repeat: 1, elapsed_s: t, phase: 'load', offered, replicas_desired: 1, replicas_ready: t > 12 + i && t < 25 ? 2 + i : 1, ttft_p95_ms: 100, waiting: 0 });
      }
    }
  }
  return { records, rows };
}

describe('index.html in a real browser, offline', () => {
  const dir = scratch();
  let browser: Browser;
  const errors: string[] = [];
  const requests: string[] = [];
  let page: Awaited<ReturnType<Browser['newPage']>>;

  beforeAll(async () => {
    const { records, rows } = fixture();
    const charts = reportCharts(records, rows, { ttftP95Ms: 200, tpotP95Ms: 25 });
    const file = join(dir, 'index.html');
    writeFileSync(file, reportHtml({ title: `run with ${EVIL}`, meta: [['model', EVIL]], charts, records }));
    browser = await chromium.launch({
      executablePath: findTool('chromium'),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // playwright gives the browser a new, empty profile directory of its own.
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => document.querySelectorAll('.chart svg').length === document.querySelectorAll('.chart').length, undefined, { timeout: 20_000 });
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders every chart as an SVG with marks, without console errors or network requests', async () => {
    const charts = await page.$$eval('.chart', (divs) => divs.map((d) => ({ id: d.id, marks: d.querySelectorAll('svg .mark-line path, svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line').length })));
    expect(charts.map((c) => c.id)).toEqual(['chart-replicas-8', 'chart-replicas-32', 'chart-ttft', 'chart-tpot', 'chart-pareto', 'chart-lag']);
    for (const c of charts) expect(c.marks, c.id).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('shows a model name holding <script> as text, and runs none of it', async () => {
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.textContent('table.meta td')).toBe(EVIL);
    const cell = await page.$$eval('#cells tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
    expect(cell).toContain(EVIL);
  });

  it('sorts the cell table by a column', async () => {
    const col = await page.$$eval('#cells th', (ths) => ths.findIndex((t) => t.textContent === 'ttft_ms_p95'));
    await page.click(`#cells th[data-col="${col}"]`);
    const values = await page.$$eval(`#cells tbody tr td:nth-child(${col + 1})`, (tds) => tds.map((t) => Number(t.textContent)));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    await page.click(`#cells th[data-col="${col}"]`);
    const desc = await page.$$eval(`#cells tbody tr td:nth-child(${col + 1})`, (tds) => tds.map((t) => Number(t.textContent)));
    expect(desc).toEqual([...values].sort((a, b) => b - a));
  });
});
