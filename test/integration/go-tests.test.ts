import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.js';
import { prerequisite } from '../prerequisites.js';

function haveGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** `go test` in one of the project's Go modules; resolves with its exit code and output. */
function goTest(dir: string, pkg: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('go', ['test', '-count=1', pkg], { cwd: join(projectRoot, 'tools', dir), timeout: 240_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}${err && code === 1 && err.killed ? '\n(killed: timed out)' : ''}` });
    });
  });
}

// The Go tests of the load path: the router (retries, router-made errors, drain) and the
// k6 extension (the stream chunk's fast path against encoding/json, the body built in Go).
describe.runIf(prerequisite('go (the Go tests in tools/router and tools/k6)', haveGo(), 'install Go 1.25 or newer, as scripts/setup asks'))(
  'the load path in Go',
  () => {
    it('passes go test ./... in tools/router', async () => {
      const result = await goTest('router', './...');
      expect(result.code, `go test ./... in tools/router failed:\n${result.output}`).toBe(0);
      expect(result.output).toMatch(/^ok\s+scalebench\.local\/router/m);
    }, 300_000);

    it('passes go test ./llmstream/ in tools/k6', async () => {
      const result = await goTest('k6', './llmstream/');
      expect(result.code, `go test ./llmstream/ in tools/k6 failed:\n${result.output}`).toBe(0);
      expect(result.output).toMatch(/^ok\s+scalebench\.local\/k6\/llmstream/m);
    }, 300_000);
  },
);
