import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrivals, drawLength, fitContext, gapCv, rng, type ArrivalProcess } from '../../src/load/arrivals.js';
import { isScheduled, writeSchedule } from '../../src/load/schedule.js';
import { readTrace } from '../../src/load/trace.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { expandCells } from '../../src/matrix/expand.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'scalebench-test-traffic-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const thrown = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('arrival processes: 10,000 arrivals each, seeded', () => {
  const take = (p: ArrivalProcess, rate: number, n: number, seed = 42): number[] => {
    const out: number[] = [];
    for (const t of arrivals(p, rate, Infinity, seed)) {
      out.push(t);
      if (out.length === n) break;
    }
    return out;
  };

  it.each([
    [{ process: 'poisson' } as const, 1],
    [{ process: 'gamma', cv: 0.5 } as const, 0.5],
    [{ process: 'gamma', cv: 2 } as const, 2],
    [{ process: 'gamma', cv: 4 } as const, 4],
  ])("%j: the gaps' coefficient of variation within 10 % of %f, the mean rate within 5 %", (p, cv) => {
    const times = take(p, 20, 10_000);
    expect(Math.abs(gapCv(times) - cv) / cv).toBeLessThan(0.1);
    const rate = (times.length - 1) / ((times[times.length - 1]! - times[0]!) / 1000);
    expect(Math.abs(rate - 20) / 20).toBeLessThan(0.05);
  });

  it('uniform: evenly spaced at the rate', () => {
    expect(take({ process: 'uniform' }, 4, 5)).toEqual([0, 250, 500, 750, 1000]);
  });

  it('on-off: requests only in the on parts, the mean rate kept over whole cycles', () => {
    const times = [...arrivals({ process: 'on-off', onMs: 1000, offMs: 3000 }, 10, 400_000, 7)];
    expect(times.every((t) => t % 4000 < 1000)).toBe(true);
    expect(Math.abs(times.length / 400 - 10) / 10).toBeLessThan(0.05);
  });

  it('diurnal: the busy half of the period carries (1 + 2a/π) / (1 − 2a/π) times the quiet half', () => {
    const times = [...arrivals({ process: 'diurnal', periodMs: 10_000, amplitude: 0.8 }, 20, 1_000_000, 3)];
    const busy = times.filter((t) => t % 10_000 < 5000).length;
    const quiet = times.length - busy;
    const expected = (1 + (2 * 0.8) / Math.PI) / (1 - (2 * 0.8) / Math.PI);
    expect(Math.abs(busy / quiet - expected) / expected).toBeLessThan(0.05);
  });

  it('the same seed gives the same schedule; another seed another', () => {
    expect(take({ process: 'gamma', cv: 2 }, 5, 100, 1)).toEqual(take({ process: 'gamma', cv: 2 }, 5, 100, 1));
    expect(take({ process: 'gamma', cv: 2 }, 5, 100, 1)).not.toEqual(take({ process: 'gamma', cv: 2 }, 5, 100, 2));
  });
});

describe('request lengths', () => {
  it('lognormal: the mean and standard deviation asked for (10,000 draws, within 5 %)', () => {
    const u = rng(9);
    const xs = Array.from({ length: 10_000 }, () => drawLength({ dist: 'lognormal', mean: 500, stdev: 400, min: 1, max: 1e9 }, u));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    expect(Math.abs(mean - 500) / 500).toBeLessThan(0.05);
    expect(Math.abs(sd - 400) / 400).toBeLessThan(0.05);
  });

  it('fit the context: output first, the prompt in what is left', () => {
    expect(fitContext(3000, 1500, 4096)).toEqual({ prompt: 2596, output: 1500 });
    expect(fitContext(10, 9000, 4096)).toEqual({ prompt: 1, output: 4095 });
  });
});

describe('traces', () => {
  it('Azure LLM inference layout: times from the first row (sub-ms kept), context and generated tokens', () => {
    const rows = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
    for (let i = 0; i < 300; i++)
      rows.push(`2023-11-16 18:${String(15 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.5000000,${100 + i},${10 + (i % 7)}`);
    const t = [...readTrace(file('azure.csv', `${rows.join('\n')}\n`))];
    expect(t).toHaveLength(300);
    expect(t[0]).toMatchObject({ tMs: 0, prompt: 100, output: 10 });
    expect(t[61]).toMatchObject({ tMs: 61_000, prompt: 161, output: 10 + (61 % 7) });
  });

  it('BurstGPT layout: Timestamp in seconds, request and response tokens by column name', () => {
    const rows = ['Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type'];
    for (let i = 0; i < 200; i++) rows.push(`${5 + i * 0.25},ChatGPT,${200 + i},${50 + i},${250 + 2 * i},Conversation log`);
    const t = [...readTrace(file('burst.csv', `${rows.join('\r\n')}\r\n`))];
    expect(t).toHaveLength(200);
    expect(t[4]).toMatchObject({ tMs: 1000, prompt: 204, output: 54 });
  });

  it('JSON lines, with sessions', () => {
    const t = [
      ...readTrace(file('t.jsonl', '{"t_ms":100,"prompt_tokens":5,"output_tokens":6,"session":"a"}\n{"t_ms":150.5,"prompt_tokens":7,"output_tokens":8}\n')),
    ];
    expect(t).toEqual([
      { tMs: 0, prompt: 5, output: 6, session: 'a', line: 1 },
      { tMs: 50.5, prompt: 7, output: 8, line: 2 },
    ]);
  });

  it.each([
    [
      'unsorted',
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,1,1\n2023-11-16 18:15:45.0,1,1\n',
      /unsorted\.csv:3: out of order: a request at -1100 ms after one at 0 ms/,
    ],
    ['bad-time', 'TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,1,1\n', /bad-time\.csv:2: TIMESTAMP: expected a date and time/],
    ['bad-tokens', 'Timestamp,Model,Request tokens,Response tokens\n1.5,m,ten,5\n', /bad-tokens\.csv:2: prompt tokens: expected a whole number/],
    ['not-json', '{"t_ms":1,"prompt_tokens":1,"output_tokens":1}\n{oops\n', /not-json\.csv:2: not JSON/],
    // JSON, but no object: read through a cast, `null.t_ms` threw a TypeError (a stack, exit 3).
    ['null-line', '{"t_ms":1,"prompt_tokens":1,"output_tokens":1}\nnull\n', /\/null-line\.csv:2: expected an object such as \{"t_ms": 0, .*got null$/],
    ['list-line', '{"t_ms":1,"prompt_tokens":1,"output_tokens":1}\n[1,2]\n', /\/list-line\.csv:2: expected an object .*got \[1,2\]$/],
    [
      'session-object',
      '{"t_ms":1,"prompt_tokens":1,"output_tokens":1,"session":{"id":1}}\n',
      /\/session-object\.csv:1: session: expected a string or number, got \{"id":1\}$/,
    ],
    ['unknown', 'a,b,c\n1,2,3\n', /unknown\.csv:1: not a trace layout scalebench reads/],
  ])('a broken trace (%s) names its line', (name, text, message) => {
    expect(thrown(() => [...readTrace(file(`${name}.csv`, text))])).toMatch(message);
  });
});

describe("a cell's schedule", () => {
  const matrix = (load: string): string => `name: s
workload: { profile: tiny, seed: 5 }
deployments:
  - { name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 }, vllm: { max_model_len: 64 } }
load: ${load}
`;

  it('a trace: times scaled by speedup × level from `from`, lengths fitted to the context, written in order', () => {
    const trace = file(
      'sched.jsonl',
      Array.from({ length: 100 }, (_, i) => JSON.stringify({ t_ms: i * 100, prompt_tokens: 10 + i, output_tokens: 5 })).join('\n'),
    );
    const m = parseMatrix(
      matrix(`{ shape: trace, trace: ${trace}, from: 2s, speedup: 2, levels: [1, 2], duration: 2s }`),
      join(dir, 'm.yaml'),
      projectCatalog(),
    );
    const [one, two] = expandCells(m);
    expect(isScheduled(one!.load)).toBe(true);
    const out = join(dir, 'schedule-1.jsonl');
    const s1 = writeSchedule(one!, m.workload, out);
    // trace ms 2000…5999 at speed 2 → cell ms 0…1999.5: 40 requests.
    expect(s1.requests).toBe(40);
    const first = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!) as { t: number; p: number; o: number };
    expect(first).toEqual({ t: 0, p: 30, o: 5 });
    // Level 2 plays twice as fast: 80 requests in the same 2 s (the trace's rest is only 80 long).
    expect(writeSchedule(two!, m.workload, join(dir, 'schedule-2.jsonl')).requests).toBe(80);
    const lens = readFileSync(join(dir, 'schedule-2.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { p: number; o: number });
    expect(Math.max(...lens.map((e) => e.p + e.o))).toBeLessThanOrEqual(64);
  });

  it('an arrival process: seeded, the same schedule twice, the main phase counted apart from the warm-up', () => {
    const m = parseMatrix(
      matrix('{ shape: arrival-rate, rates: [10], duration: 20s, warmup: 2s, arrival: { process: gamma, cv: 2 } }'),
      'm.yaml',
      projectCatalog(),
    );
    const cell = expandCells(m)[0]!;
    const a = writeSchedule(cell, m.workload, join(dir, 'a.jsonl'));
    const b = writeSchedule(cell, m.workload, join(dir, 'b.jsonl'));
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'b.jsonl'), 'utf8'));
    expect(a).toEqual(b);
    expect(a.mainRequests).toBeLessThan(a.requests);
    expect(Math.abs(a.requests / 22 - 10)).toBeLessThan(4);
  });
});
