import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, RunEta, type CellProgress } from '../../src/runner/progress.js';

/** A stream that records what is written, as a TTY or not. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = {
    isTTY,
    columns: 300,
    text: '',
    write(chunk: string): boolean {
      s.text += chunk;
      return true;
    },
  };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const cell = (over: Partial<CellProgress> = {}): CellProgress => ({
  index: 1,
  total: 3,
  id: 'd.keda.step16.r1-abc',
  phase: 'load',
  elapsedMs: 5000,
  expectedMs: 20_000,
  requests: 42,
  errors: 0,
  replicas: { ready: 2, desired: 3 },
  ...over,
});

describe('the run ETA', () => {
  it('is the cell in hand left by its estimate plus the cells after it, rescaled by how finished cells compared with theirs', () => {
    const eta = new RunEta([30_000, 30_000, 30_000]);
    expect(eta.remainingMs(1, 0)).toBe(90_000);
    expect(eta.remainingMs(1, 10_000)).toBe(80_000);
    // The first cell took 45 s for an estimate of 30: the rest is expected to take 1.5× too.
    expect(eta.remainingMs(2, 45_000)).toBe(90_000);
    expect(eta.remainingMs(3, 90_000)).toBe(45_000);
    expect(eta.remainingMs(3, 200_000)).toBe(0);
  });
});

describe('the progress line', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('on a TTY shows cell i/n, phase, elapsed, time left for the cell and the run, requests and replicas', () => {
    vi.stubEnv('CI', '');
    const out = stream(true);
    let t = 0;
    const p = createProgress({ json: false, stream: out, estimatesMs: [20_000, 20_000, 20_000], now: () => t });
    t = 5000;
    p.update(cell());
    expect(out.text).toBe('\r\x1b[2K[1/3] d.keda.step16.r1-abc  load  5s (~15s left, run ETA 1m)  requests 42  errors 0  replicas 2/3');
  });

  it.each([
    ['not a TTY', false, '', false],
    ['CI=true', true, 'true', false],
    ['--json', true, '', true],
  ])('is silent when %s, and still prints the line of a finished cell', (_name, isTTY, ci, json) => {
    vi.stubEnv('CI', ci);
    const out = stream(isTTY);
    const p = createProgress({ json, stream: out, estimatesMs: [1000] });
    p.update(cell());
    p.cellDone('cell 1/3 done');
    expect(out.text).toBe('cell 1/3 done\n');
  });
});
