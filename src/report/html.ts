import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/tools.js';
import type { Spec } from './charts.js';
import type { BenchmarkRecord } from './records.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element: no "</script>", no "<!--". */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const LIBRARIES = ['vega/build/vega.min.js', 'vega-lite/build/vega-lite.min.js', 'vega-embed/build/vega-embed.min.js'];

/** Vega, Vega-Lite and vega-embed, inlined: the page opens from file:// with no network. */
function inlinedLibraries(): string {
  return LIBRARIES.map((p) => `<script>${readFileSync(join(projectRoot, 'node_modules', p), 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`).join('\n');
}

/** The columns of the sortable cell table. */
export const tableColumns = [
  'cell_id', 'model', 'autoscaler', 'shape', 'level', 'repeat', 'status', 'requests', 'failures', 'ttft_ms_p95', 'tpot_ms_p95',
  'e2e_ms_p95', 'slo_attainment', 'replicas_mean', 'replica_seconds', 'cost_usd', 'scale_up_lag_s', 'saturation',
] as const;

export interface HtmlInput {
  title: string;
  meta: Array<[string, string]>;
  charts: Array<{ id: string; spec: Spec }>;
  records: readonly BenchmarkRecord[];
}

/**
 * The whole report as one self-contained page. Text from the matrix and the
 * results reaches the page only escaped (server side) or through textContent
 * (client side), never as markup.
 */
export function reportHtml(i: HtmlInput): string {
  const meta = i.meta.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const charts = i.charts.map((c) => `<div class="chart" id="chart-${escapeHtml(c.id)}"></div>`).join('\n');
  const head = tableColumns.map((c, n) => `<th data-col="${n}">${escapeHtml(c)}</th>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(i.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left}
#cells th{cursor:pointer;background:#f4f4f4}.chart{margin:12px 0}
</style>
${inlinedLibraries()}
</head><body>
<h1>${escapeHtml(i.title)}</h1>
<h2>Run</h2><table class="meta">${meta}</table>
<h2>Charts</h2>
${charts}
<h2>Cells</h2><p>Click a column to sort.</p>
<table id="cells"><thead><tr>${head}</tr></thead><tbody></tbody></table>
<script type="application/json" id="records">${scriptJson(i.records)}</script>
<script type="application/json" id="specs">${scriptJson(i.charts)}</script>
<script>
(function () {
  var records = JSON.parse(document.getElementById('records').textContent);
  var specs = JSON.parse(document.getElementById('specs').textContent);
  var cols = ${scriptJson(tableColumns)};
  specs.forEach(function (c) {
    vegaEmbed('#chart-' + c.id, c.spec, { actions: false, renderer: 'svg' }).catch(function (e) { console.error(e); });
  });
  var body = document.querySelector('#cells tbody');
  function render(rows) {
    body.textContent = '';
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      cols.forEach(function (c) { var td = document.createElement('td'); var v = r[c]; td.textContent = v === null || v === undefined ? '' : String(v); tr.appendChild(td); });
      body.appendChild(tr);
    });
  }
  var order = { col: -1, dir: 1 };
  document.querySelectorAll('#cells th').forEach(function (th) {
    th.addEventListener('click', function () {
      var n = Number(th.getAttribute('data-col'));
      order.dir = order.col === n ? -order.dir : 1; order.col = n;
      var c = cols[n];
      render(records.slice().sort(function (a, b) {
        var x = a[c], y = b[c];
        if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * order.dir;
      }));
    });
  });
  render(records);
})();
</script>
</body></html>
`;
}
