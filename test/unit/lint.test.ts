import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.js';

// The formatter and linter (Biome, biome.json) run with the tests, so CI fails on
// unformatted code or a lint finding and names the file, line and rule.
// `npm run format` rewrites the files; `npm run lint` shows what is wrong.
describe('biome check', () => {
  it('finds the tree formatted and free of lint findings', () => {
    const r = spawnSync(join(projectRoot, 'node_modules', '.bin', 'biome'), ['check', '--colors=off', '--max-diagnostics=30', '.'], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    expect(r.error, 'biome is missing: run npm ci (it is a devDependency)').toBeUndefined();
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 60_000);
});
