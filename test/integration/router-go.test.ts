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

// The router's own tests (tools/router/main_test.go): retries, router-made errors, drain.
describe.runIf(prerequisite('go (the router tests in tools/router)', haveGo(), 'install Go 1.25 or newer, as scripts/setup asks'))('the router in Go', () => {
  it('passes go test ./... in tools/router', async () => {
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('go', ['test', '-count=1', './...'], { cwd: join(projectRoot, 'tools', 'router'), timeout: 240_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}${err && code === 1 && err.killed ? '\n(killed: timed out)' : ''}` });
      });
    });
    expect(result.code, `go test ./... in tools/router failed:\n${result.output}`).toBe(0);
    expect(result.output).toMatch(/^ok\s+scalebench\.local\/router/m);
  }, 300_000);
});
