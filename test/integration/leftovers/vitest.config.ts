import { defineConfig } from 'vitest/config';
import base from '../../../vitest.config.js';

/**
 * Runs only the fixture of test/integration/leftovers.test.ts, with the
 * project's own settings (its global setup above all).
 */
export default defineConfig({
  ...base,
  root: new URL('../../..', import.meta.url).pathname,
  test: { ...base.test, include: ['test/integration/leftovers/*.fixture.ts'], reporters: ['default'] },
});
