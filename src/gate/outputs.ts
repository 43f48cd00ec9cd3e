import type { GatedComparison, GateOutcome, Problem, RuleTally } from './gate.js';
import { problemFlags } from './gate.js';

const pct = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %` : '∞');
const share = (v: number | undefined): string => (v === undefined ? '–' : Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '∞');
const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));
const md = (t: string): string => t.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function verdictText(m: GatedComparison): string {
  if (m.acknowledged) return 'acknowledged';
  if (m.verdict === 'regression') return '**REGRESSION**';
  return m.verdict;
}

function whyText(m: GatedComparison): string {
  if (m.acknowledged) return `${m.reason}; acknowledged until ${m.acknowledged.expires}: ${m.acknowledged.reason} (${m.acknowledged.at})`;
  if (m.expiredAcknowledgement) return `${m.reason}; its acknowledgement expired ${m.expiredAcknowledgement.expires} (${m.expiredAcknowledgement.at})`;
  return m.reason;
}

const tolerance = (r: RuleTally): string =>
  [r.relTolerance ? `${(r.relTolerance * 100).toFixed(0)} %` : '', r.absTolerance ? `${r.absTolerance}` : ''].filter(Boolean).join(' or ') || '0';

/** One line per rule: comparisons made and what kept the rest from being made. */
export function ruleLine(r: RuleTally): string {
  const extra = [
    r.notMeasured ? `${r.notMeasured} not measured` : '',
    r.missing ? `${r.missing} missing` : '',
    r.acknowledged ? `${r.acknowledged} acknowledged` : '',
  ].filter(Boolean);
  return `${r.metric}: ${r.made} of ${r.cells} comparisons${extra.length ? ` (${extra.join(', ')})` : ''}, ${r.regressions} regression(s), smallest detectable worsening ${share(r.detectable)}`;
}

const problemText = (p: Problem): string =>
  `${p.kind}: ${p.cell}${p.metric ? ` ${p.metric}` : ''}: ${p.detail}${p.allowed ? ` (allowed by ${problemFlags[p.kind]})` : ''}`;

/** The gate for a CI job summary. */
export function gateMarkdown(o: GateOutcome, title: string): string {
  const lines = [`# ${md(title)}: ${o.passed ? 'passed' : 'FAILED'}`, ''];
  for (const f of o.failures) lines.push(`- ${md(f)}`);
  if (o.failures.length) lines.push('');
  if (o.allowed.length) {
    const used = o.problems.filter((p) => p.allowed);
    lines.push(`> **Exceptions allowed: ${o.allowed.map((k) => problemFlags[k]).join(', ')}** — ${used.length} problem(s) reported but not failed.`, '');
  }
  const c = o.counts;
  lines.push(
    `${o.comparisons} comparisons: ${c.regression} regression(s), ${c.acknowledged} acknowledged, ${c.improvement} improvement(s), ${c.inconclusive} inconclusive, ${c.pass} pass.`,
    '',
  );
  for (const w of o.warnings) lines.push(`> warning: ${md(w)}`, '');
  lines.push('| rule | must catch | comparisons | not measured | missing | regressions | smallest detectable |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const r of o.rules)
    lines.push(
      `| ${md(r.metric)} | ${tolerance(r)} | ${r.made} of ${r.cells} | ${r.notMeasured} | ${r.missing} | ${r.regressions}${r.acknowledged ? ` (+${r.acknowledged} ack.)` : ''} | ${share(r.detectable)} |`,
    );
  lines.push('', 'Smallest detectable: the worsening each comparison would catch 9 times in 10 with the repeats and noise it had (largest over cells).', '');
  if (o.problems.length) {
    lines.push('| cell | metric | problem | fails | detail |', '|---|---|---|---|---|');
    for (const p of o.problems)
      lines.push(`| ${md(p.cell)} | ${md(p.metric ?? '–')} | ${p.kind} | ${p.allowed ? `no (${problemFlags[p.kind]})` : '**yes**'} | ${md(p.detail)} |`);
    lines.push('');
  }
  lines.push('| cell | metric | verdict | baseline | current | change | p | detectable | why |', '|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const cell of o.cells) {
    for (const m of cell.comparisons) {
      lines.push(
        `| ${md(cell.key)} | ${md(m.metric)} | ${verdictText(m)} | ${num(m.baseline.mean)} (n=${m.baseline.n}) | ${num(m.current.mean)} (n=${m.current.n}) | ${pct(m.relChange)} | ${m.p === undefined ? '–' : m.p.toPrecision(2)} | ${share(m.detectable)} | ${md(whyText(m))} |`,
      );
    }
  }
  if (o.onlyInCurrent.length) lines.push('', `Cells new in this run (no usable baseline record, not gated): ${o.onlyInCurrent.map(md).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

/**
 * JUnit XML: one test case per cell × metric (a regression fails, an
 * acknowledged one or an inconclusive one is skipped with why) and one per
 * problem (fails, or skipped naming the flag that allowed it); the comparisons
 * per rule are properties and system-out.
 */
export function gateJunit(o: GateOutcome, suite: string): string {
  const cases: Array<{ text: string; failed: boolean; skipped: boolean }> = [];
  const tc = (cls: string, name: string, inner = ''): string =>
    `    <testcase classname="${xml(cls)}" name="${xml(name)}">${inner ? `\n      ${inner}\n    ` : ''}</testcase>`;
  for (const cell of o.cells) {
    for (const m of cell.comparisons) {
      if (m.verdict === 'regression' && !m.acknowledged) {
        cases.push({
          text: tc(
            cell.key,
            m.metric,
            `<failure message="${xml(whyText(m))}">${xml(`${m.metric}: ${num(m.baseline.mean)} → ${num(m.current.mean)} (${pct(m.relChange)})`)}</failure>`,
          ),
          failed: true,
          skipped: false,
        });
      } else if (m.acknowledged || m.verdict === 'inconclusive') {
        cases.push({ text: tc(cell.key, m.metric, `<skipped message="${xml(whyText(m))}"/>`), failed: false, skipped: true });
      } else cases.push({ text: tc(cell.key, m.metric), failed: false, skipped: false });
    }
  }
  for (const p of o.problems) {
    const name = p.metric ?? p.kind;
    if (p.allowed) cases.push({ text: tc(p.cell, name, `<skipped message="${xml(problemText(p))}"/>`), failed: false, skipped: true });
    else cases.push({ text: tc(p.cell, name, `<failure message="${xml(problemText(p))}"/>`), failed: true, skipped: false });
  }
  if (o.comparisons === 0)
    cases.push({ text: tc('gate', 'comparisons', '<failure message="no comparison was made: nothing was gated"/>'), failed: true, skipped: false });
  const props = [
    ...o.rules.map((r) => `      <property name="comparisons.${xml(r.metric)}" value="${r.made} of ${r.cells}"/>`),
    ...o.allowed.map((k) => `      <property name="allowed" value="${problemFlags[k]}"/>`),
  ];
  const out = [`comparisons: ${o.comparisons}`, ...o.rules.map(ruleLine), ...o.allowed.map((k) => `exception allowed: ${problemFlags[k]}`)].join('\n');
  const failures = cases.filter((c) => c.failed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n    <properties>\n${props.join('\n')}\n    </properties>\n${cases.map((c) => c.text).join('\n')}\n    <system-out>${xml(out)}</system-out>\n  </testsuite>\n</testsuites>\n`;
}
