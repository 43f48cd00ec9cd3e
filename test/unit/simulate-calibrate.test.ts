import { describe, expect, it } from 'vitest';
import { podSeconds } from '../../src/simulate/calibrate.js';

describe('podSeconds: replica-seconds from the pods own events', () => {
  it.each([
    ['one pod through the window', [{ t: 0, kind: 'replica-started', pod: 'a' }], 10_000, 20_000, 10],
    [
      'a pod drained mid-window counts until draining, not until its stop',
      [
        { t: 0, kind: 'replica-started', pod: 'a' },
        { t: 15_000, kind: 'replica-draining', pod: 'a' },
        { t: 18_000, kind: 'replica-stopped', pod: 'a' },
      ],
      10_000,
      20_000,
      5,
    ],
    [
      'a pod started inside the window, another crashed',
      [
        { t: 0, kind: 'replica-started', pod: 'a' },
        { t: 12_500, kind: 'replica-started', pod: 'b' },
        { t: 14_000, kind: 'replica-crashed', pod: 'a' },
      ],
      10_000,
      20_000,
      4 + 7.5,
    ],
    ['events without a pod are ignored', [{ t: 0, kind: 'scale' }], 0, 10_000, 0],
  ])('%s', (_name, events, from, to, expected) => {
    expect(podSeconds(events, from, to)).toBeCloseTo(expected, 6);
  });
});
