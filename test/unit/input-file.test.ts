import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readGateFile } from '../../src/gate/gate-file.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { PROFILE_FORMAT, readProfiles, writeProfiles, type Profile } from '../../src/recommend/profiles.js';
import { readRecipes } from '../../src/catalog/catalog.js';
import { parseRecommendation } from '../../src/recommend/recommendation-file.js';
import { INPUT_LIMITS, parseInput, readInputFile } from '../../src/util/input-file.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'scalebench-test-input-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** The message of what fn throws. */
const thrown = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

/** A profile as `tune` writes it. */
const profile: Profile = {
  format: PROFILE_FORMAT,
  source: 'harness',
  confidence: 'measured',
  run_id: 'first',
  created_at: '2026-11-30T12:00:00.000Z',
  config: {
    key: 'm|1xL4|bf16|seqs8|chat|vllm',
    deployment: 'tiny',
    model: 'm',
    hardware: 'L4',
    gpus_per_replica: 1,
    precision: 'bf16',
    max_num_seqs: 8,
    max_model_len: 4096,
    engine: 'vllm',
    workload: 'chat',
    prompt_tokens: 256,
    output_tokens: 128,
  },
  arrival: 'users',
  slo: { ttft_ms_p95: 300 },
  curve: [
    {
      load: 2,
      requests: 50,
      failures: 1,
      ttft_ms_p95: 120,
      successful_rps_per_replica: 6,
      in_flight_per_replica_mean: 2,
      running_per_replica_mean: 2,
      waiting_per_replica_mean: 0,
      kv_cache_usage_mean: 0.1,
    },
  ],
};

/** `a: &a [x × 9]`, then eight more levels each of nine aliases of the one before: 9^9 values expanded. */
const aliasBomb = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join(
  '\n',
);

describe('the one input loader', () => {
  it('refuses an alias bomb with one positioned line', () => {
    const m = thrown(() => parseInput(aliasBomb, 'bomb.yaml'));
    expect(m).toMatch(/^bomb\.yaml:2:\d+: its aliases expand too far/);
    expect(m.split('\n')).toHaveLength(1);
  });

  it('refuses a document nested past the limit', () => {
    const deep = `${'['.repeat(INPUT_LIMITS.maxDepth + 2)}1${']'.repeat(INPUT_LIMITS.maxDepth + 2)}`;
    expect(thrown(() => parseInput(deep, 'deep.yaml'))).toMatch(/^deep\.yaml:1:\d+: nested more than 64 levels deep/);
  });

  it('refuses a file larger than the limit, naming its size', () => {
    const big = file('big.yaml', `a: "${'x'.repeat(INPUT_LIMITS.maxBytes)}"\n`);
    expect(thrown(() => readInputFile(big, z.object({}), { fix: 'use a smaller one' }))).toMatch(
      /big\.yaml: \d+ bytes, more than an input file may hold \(8388608\): use a smaller one/,
    );
  });

  it('reports every syntax error and every schema problem, each at file:line:col', () => {
    expect(
      thrown(() => parseInput('a: [1, 2\nb: {c: 1\n', 'bad.yaml'))
        .split('\n')
        .every((l) => /^bad\.yaml:\d+:\d+: /.test(l)),
    ).toBe(true);
    const path = file('two.yaml', 'a: 1\nb:\n  c: "x"\n');
    const m = thrown(() => readInputFile(path, z.object({ a: z.string(), b: z.object({ c: z.number() }) }), { fix: '' }));
    expect(m.split('\n')).toEqual([expect.stringMatching(/two\.yaml:1:4: a: /), expect.stringMatching(/two\.yaml:3:6: b\.c: /)]);
  });

  it('a matrix: the alias bomb is an input error (exit 2), not a crash', () => {
    const m = thrown(() => parseMatrix(aliasBomb, 'bomb.yaml', projectCatalog()));
    expect(m).toMatch(/^bomb\.yaml:2:\d+: its aliases expand too far/);
  });

  it('a gate file: every unknown metric, each at file:line:col', () => {
    const path = file(
      'gate.yaml',
      'rules:\n  - { metric: ttft_p59, better: lower, rel_tolerance: 0.1 }\n  - { metric: ttft_ms_p95, better: lower, rel_tolerance: 0.1, corroborated_by: [tpot_p59] }\n',
    );
    const lines = thrown(() => readGateFile(path)).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/gate\.yaml:2:\d+: rules\[0\]\.metric: unknown metric "ttft_p59"/);
    expect(lines[1]).toMatch(/gate\.yaml:3:\d+: rules\[1\]\.corroborated_by\[0\]: unknown metric "tpot_p59"/);
  });

  it('a recipe: its problems at file:line:col', () => {
    const d = join(dir, 'recipes');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'r1.yaml'), 'id: r1\nmodel: 12\n');
    const m = thrown(() => readRecipes(d));
    expect(m).toMatch(/recipes\/r1\.yaml:2:8: model: /);
  });

  it('a profile: its problems at file:line:col, with what to do', () => {
    const d = join(dir, 'profiles');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'p.json'), '{\n  "format": 2,\n  "model": 5\n}\n');
    const m = thrown(() => readProfiles(d));
    expect(m).toMatch(/profiles\/p\.json:\d+:\d+: .*remove it or write it again with `scalebench tune`/);
  });

  it('a profile of the old format (no `format`, curve points as errors/rps/running): one line naming it and `scalebench tune`', () => {
    const d = join(dir, 'profiles-old');
    mkdirSync(d, { recursive: true });
    const old = { ...profile, curve: [{ load: 2, requests: 50, errors: 0, rps: 6, running: 2, waiting: 0, in_flight: 2, kv_cache_usage: 0.1 }] };
    delete (old as { format?: number }).format;
    writeFileSync(join(d, 'old.json'), JSON.stringify(old, null, 2));
    const m = thrown(() => readProfiles(d));
    expect(m).toBe(
      `${join(d, 'old.json')}: a profile of format 1; this scalebench reads format 2 (curve points under the metric table's names): re-run \`scalebench tune <run-id>\` on its run (run_id first) to write it again, or remove it`,
    );
  });

  it("a profile: written and read back the same, its curve points under the metric table's names; an old name in a format-2 file is refused", () => {
    const d = join(dir, 'profiles-new');
    writeProfiles(d, [profile]);
    expect(readProfiles(d)).toEqual([profile]);
    writeFileSync(join(d, 'bad.json'), JSON.stringify({ ...profile, curve: [{ load: 2, requests: 50, failures: 0, rps: 6 }] }, null, 2));
    expect(thrown(() => readProfiles(d))).toMatch(/bad\.json:\d+:\d+: curve\[0\]: Unrecognized key: "rps"/);
  });

  it('a recommendation: its own fields at file:line:col', () => {
    const m = thrown(() => parseRecommendation('recommendation:\n  name: x\n  deployment: 5\n', 'rec.yaml', projectCatalog()));
    expect(m).toMatch(/^rec\.yaml:3:\d+: recommendation\.deployment: /);
  });
});
