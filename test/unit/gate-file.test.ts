import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAcknowledgements } from '../../src/gate/acknowledgements.js';
import { defaultRules, readGateFile } from '../../src/gate/gate-file.js';
import { projectRoot } from '../../src/util/tools.js';
import { scratchDir } from './matrix-helpers.js';

describe('gate files', () => {
  const dir = scratchDir();
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      expect((err as { exitCode?: number }).exitCode).toBe(2);
      return (err as Error).message.replaceAll(dir, '<dir>');
    }
    throw new Error('no error');
  };

  it('gates/default.yaml holds the default rules: latency, throughput, SLO, goodput and the autoscaler', () => {
    expect(readGateFile(join(projectRoot, 'gates', 'default.yaml'))).toEqual(defaultRules);
  });

  it('an unknown metric names file:line:col on one line, with a suggestion', () => {
    const file = write('typo.yaml', 'rules:\n  - { metric: ttft_ms_p95, better: lower }\n  - metric: ttfb_ms_p95\n    better: lower\n');
    expect(message(() => readGateFile(file))).toMatchInlineSnapshot(
      `"<dir>/typo.yaml:3:13: rules[1].metric: unknown metric "ttfb_ms_p95"; did you mean "ttft_ms_p95"? (names are <quantity>_<unit>_<statistic>, e.g. ttft_ms_p95; every one is in src/vocabulary/metrics.ts)"`,
    );
  });

  it('metric: ttft_p59 exits 2 naming file:line:col; an old spelling gets the new one suggested', () => {
    const file = write('p59.yaml', 'rules:\n  - metric: ttft_p59\n  - metric: ttft_p95_ms\n');
    expect(message(() => readGateFile(file)).split('\n')).toEqual([
      '<dir>/p59.yaml:2:13: rules[0].metric: unknown metric "ttft_p59" (names are <quantity>_<unit>_<statistic>, e.g. ttft_ms_p95; every one is in src/vocabulary/metrics.ts)',
      '<dir>/p59.yaml:3:13: rules[1].metric: unknown metric "ttft_p95_ms"; did you mean "ttft_ms_p95"? (names are <quantity>_<unit>_<statistic>, e.g. ttft_ms_p95; every one is in src/vocabulary/metrics.ts)',
    ]);
  });

  it('the direction comes from the metric table: a rule may repeat it, not contradict it, and must give it where the table has none', () => {
    const ok = write('dir.yaml', 'rules:\n  - metric: ttft_ms_p95\n  - { metric: goodput_rps, better: higher }\n  - { metric: running_mean, better: lower }\n');
    expect(readGateFile(ok).map((r) => [r.metric, r.better])).toEqual([
      ['ttft_ms_p95', 'lower'],
      ['goodput_rps', 'higher'],
      ['running_mean', 'lower'],
    ]);
    const bad = write('dir-bad.yaml', 'rules:\n  - { metric: ttft_ms_p95, better: higher }\n  - metric: running_mean\n');
    expect(message(() => readGateFile(bad)).split('\n')).toEqual([
      '<dir>/dir-bad.yaml:2:36: rules[0].better: ttft_ms_p95 is lower-is-better in the metric table, the rule says higher: drop better, or gate another metric',
      '<dir>/dir-bad.yaml:3:13: rules[1].metric: running_mean has no better side in the metric table: say which (better: lower | higher)',
    ]);
  });

  it('an unknown corroborating metric is an input error too', () => {
    const file = write('cor.yaml', 'rules:\n  - { metric: replica_seconds, better: lower, corroborated_by: [lag] }\n');
    expect(message(() => readGateFile(file))).toMatch(/^<dir>\/cor\.yaml:2:65: rules\[0\]\.corroborated_by\[0\]: unknown metric "lag"/);
  });

  it('a bad field names the file, position and field', () => {
    const file = write('bad.yaml', 'rules:\n  - { metric: ttft_ms_p95, better: smaller }\n');
    expect(message(() => readGateFile(file))).toMatch(/^<dir>\/bad\.yaml:2:36: rules\[0\]\.better: /);
  });

  it('acknowledgements read with their file:line; a bad date is an input error', () => {
    const ok = write(
      'ack.yaml',
      'acknowledged:\n  - metric: ttft_ms_p95\n    cells: "sim/keda/*"\n    runs: { from: nightly-100 }\n    reason: prefill chunking on (#42)\n    expires: 2026-03-01\n',
    );
    expect(readAcknowledgements(ok)).toEqual([
      { metric: 'ttft_ms_p95', cells: 'sim/keda/*', runs: { from: 'nightly-100' }, reason: 'prefill chunking on (#42)', expires: '2026-03-01', at: `${ok}:2` },
    ]);
    const bad = write('ack-bad.yaml', 'acknowledged:\n  - { metric: ttft_ms_p95, runs: { from: a }, reason: r, expires: March }\n');
    expect(message(() => readAcknowledgements(bad))).toMatch(/^<dir>\/ack-bad\.yaml:2:67: acknowledged\[0\]\.expires: expected a date YYYY-MM-DD$/);
  });
});
