import { z } from 'zod';
import { readYamlFile } from './yaml-file.js';
import { cellMetricSchema } from '../vocabulary/metrics.js';

/**
 * gates/acknowledged.yaml: changes people have looked at and accepted. A
 * matching regression or change point is reported as acknowledged and does not
 * fail the gate until the entry expires.
 */
const ackSchema = z.strictObject({
  metric: cellMetricSchema,
  /** A cell key or a glob over cell keys (`*` matches any characters). @default "*" */
  cells: z.string().min(1).default('*'),
  /** The runs the change shows in, inclusive; ids compare in natural order (numbers by value). */
  runs: z.strictObject({ from: z.string().min(1), to: z.string().min(1).optional() }),
  reason: z.string().min(1),
  /** The day after which the entry no longer applies (YYYY-MM-DD, UTC). */
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD'),
});
const ackFileSchema = z.strictObject({ acknowledged: z.array(ackSchema) });

export interface Acknowledgement {
  metric: string;
  cells: string;
  runs: { from: string; to?: string };
  reason: string;
  /** YYYY-MM-DD; the entry applies through the end of this day (UTC). */
  expires: string;
  /** file:line of the entry, for messages. */
  at: string;
}

export function readAcknowledgements(path: string): Acknowledgement[] {
  const { data, lineOf } = readYamlFile(path, ackFileSchema);
  return data.acknowledged.map((a, i) => ({
    metric: a.metric,
    cells: a.cells,
    runs: a.runs,
    reason: a.reason,
    expires: a.expires,
    at: `${path}:${lineOf(['acknowledged', i])}`,
  }));
}

/** Natural order of run ids: digit runs compare by value, so nightly-999 < nightly-1000. */
export const compareRunIds = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

export type AckMatch = { ack: Acknowledgement; expired: false } | { ack: Acknowledgement; expired: true } | undefined;

/**
 * The entry covering a change of `metric` in `cell` seen at `run`, if any; an
 * expired entry is returned as such (the change fails again, and says why).
 */
export function acknowledgementFor(acks: readonly Acknowledgement[], metric: string, cell: string, run: string, now: Date): AckMatch {
  let expired: AckMatch;
  for (const ack of acks) {
    if (ack.metric !== metric || !globToRegExp(ack.cells).test(cell)) continue;
    if (compareRunIds(run, ack.runs.from) < 0 || (ack.runs.to !== undefined && compareRunIds(run, ack.runs.to) > 0)) continue;
    if (now.getTime() < Date.parse(`${ack.expires}T00:00:00Z`) + 86_400_000) return { ack, expired: false };
    expired = { ack, expired: true };
  }
  return expired;
}
