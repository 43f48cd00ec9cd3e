import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ExitCode, UserError } from '../util/errors.js';

/**
 * What the benches read back from the programs they run (a child's JSON on
 * stdout, k6's end-of-test summary), each through its schema: output that is
 * not JSON or does not match is one line naming what wrote it and what is
 * wrong (exit 3: the bench failed), never a stack.
 */

/** JSON text written by `what`, through its schema. */
export function parseOutput<S extends z.ZodType>(text: string, what: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(
      `bench: ${what}: not JSON (${err instanceof Error ? err.message : String(err)}): ${JSON.stringify(text.slice(0, 120))}`,
      ExitCode.runFailed,
    );
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
  throw new UserError(`bench: ${what}: ${problems}`, ExitCode.runFailed);
}

/** A JSON file a program wrote, through its schema (a missing file is one line too). */
export function readOutputFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`bench: ${path}: cannot be read (${err instanceof Error ? err.message : String(err)})`, ExitCode.runFailed);
  }
  return parseOutput(text, path, schema);
}

/** What the benches read of k6's end-of-test summary (handleSummary's data as JSON): the request rate. */
const k6SummarySchema = z.looseObject({
  metrics: z.looseObject({ http_reqs: z.looseObject({ values: z.looseObject({ rate: z.number().nonnegative() }) }) }),
});

/** The requests per second of k6's summary file at `path`. */
export function k6SummaryRate(path: string): number {
  return readOutputFile(path, k6SummarySchema).metrics.http_reqs.values.rate;
}
