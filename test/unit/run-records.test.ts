import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../src/results/events.js';
import { readJsonl } from '../../src/results/files.js';
import { baselineSchema, benchmarkRecordSchema } from '../../src/results/records.js';
import { readInputFile } from '../../src/util/input-file.js';
import { RunDir } from '../../src/results/run-dir.js';
import { sampleSchema } from '../../src/results/samples.js';

const dir = mkdtempSync(join(tmpdir(), 'scalebench-run-records-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
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

describe('run records read back through their schemas', () => {
  it('a run directory of the older record format is refused, saying why and what to do', () => {
    mkdirSync(join(dir, 'old'), { recursive: true });
    writeFileSync(join(dir, 'old', 'run.json'), JSON.stringify({ id: 'old', status: 'done', cells: [] }));
    expect(message(() => RunDir.open(dir, 'old'))).toBe(
      '<dir>/old/run.json: a run directory of record format 1; this scalebench reads format 2 (the metric names changed: docs/architecture.md "The metric table"): run the matrix again, or read it with the scalebench that wrote it',
    );
  });

  it('events are one union keyed on kind: an unknown kind or a decision without its fields names the line', () => {
    const ok = { t: 1, kind: 'scale', from: 1, to: 2, reason: 'hpa' };
    expect(readJsonl(file('ok.jsonl', `${JSON.stringify(ok)}\n`), eventSchema)).toEqual([ok]);
    expect(message(() => readJsonl(file('e.jsonl', `${JSON.stringify(ok)}\n{"t":2,"kind":"replica-exploded","pod":"p"}\n`), eventSchema))).toMatch(
      /^<dir>\/e\.jsonl:2: kind: /,
    );
    const decision = { t: 3, kind: 'autoscaler', autoscaler: 'k', autoscalerKind: 'keda', loop: 'keda-operator', time: 3, before: 1, after: 1 };
    expect(message(() => readJsonl(file('d.jsonl', `${JSON.stringify(decision)}\n`), eventSchema))).toMatch(/^<dir>\/d\.jsonl:1: value: /);
  });

  it('a sample with an old figure name under server is refused at its line', () => {
    const s = {
      t: 1,
      elapsed_s: 0,
      phase: 'load',
      offered: 1,
      replicas: { desired: 1, current: 1, ready: 1 },
      requests: 0,
      failures: 0,
      server: { ttft_p95_ms: 3 },
    };
    expect(message(() => readJsonl(file('s.jsonl', `${JSON.stringify(s)}\n`), sampleSchema))).toMatch(
      /^<dir>\/s\.jsonl:1: server: Unrecognized key: "ttft_p95_ms"/,
    );
  });

  it('a record (records.jsonl, a baseline) with a field of an older format names its new name', () => {
    const r = { cell_id: 'c', ttft_ms_p95: 5, rps: 3 };
    expect(
      message(() => readJsonl(file('r.jsonl', `${JSON.stringify({ cell_id: 'c', ttft_ms_p95: 5 })}\n${JSON.stringify(r)}\n`), benchmarkRecordSchema)),
    ).toMatch(/^<dir>\/r\.jsonl:2: rps: unknown metric "rps"/);
  });

  it('a baseline with a metric of an older name exits 2 naming file:line:col', () => {
    const text =
      '{\n  "name": "n", "createdAt": "x", "runId": "r", "matrixHash": "h", "tools": {},\n  "records": [\n    { "cell_id": "c", "ttft_p95_ms": 5 }\n  ]\n}\n';
    expect(message(() => readInputFile(file('b.json', text), baselineSchema, { fix: 'save a new baseline' }))).toBe(
      '<dir>/b.json:4:38: records[0].ttft_p95_ms: unknown metric "ttft_p95_ms"; did you mean "ttft_ms_p95"? (names are <quantity>_<unit>_<statistic>, e.g. ttft_ms_p95; every one is in src/vocabulary/metrics.ts): a record of an older scalebench? write the report again (scalebench report) or save a new baseline',
    );
  });
});
