import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real processes on a 2-core machine: one file at a time.
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // A temporary folder per run (TMPDIR) and a process sweep at its end: nothing is left behind.
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/plain-summary.ts'],
  },
});
