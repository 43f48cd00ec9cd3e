import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/tools.js';
import { formatDifference, verdictMetrics, verdictSentences, type LevelVerdict } from '../analysis/verdicts.js';
import type { Chart } from './charts.js';
import { compareAutoscalers, comparedMetrics, formatMean, formatValue } from './comparison.js';
import { anatomyCells, anatomyHeader, levelTitle, type LevelSection } from './levels.js';
import type { BenchmarkRecord } from '../results/records.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element: no "</script>", no "<!--". */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const LIBRARIES = ['vega/build/vega.min.js', 'vega-lite/build/vega-lite.min.js', 'vega-embed/build/vega-embed.min.js'];

/** Vega, Vega-Lite and vega-embed from node_modules, inlined: the page opens from file:// with no network. */
export function inlinedLibraries(): string {
  return LIBRARIES.map((p) => `<script>${readFileSync(join(projectRoot, 'node_modules', p), 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`).join('\n');
}

/**
 * The page allows nothing from outside it: no connections, no fetched
 * scripts, styles or images. Vega compiles its expressions with Function(),
 * hence 'unsafe-eval'.
 */
export const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";

export const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1300px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left}td.n{text-align:right}
#cells th{cursor:pointer;background:#f4f4f4}.chart{margin:8px 0 20px}.note{color:#666}pre{font-size:11px;background:#f8f8f8;padding:8px;overflow:auto}
b{color:#060}.up{color:#060}.down{color:#a00}.verdict{background:#f3f8f3;border-left:4px solid #393;padding:6px 12px;margin:8px 0}
.verdict li{margin:3px 0}`;

/** The columns of the sortable cell table (record fields). */
export const tableColumns = [
  'cell_id',
  'deployment',
  'model',
  'autoscaler',
  'shape',
  'level',
  'repeat',
  'status',
  'requests',
  'failures',
  'ttft_ms_p95',
  'tpot_ms_p95',
  'e2e_ms_p95',
  'slo_attainment',
  'goodput_rps',
  'replicas_mean',
  'replica_seconds',
  'cost_usd',
  'scale_up_lag_s',
  'recovery_s',
  'oscillations',
  'over_provisioning',
  'saturation',
  'validity',
  'harness_errors',
  'error_sources',
  'server_queue_ms_p95',
  'validity_reasons',
] as const;

export interface HtmlInput {
  title: string;
  meta: Array<[string, string]>;
  /** The resolved matrix, shown as JSON. */
  matrix?: unknown;
  charts: readonly Chart[];
  /** Per deployment, shape and level: its verdict, series and anatomy, with its charts (aligned time series, anatomy). */
  levels?: ReadonlyArray<{ section: LevelSection; charts: readonly Chart[] }>;
  /** Verdicts of levels with no samples to chart are shown too. */
  verdicts?: readonly LevelVerdict[];
  /** One row per cell: the records, and stubs (id, names, status) for cells that did not run. */
  records: readonly BenchmarkRecord[];
}

/** The comparison tables (as summary.md has them), escaped. */
function comparisonHtml(records: readonly BenchmarkRecord[]): string {
  const metrics = comparedMetrics.filter((m) => records.some((r) => typeof r[m.field] === 'number'));
  return compareAutoscalers(records)
    .map((s) => {
      const head = `<tr><th>autoscaler</th><th>repeats</th>${metrics.map((m) => `<th>${escapeHtml(`${m.label} (${m.better})`)}</th>`).join('')}</tr>`;
      const rows = s.rows.map((r) => {
        const cells = metrics.map((m) => {
          const text = escapeHtml(formatMean(m, r.group.stats[m.field]));
          return `<td class="n">${r.wins.has(m.field) ? `<b>${text}</b>` : text}</td>`;
        });
        return `<tr><td>${escapeHtml(r.autoscaler)}</td><td class="n">${r.group.rows.length}</td>${cells.join('')}</tr>`;
      });
      const wins = s.winners.map(
        (w) => `${escapeHtml(w.metric.label)}: ${escapeHtml(w.autoscalers.join(', '))} (${escapeHtml(formatValue(w.metric.format, w.value))})`,
      );
      const left = s.leftOut.length ? `<p class="note">Left out, measurement invalid: ${escapeHtml(s.leftOut.join(', '))} (see Validity).</p>` : '';
      return `<h3>${escapeHtml(s.deployment)} at load level ${s.level}</h3><table class="compare">${head}${rows.join('')}</table>${left}${wins.length ? `<p>Winner per metric: ${wins.join('; ')}</p>` : ''}`;
    })
    .join('\n');
}

/** The Validity section as HTML: counts, every flagged cell with its reasons, the server-TTFT note. */
function validityHtml(records: readonly BenchmarkRecord[]): string {
  const judged = records.filter((r) => typeof r.validity === 'string');
  if (judged.length === 0) return '';
  const counts = (['valid', 'warn', 'invalid'] as const).map((v) => `${judged.filter((r) => r.validity === v).length} ${v}`).join(', ');
  const items = judged
    .filter((r) => r.validity !== 'valid')
    .map(
      (r) =>
        `<li>${escapeHtml(`${r.cell_id} (${r.deployment}, ${r.autoscaler}, level ${r.level})`)}: <span class="${r.validity === 'invalid' ? 'down' : ''}">${escapeHtml(String(r.validity))}</span>: ${escapeHtml(String(r.validity_reasons ?? ''))}</li>`,
    );
  const excluding = records.filter((r) => r.server_ttft_excludes_queue === true).map((r) => String(r.cell_id));
  const note = excluding.length
    ? `<p class="note">The server's TTFT histogram leaves out the time requests queued in ${escapeHtml(excluding.join(', '))}: SLOs are judged on the client-side figures.</p>`
    : '';
  return `<h2>Validity</h2><p id="validity">${escapeHtml(counts)} of ${judged.length} cells judged. Invalid cells are left out of the comparisons and the gate.</p>${items.length ? `<ul>${items.join('')}</ul>` : ''}${note}`;
}

/** The verdict of every level, first on the page. */
function verdictsHtml(verdicts: readonly LevelVerdict[], levels: ReadonlyArray<{ section: LevelSection }>): string {
  if (verdicts.length === 0) return '<p class="note">No finished cells to judge.</p>';
  return verdicts
    .map((v) => {
      const section = levels.find((l) => l.section.deployment === v.deployment && l.section.shape === v.shape && l.section.level === v.level)?.section;
      const link = section ? ` <a href="#${section.id}">series and anatomy ↓</a>` : '';
      return `<h3>${escapeHtml(levelTitle(v))}${link}</h3><div class="verdict"><ul>${verdictSentences(v)
        .map((t) => `<li>${escapeHtml(t)}</li>`)
        .join('')}</ul></div>`;
    })
    .join('\n');
}

/** Every pair of setups at a level, every metric, b − a with its 95 % interval. */
function pairsHtml(v: LevelVerdict): string {
  if (v.pairs.length === 0) return '';
  const head = `<tr><th>b − a</th>${verdictMetrics.map((m) => `<th>${escapeHtml(`${m.label} (${m.better} is better)`)}</th>`).join('')}</tr>`;
  const rows = v.pairs.map((p) => {
    const cells = verdictMetrics.map((m) => {
      const d = p.differences.find((x) => x.metric.field === m.field);
      const cls = d?.favours === 'b' ? 'up' : d?.favours === 'a' ? 'down' : '';
      return `<td class="n ${cls}">${d ? escapeHtml(formatDifference(d)) : '–'}</td>`;
    });
    return `<tr><td>${escapeHtml(`${p.b} − ${p.a}`)}</td>${cells.join('')}</tr>`;
  });
  return `<details><summary>Every pair: difference of means and 95 % interval (green: b better, red: a better, beyond the interval)</summary><table>${head}${rows.join('')}</table></details>`;
}

/** One level: its series, the anatomy as a timeline and a table, and the pairs. */
function levelHtml(l: { section: LevelSection; charts: readonly Chart[] }): string {
  const s = l.section;
  const charts = l.charts
    .map(
      (c) =>
        `<h4>${escapeHtml(c.title)}</h4>${c.spec ? `<div class="chart" id="chart-${escapeHtml(c.id)}"></div>` : `<p class="note">${escapeHtml(c.note ?? 'Nothing to draw.')}</p>`}`,
    )
    .join('\n');
  const repeats = s.anatomy.some((r) => r.repeat > 1);
  const table = s.anatomy.length
    ? `<table class="anatomy"><tr>${anatomyHeader.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${s.anatomy
        .map(
          (r) =>
            `<tr>${anatomyCells(r, repeats)
              .map((c, k) => `<td${k ? ' class="n"' : ''}>${escapeHtml(c)}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</table>`
    : '';
  return `<h3 id="${escapeHtml(s.id)}">${escapeHtml(levelTitle(s))}</h3>${charts}${table}${s.verdict ? pairsHtml(s.verdict) : ''}`;
}

function cellTable(records: readonly BenchmarkRecord[]): string {
  const head = tableColumns.map((c, n) => `<th data-col="${n}">${escapeHtml(c)}</th>`).join('');
  const rows = records.map((r) => {
    const tds = tableColumns.map((c) => {
      const v = r[c];
      if (typeof v === 'number') return `<td class="n" data-v="${v}">${v}</td>`;
      return `<td>${v === null || v === undefined ? '' : escapeHtml(String(v))}</td>`;
    });
    return `<tr>${tds.join('')}</tr>`;
  });
  return `<table id="cells"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

/** Sorts the cell table by a clicked column (numbers by value, blanks last), and draws the charts. */
const SCRIPT = `(function () {
  var specs = JSON.parse(document.getElementById('specs').textContent);
  specs.forEach(function (c) {
    vegaEmbed('#chart-' + c.id, c.spec, { actions: false, renderer: 'svg' }).catch(function (e) { console.error(e); });
  });
  var body = document.querySelector('#cells tbody');
  var order = { col: -1, dir: 1 };
  function key(tr, n) { var td = tr.children[n]; var v = td.getAttribute('data-v'); return v === null ? td.textContent : Number(v); }
  document.querySelectorAll('#cells th').forEach(function (th) {
    th.addEventListener('click', function () {
      var n = Number(th.getAttribute('data-col'));
      order.dir = order.col === n ? -order.dir : 1; order.col = n;
      var rows = Array.prototype.slice.call(body.children);
      rows.sort(function (a, b) {
        var x = key(a, n), y = key(b, n);
        if (x === y) return 0; if (x === '') return 1; if (y === '') return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * order.dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();`;

/**
 * The whole report as one self-contained page. Text from the matrix and the
 * results reaches the page only escaped, or as JSON that cannot close its
 * script element; Vega draws labels as SVG text.
 */
export function reportHtml(i: HtmlInput): string {
  const meta = i.meta.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const levels = i.levels ?? [];
  const charts = i.charts
    .map(
      (c) =>
        `<h3>${escapeHtml(c.title)}</h3>${c.spec ? `<div class="chart" id="chart-${escapeHtml(c.id)}"></div>` : `<p class="note">${escapeHtml(c.note ?? 'Nothing to draw.')}</p>`}`,
    )
    .join('\n');
  const specs = [...levels.flatMap((l) => l.charts), ...i.charts].filter((c) => c.spec).map((c) => ({ id: c.id, spec: c.spec }));
  const matrix =
    i.matrix === undefined ? '' : `<details><summary>Matrix (resolved)</summary><pre>${escapeHtml(JSON.stringify(i.matrix, null, 2))}</pre></details>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(i.title)}</title>
<style>${STYLE}</style>
${inlinedLibraries()}
</head><body>
<h1>${escapeHtml(i.title)}</h1>
<h2>Verdict</h2>
<div id="verdicts">${verdictsHtml(i.verdicts ?? [], levels)}</div>
${levels.length ? `<h2>Each level over time</h2><p class="note">Aligned on the time since the load started; one colour per setup. The anatomy splits each scale-up and scale-down into stages (faded: the stage's end never came).</p>\n${levels.map(levelHtml).join('\n')}` : ''}
<h2>Autoscalers compared</h2>
${comparisonHtml(i.records) || '<p class="note">No finished cells.</p>'}
${validityHtml(i.records)}
<h2>Across levels</h2>
${charts}
<h2>Cells</h2><p>Click a column to sort.</p>
${cellTable(i.records)}
<h2>Run</h2><table class="meta">${meta}</table>
${matrix}
<script type="application/json" id="specs">${scriptJson(specs)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
