import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { k6SummaryRate } from '../../src/bench/outputs.js';
import { addPodLine, newPodLines } from '../../src/results/pod-points.js';
import { ExitCode, UserError } from '../../src/util/errors.js';
import { ownPackage, parsePackageJson, readPackageJson } from '../../src/util/package-json.js';

/**
 * Files and outputs read back from other programs or the checkout go through
 * a schema: bad ones are one line naming the file and what is wrong (a
 * UserError, so no stack), where a cast let them through to a TypeError.
 */

const dir = mkdtempSync(join(tmpdir(), 'scalebench-test-outputs-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** What fn throws: a UserError's one line and exit code. */
const refused = (fn: () => unknown): { message: string; exitCode: number } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return { message: err.message, exitCode: err.exitCode };
    throw err;
  }
  throw new Error('expected an error');
};

describe('package.json', () => {
  it("scalebench's own has a name, a version and its pins", () => {
    expect(ownPackage().name).toBe('scalebench');
    expect(ownPackage().version).toMatch(/^\d+\.\d+\.\d+/);
    expect(ownPackage().dependencies?.zod).toMatch(/^\d/);
  });

  it.each([
    ['no version', '{"name": "scalebench"}', 'p.json: version: Invalid input: expected string, received undefined: restore it (git checkout p.json)'],
    ['dependencies not strings', '{"name": "x", "version": "1.0.0", "dependencies": {"zod": 4}}', /^p\.json: dependencies\.zod: .*expected string/],
    ['a list', '[1]', /^p\.json: \(top\): .*expected object/],
    ['not JSON', '{"name": ', /^p\.json: not JSON \(.*\): restore it/],
  ])('a broken one (%s) is one line naming it', (_, text, message) => {
    const r = refused(() => parsePackageJson(text, 'p.json'));
    expect(r.message).toMatch(message);
    expect(r.message.split('\n')).toHaveLength(1);
  });

  it('a missing one is one line naming it', () => {
    expect(refused(() => readPackageJson(join(dir, 'none.json'))).message).toMatch(/none\.json: cannot be read \(ENOENT/);
  });
});

describe("k6's summary, as the benches read it", () => {
  it('gives the request rate', () => {
    expect(k6SummaryRate(file('ok.json', JSON.stringify({ metrics: { http_reqs: { values: { count: 10, rate: 123.5 } } }, root_group: {} })))).toBe(123.5);
  });

  it.each([
    ['no-reqs.json', { metrics: { iterations: { values: { rate: 1 } } } }, /^bench: .*no-reqs\.json: metrics\.http_reqs: .*expected object/],
    ['text-rate.json', { metrics: { http_reqs: { values: { rate: '5' } } } }, /^bench: .*text-rate\.json: metrics\.http_reqs\.values\.rate: .*expected number/],
  ])('a malformed one (%s: no http_reqs, a rate that is text) is one line naming the file and the field, exit 3', (name, body, message) => {
    const r = refused(() => k6SummaryRate(file(name, JSON.stringify(body))));
    expect(r.message).toMatch(message);
    expect(r.message.split('\n')).toHaveLength(1);
    expect(r.exitCode).toBe(ExitCode.runFailed);
  });

  it('a cut-short one is one line too', () => {
    expect(refused(() => k6SummaryRate(file('cut.json', '{"metrics": {"http_'))).message).toMatch(/^bench: .*cut\.json: not JSON \(/);
  });
});

describe("a runner pod's log lines", () => {
  it('are points, the meta line, the end line, or counted as others (a point without a numeric t too)', () => {
    const p = newPodLines(0);
    expect(addPodLine(p, '{"t": 5, "phase": "main", "ok": true}')).toBe('point');
    expect(addPodLine(p, '{"scenario_start_ms": 1}')).toBe('meta');
    expect(addPodLine(p, '{"end": true, "dropped_iterations": 2}')).toBe('end');
    expect(addPodLine(p, '{"t": "5", "phase": "main"}')).toBe('other');
    expect(addPodLine(p, 'k6 says hello')).toBe('other');
    expect(p).toMatchObject({ points: [{ t: 5, main: true, ok: true }], start: { ms: 1 }, end: { droppedIterations: 2 }, other: 2 });
  });
});
