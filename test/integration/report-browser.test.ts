import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellAnatomy } from '../../src/analysis/anatomy.js';
import { expandCells } from '../../src/matrix/expand.js';
import type { BenchmarkRecord } from '../../src/results/records.js';
import type { RunRecord } from '../../src/results/run-dir.js';
import { projectRoot } from '../../src/util/tools.js';
import { writeReport } from '../../src/report/write.js';
import { EVIL_MODEL, writeFixtureRun } from '../report-fixture.js';
import { ensureBuilt, onlyRun, readJsonFile, runCli, scratch } from './helpers.js';
import { chromiumPath } from '../prerequisites.js';

/** Chromium as scripts/setup finds it ($SCALEBENCH_CHROMIUM, .tools/bin, PATH); missing under CI=true, the file fails naming it. */
const CHROMIUM = chromiumPath();
/** Screenshots are kept here (reports/ is ignored by git), one per page opened. */
const ARTIFACTS = join(projectRoot, 'reports', 'test-artifacts');

/** Opens a report page from disk in headless Chromium, every request that is not file:// aborted, and waits for its charts. */
async function openPage(file: string, screenshot: string): Promise<{ context: BrowserContext; page: Page; errors: string[]; blocked: string[] }> {
  const errors: string[] = [];
  const blocked: string[] = [];
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'scalebench-chromium-')), {
    executablePath: CHROMIUM!,
    headless: true,
    // playwright passes --user-data-dir (the new temp dir above) itself.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1300, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  await page.waitForFunction(
    () => [...document.querySelectorAll('.chart')].every((d) => d.querySelector('svg .mark-line, svg .mark-symbol, svg .mark-rect')),
    undefined,
    { timeout: 30_000 },
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  return { context, page, errors, blocked };
}

/** Marks drawn in each chart of the page: lines, points, bars, rules. */
const chartMarks = (page: Page): Promise<Array<{ id: string; marks: number }>> =>
  page.$$eval('.chart', (divs) =>
    divs.map((d) => ({ id: d.id, marks: d.querySelectorAll('svg .mark-line path, svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line').length })),
  );

/**
 * The demo (`npm run demo` runs matrices/smoke.yaml): its index.html in a real
 * browser, and the anatomy of its real step-load cells.
 */
describe.skipIf(CHROMIUM === undefined)("the demo's report", () => {
  const screenshot = join(ARTIFACTS, 'report-demo.png');
  let runDir: string;
  let code: number | null;
  let stdout: string;
  let opened: Awaited<ReturnType<typeof openPage>>;

  beforeAll(async () => {
    ensureBuilt();
    const dir = scratch();
    const res = await runCli(['run', join(projectRoot, 'matrices', 'smoke.yaml'), '--out', 'out'], { cwd: dir });
    code = res.code;
    stdout = res.stdout;
    runDir = onlyRun(join(dir, 'out'));
    opened = await openPage(join(runDir, 'index.html'), screenshot);
  }, 400_000);

  afterAll(async () => {
    await opened?.context.close();
  });

  it('runs every cell, none invalid, and prints the verdict and the path of index.html', () => {
    expect(code).toBe(0);
    const records = readFileSync(join(runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BenchmarkRecord);
    expect(records.map((r) => r.autoscaler)).toEqual(['fixed', 'hpa-cpu', 'hpa-custom', 'keda']);
    expect(records.filter((r) => r.validity === 'invalid').map((r) => `${r.cell_id}: ${r.validity_reasons}`)).toEqual([]);
    expect(stdout).toMatch(/^verdict, llama1b-l4, step load at level 16:$/m);
    expect(stdout).toMatch(/^ {2}(Best: |Pareto front )/m);
    expect(stdout).toMatch(/^report: .*index\.html$/m);
  });

  it('opens with the verdict, draws every chart with data, with no console error and no network', async () => {
    const { page, errors, blocked } = opened;
    expect(await page.textContent('#verdicts')).toMatch(/Best: |Pareto front /);
    const charts = await chartMarks(page);
    expect(charts.map((c) => c.id)).toEqual(['chart-timeline-level-1', 'chart-anatomy-level-1', 'chart-ttft', 'chart-tpot', 'chart-pareto', 'chart-lag']);
    for (const c of charts) expect(c.marks, c.id).toBeGreaterThan(0);
    // The aligned series draw a line for every setup in each of their five panels.
    const lines = await page.$$eval('#chart-timeline-level-1 svg .mark-line path', (ps) => ps.length);
    expect(lines).toBeGreaterThanOrEqual(1 + 4 * 4);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
  });

  it('shows the anatomy of each autoscaled cell: stages in order, the first four summing to its scale-up lag, every SLO-violation second in a stage', () => {
    const anatomy = readJsonFile<Record<string, CellAnatomy>>(join(runDir, 'anatomy.json'));
    const records = readFileSync(join(runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BenchmarkRecord);
    const run = readJsonFile<RunRecord>(join(runDir, 'run.json'));
    const scaled = records.filter((r) => typeof r.scale_up_lag_s === 'number');
    expect(scaled.length).toBeGreaterThanOrEqual(2);
    for (const r of records) {
      const up = anatomy[String(r.cell_id)]!.episodes.find((e) => e.direction === 'up')!;
      const stages = up.stages;
      for (let k = 1; k < stages.length; k++) expect(stages[k]!.fromS).toBe(stages[k - 1]!.toS);
      const order = ['metric', 'decision', 'started', 'ready', 'served'].map((m) => up.marks[m]).filter((x) => x !== undefined);
      expect(order).toEqual([...order].sort((x, y) => x! - y!));
      const total = stages.reduce((s, x) => s + x.violationS, 0);
      expect(total).toBeCloseTo(up.violationS, 6);
      if (typeof r.scale_up_lag_s === 'number') {
        expect(stages.slice(0, 4).reduce((s, x) => s + (x.toS - x.fromS), 0)).toBeCloseTo(r.scale_up_lag_s, 3);
        expect(up.lagS).toBe(r.scale_up_lag_s);
      } else {
        expect(stages.at(-1)!.ended).toBe(false);
      }
    }
    // A fixed replica queues through the step: its violations all fall in the one stage that never ends.
    const fixed = anatomy[String(records[0]!.cell_id)]!.episodes[0]!;
    expect(fixed.stages).toHaveLength(1);
    expect(fixed.violationS).toBeGreaterThan(0);
    // The report's table carries the same figures.
    const md = readFileSync(join(runDir, 'summary.md'), 'utf8');
    for (const r of scaled) expect(md).toMatch(new RegExp(`^\\| ${r.autoscaler} \\|.*\\| ${Math.round(Number(r.scale_up_lag_s) * 100) / 100} \\|`, 'm'));
    expect(run.cells).toHaveLength(4);
  });

  it('result.json carries the same anatomy as the report', () => {
    const anatomy = readJsonFile<Record<string, CellAnatomy>>(join(runDir, 'anatomy.json'));
    const results = Object.keys(anatomy).map((id) => readJsonFile<{ anatomy?: CellAnatomy }>(join(runDir, 'cells', id, 'result.json')));
    expect(results.length).toBe(4);
    for (const [k, id] of Object.keys(anatomy).entries()) expect(results[k]!.anatomy, id).toEqual(anatomy[id]);
  });
});

/** index.html of a synthetic run (no simulator needed): text stays text, the table sorts. */
describe.skipIf(CHROMIUM === undefined)('index.html of a synthetic run in a real browser, offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalebench-report-browser-'));
  let opened: Awaited<ReturnType<typeof openPage>>;

  beforeAll(async () => {
    const run = writeFixtureRun(join(dir, 'reports'));
    writeReport(run, expandCells(run.record.matrix));
    opened = await openPage(join(run.root, 'index.html'), join(ARTIFACTS, 'report-fixture.png'));
  }, 90_000);

  afterAll(async () => {
    await opened?.context.close();
  });

  it('renders every chart as an SVG with marks, with no console errors and no network', async () => {
    const charts = await chartMarks(opened.page);
    expect(charts.map((c) => c.id)).toEqual([
      'chart-timeline-level-1',
      'chart-anatomy-level-1',
      'chart-timeline-level-2',
      'chart-anatomy-level-2',
      'chart-ttft',
      'chart-tpot',
      'chart-pareto',
      'chart-lag',
    ]);
    for (const c of charts) expect(c.marks, c.id).toBeGreaterThan(0);
    expect(opened.errors).toEqual([]);
    expect(opened.blocked).toEqual([]);
  });

  it('shows a model name holding <script> as text, and runs none of it', async () => {
    const { page } = opened;
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const html = readFileSync(join(dir, 'reports', 'fixture-run', 'index.html'), 'utf8');
    expect(html).not.toContain(EVIL_MODEL);
    const modelCells = await page.$$eval('#cells tbody td:nth-child(3)', (tds) => tds.map((t) => t.textContent));
    expect(modelCells).toHaveLength(12);
    for (const m of modelCells) expect(m).toBe(EVIL_MODEL);
    expect(await page.textContent('table.meta')).toContain('k6 v1.8.1 <b>');
  });

  it('sorts the cell table by a column, both ways', async () => {
    const { page } = opened;
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
