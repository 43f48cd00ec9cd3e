import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawPoint } from '../../src/results/points.js';
import { forEachPoint } from '../../src/results/point-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'scalebench-points-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const read = (path: string, chunk?: number): RawPoint[] => {
  const out: RawPoint[] = [];
  forEachPoint(path, (p) => out.push({ ...p, itl_ms: [...p.itl_ms] }), chunk);
  return out;
};
/** What JSON.parse gives for RawPoint's fields, absent ones as the decoder's defaults. */
const expected = (line: string): RawPoint => {
  const o = JSON.parse(line) as Partial<RawPoint>;
  return {
    t: o.t ?? NaN,
    t_sched: o.t_sched ?? null,
    phase: o.phase ?? '',
    ok: o.ok ?? false,
    status: o.status ?? 0,
    error: o.error ?? null,
    error_source: o.error_source ?? null,
    ttft_ms: o.ttft_ms ?? null,
    ttfc_ms: o.ttfc_ms ?? null,
    tpot_ms: o.tpot_ms ?? null,
    e2e_ms: o.e2e_ms ?? NaN,
    itl_ms: o.itl_ms ?? [],
    prompt_tokens: o.prompt_tokens ?? null,
    output_tokens: o.output_tokens ?? null,
    cached_tokens: o.cached_tokens ?? null,
  };
};

describe('points.jsonl, streamed', () => {
  const lines = [
    // the scenario's own form (sorted keys, compact)
    '{"e2e_ms":189.152,"error":null,"itl_ms":[9.983,10.445],"ok":true,"output_tokens":16,"phase":"main","prompt_tokens":37,"status":200,"t":1795422939917.422,"target_output":16,"tpot_ms":10.368,"ttft_ms":33.625,"vu":1}',
    '{"e2e_ms":3.5,"error":"HTTP 503: busy","itl_ms":[],"ok":false,"output_tokens":null,"phase":"warmup","prompt_tokens":null,"status":503,"t":1,"tpot_ms":null,"ttft_ms":null}',
    // with the scheduled time, the error's source and the time to first content (a reasoning model)
    '{"e2e_ms":258.5,"error":"router: no ready replica","error_source":"no_replica","itl_ms":[],"ok":false,"phase":"main","status":503,"t":1796016523117.765,"t_sched":1796016523112.5,"ttfc_ms":null,"ttft_ms":null}',
    '{"e2e_ms":300,"error":null,"error_source":null,"itl_ms":[20],"ok":true,"phase":"main","status":200,"t":10,"t_sched":9.25,"ttfc_ms":150.5,"ttft_ms":70.25,"tpot_ms":20}',
    // a conversation's turn, as the extension writes it (its own key order)
    '{"t":1796016523117.765,"phase":"main","vu":3,"ok":true,"status":200,"error":null,"error_source":null,"ttft_ms":20.5,"ttfc_ms":20.5,"tpot_ms":5,"e2e_ms":60,"itl_ms":[5,5],"prompt_tokens":312,"cached_tokens":304,"output_tokens":3,"target_prompt":8,"target_output":3,"session":"3-1","turn":2}',
    // numbers the fast path hands over: exponents, 17 digits, negatives
    '{"t":1.5e3,"e2e_ms":-0.25,"ttft_ms":0.1,"tpot_ms":12345678901234567.5,"itl_ms":[1E-2,-3,0],"ok":true,"phase":"main","status":200}',
    // white space, an escaped string, nesting and unknown fields: JSON.parse's path
    '{ "t": 2, "phase": "main", "ok": true, "status": 200, "e2e_ms": 5, "itl_ms": [ 1, 2 ] }',
    '{"t":3,"phase":"ma\\u0069n","error":"a \\"quoted\\" message","ok":true,"e2e_ms":1,"extra":{"nested":[1,{"x":2}]}}',
    '{"t":4,"phase":"main","ok":false,"e2e_ms":7,"error":"tête-à-tête ✓"}',
  ];

  it('decodes every line as JSON.parse does', () => {
    const path = file('a.jsonl', `${lines.join('\n')}\n`);
    expect(read(path)).toEqual(lines.map(expected));
  });

  it('the same with chunks shorter than a line (the buffer grows) and lines split across chunks', () => {
    const path = file('b.jsonl', `${lines.join('\n')}\n`);
    for (const chunk of [16, 100, 333]) expect(read(path, chunk)).toEqual(lines.map(expected));
  });

  it('skips a torn last line and blank lines, reads a last line without a newline', () => {
    expect(read(file('c.jsonl', `${lines[0]}\n\n${lines[1]}\n{"t":5,"pha`))).toEqual([expected(lines[0]!), expected(lines[1]!)]);
    expect(read(file('d.jsonl', `${lines[0]}\n${lines[1]}`))).toEqual([expected(lines[0]!), expected(lines[1]!)]);
  });

  it('names the line of a bad line that is not the last', () => {
    expect(() => read(file('e.jsonl', `${lines[0]}\n{oops\n${lines[1]}\n`))).toThrow(/e\.jsonl:2: not a point: /);
  });

  it.each([
    ['a number where a string belongs', '{"t":1,"phase":7,"ok":true}', 'phase: Invalid input: expected string, received number'],
    ['a string where a number belongs', '{"t":"1","phase":"main","ok":true}', 't: Invalid input: expected number, received string'],
    ['no phase', '{"t":1,"ok":true,"e2e_ms":5}', 'phase: Invalid input: expected string, received undefined'],
    ['an array for a number', '{"t":1,"phase":"main","ok":true,"ttft_ms":[1]}', 'ttft_ms: Invalid input: expected number, received array'],
  ])('a compact line with %s is checked on the fast path and named by the schema', (_, bad, why) => {
    expect(() => read(file('f.jsonl', `${lines[0]}\n${bad}\n${lines[1]}\n`))).toThrow(`f.jsonl:2: not a point: ${why}`);
  });

  it('a missing file has no points', () => {
    expect(forEachPoint(join(dir, 'none.jsonl'), () => undefined)).toBe(0);
  });
});
