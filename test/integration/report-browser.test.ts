import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandCells } from '../../src/matrix/expand.js';
import { writeReport } from '../../src/report/write.js';
import { EVIL_MODEL, writeFixtureRun } from '../report-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

/**
 * index.html of a synthetic run (no simulator needed), opened from disk in
 * headless Chromium with every request that is not file:// aborted.
 */
describe.skipIf(!existsSync(CHROMIUM))('index.html in a real browser, offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalebench-report-browser-'));
  const screenshot = join(dir, 'report.png');
  const errors: string[] = [];
  const blocked: string[] = [];
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const run = writeFixtureRun(join(dir, 'reports'));
    writeReport(run, expandCells(run.record.matrix));
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'scalebench-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      // playwright passes --user-data-dir (the new temp dir above) itself.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1300, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    await page.goto(`file://${join(run.root, 'index.html')}`);
    await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((d) => d.querySelector('svg .mark-line, svg .mark-symbol, svg .mark-rect')), undefined, { timeout: 30_000 });
    await page.screenshot({ path: screenshot, fullPage: true });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
  });

  it('renders every chart as an SVG with marks, with no console errors and no network', async () => {
    const charts = await page.$$eval('.chart', (divs) =>
      divs.map((d) => ({ id: d.id, marks: d.querySelectorAll('svg .mark-line path, svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line').length })),
    );
    expect(charts.map((c) => c.id)).toEqual(['chart-replicas-8', 'chart-replicas-32', 'chart-ttft', 'chart-tpot', 'chart-pareto', 'chart-lag']);
    for (const c of charts) expect(c.marks, c.id).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  });

  it('shows a model name holding <script> as text, and runs none of it', async () => {
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const html = readFileSync(join(dir, 'reports', 'fixture-run', 'index.html'), 'utf8');
    expect(html).not.toContain(EVIL_MODEL);
    const modelCells = await page.$$eval('#cells tbody td:nth-child(3)', (tds) => tds.map((t) => t.textContent));
    expect(modelCells).toHaveLength(12);
    for (const m of modelCells) expect(m).toBe(EVIL_MODEL);
    expect(await page.textContent('table.meta')).toContain('k6 v1.8.1 <b>');
  });

  it('sorts the cell table by a column, both ways', async () => {
    const col = await page.$$eval('#cells th', (ths) => ths.findIndex((t) => t.textContent === 'scale_up_lag_s'));
    const read = (): Promise<number[]> => page.$$eval(`#cells tbody tr td:nth-child(${col + 1})`, (tds) => tds.map((t) => Number(t.textContent)));
    await page.click(`#cells th[data-col="${col}"]`);
    const asc = await read();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(new Set(asc).size).toBeGreaterThan(1);
    await page.click(`#cells th[data-col="${col}"]`);
    expect(await read()).toEqual([...asc].sort((a, b) => b - a));
  });
});
