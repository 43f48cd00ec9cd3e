import type { MetricComparison } from '../analysis/regression.js';
import type { GateOutcome } from './gate.js';

const pct = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %` : '∞');
const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));
const md = (t: string): string => t.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const icon = { pass: 'pass', regression: '**REGRESSION**', improvement: 'improvement', inconclusive: 'inconclusive' } as const;

/** The gate for a CI job summary. */
export function gateMarkdown(o: GateOutcome, title: string): string {
  const lines = [`# ${md(title)}: ${o.passed ? 'passed' : 'FAILED'}`, ''];
  const c = o.counts;
  lines.push(`${c.regression} regression(s), ${c.improvement} improvement(s), ${c.inconclusive} inconclusive, ${c.pass} pass.`, '');
  for (const w of o.warnings) lines.push(`> warning: ${md(w)}`, '');
  lines.push('| cell | metric | verdict | baseline | current | change | p | why |', '|---|---|---|---:|---:|---:|---:|---|');
  for (const cell of o.cells) {
    for (const m of cell.comparisons) {
      lines.push(
        `| ${md(cell.key)} | ${md(m.metric)} | ${icon[m.verdict]} | ${num(m.baseline.median)} (n=${m.baseline.n}) | ${num(m.current.median)} (n=${m.current.n}) | ${pct(m.relChange)} | ${m.p === undefined ? '–' : m.p.toPrecision(2)} | ${md(m.reason)} |`,
      );
    }
  }
  if (o.onlyInBaseline.length) lines.push('', `Cells in the baseline only (not run now): ${o.onlyInBaseline.map(md).join(', ')}`);
  if (o.onlyInCurrent.length) lines.push('', `Cells new in this run (no baseline): ${o.onlyInCurrent.map(md).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

/** JUnit XML: one test case per cell × metric; a regression is a failure, inconclusive is skipped. */
export function gateJunit(o: GateOutcome, suite: string): string {
  const cases: string[] = [];
  const line = (cell: string, m: MetricComparison): string => {
    const head = `    <testcase classname="${xml(cell)}" name="${xml(m.metric)}">`;
    if (m.verdict === 'regression') return `${head}\n      <failure message="${xml(m.reason)}">${xml(`${m.metric}: ${num(m.baseline.median)} → ${num(m.current.median)} (${pct(m.relChange)})`)}</failure>\n    </testcase>`;
    if (m.verdict === 'inconclusive') return `${head}\n      <skipped message="${xml(m.reason)}"/>\n    </testcase>`;
    return `${head}</testcase>`;
  };
  for (const cell of o.cells) for (const m of cell.comparisons) cases.push(line(cell.key, m));
  for (const k of o.onlyInBaseline) cases.push(`    <testcase classname="${xml(k)}" name="present"><skipped message="in the baseline, not in this run"/></testcase>`);
  const total = cases.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${xml(suite)}" tests="${total}" failures="${o.counts.regression}" skipped="${o.counts.inconclusive + o.onlyInBaseline.length}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
