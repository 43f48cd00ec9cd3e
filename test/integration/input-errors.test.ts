import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, scratch, writeMatrix } from './helpers.js';

/** Malformed inputs, as a user meets them on the command line: exit 2, one line, no stack. */
const aliasBomb = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join(
  '\n',
);

beforeAll(() => ensureBuilt(), 120_000);

describe('malformed input files on the command line', () => {
  const dir = scratch();
  beforeAll(() => {
    writeMatrix(dir, 'bomb.yaml', aliasBomb);
    writeMatrix(dir, 'deep.yaml', `name: ${'['.repeat(80)}1${']'.repeat(80)}\n`);
    writeMatrix(dir, 'gate.yaml', 'rules:\n  - { metric: ttft_p59, better: lower, rel_tolerance: 0.1 }\n');
    // A profile as `tune` wrote it before the profile format: no `format`, curve points as errors/rps/running.
    mkdirSync(join(dir, 'old-profiles'));
    writeMatrix(
      dir,
      'old-profiles/p.json',
      JSON.stringify({ source: 'harness', run_id: 'r1', curve: [{ load: 2, requests: 50, errors: 0, rps: 6, running: 2 }] }),
    );
  });

  it.each([
    [['plan', 'bomb.yaml'], /^scalebench: bomb\.yaml:2:\d+: its aliases expand too far/],
    [['run', 'bomb.yaml'], /^scalebench: bomb\.yaml:2:\d+: its aliases expand too far/],
    [['generate', 'bomb.yaml'], /^scalebench: bomb\.yaml:2:\d+: its aliases expand too far/],
    [['plan', 'deep.yaml'], /^scalebench: deep\.yaml:1:\d+: nested more than 64 levels deep/],
    [['plan', 'missing.yaml'], /^scalebench: missing\.yaml: no such file: give the path of a matrix YAML file/],
    [['gate', 'some-run', '--baseline', 'x', '--gates', 'gate.yaml'], /gate\.yaml:2:\d+: rules\[0\]\.metric: unknown metric "ttft_p59"/],
    [
      ['recommend', '--use-case', 'chatbot', '--profiles', 'old-profiles'],
      /^scalebench: old-profiles\/p\.json: a profile of format 1; this scalebench reads format 2 .*re-run `scalebench tune <run-id>` on its run \(run_id r1\)/,
    ],
  ])('scalebench %j exits 2 with one line and no stack', async (args, message) => {
    const res = await runCli(args, { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
