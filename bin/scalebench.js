#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('scalebench: not built yet. Run `npm run build` (or `bash scripts/setup`) first.\n');
  process.exit(2);
}
await import(main.href);
