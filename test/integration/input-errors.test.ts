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
  });

  it.each([
    [['plan', 'bomb.yaml'], /^scalebench: bomb\.yaml:2:\d+: its aliases expand too far/],
    [['run', 'bomb.yaml'], /^scalebench: bomb\.yaml:2:\d+: its aliases expand too far/],
    [['generate', 'bomb.yaml'], /^scalebench: bomb\.yaml:2:\d+: its aliases expand too far/],
    [['plan', 'deep.yaml'], /^scalebench: deep\.yaml:1:\d+: nested more than 64 levels deep/],
    [['plan', 'missing.yaml'], /^scalebench: missing\.yaml: no such file: give the path of a matrix YAML file/],
    [['gate', 'some-run', '--baseline', 'x', '--gates', 'gate.yaml'], /gate\.yaml:2:\d+: rules\[0\]\.metric: unknown metric "ttft_p59"/],
  ])('scalebench %j exits 2 with one line and no stack', async (args, message) => {
    const res = await runCli(args, { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
