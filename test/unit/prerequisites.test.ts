import { afterEach, describe, expect, it, vi } from 'vitest';
import { prerequisite } from '../prerequisites.js';

describe('a missing test prerequisite', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    vi.restoreAllMocks();
  });

  it('fails the tests under CI=true, naming it and the fix', () => {
    process.env.CI = 'true';
    expect(() => prerequisite('chromium', false, 'run scripts/setup')).toThrow('missing prerequisite: chromium: run scripts/setup');
  });

  it('elsewhere skips, printing why', () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(prerequisite('chromium', false, 'run scripts/setup')).toBe(false);
    expect(warn).toHaveBeenCalledWith('skipped: missing prerequisite: chromium: run scripts/setup');
  });

  it('present: the tests run', () => {
    process.env.CI = 'true';
    expect(prerequisite('chromium', true, '')).toBe(true);
  });
});
