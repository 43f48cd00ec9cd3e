import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { GateRule } from '../analysis/regression.js';
import { UserError } from '../util/errors.js';

/** gates/*.yaml: which record fields are gated, which way is better, and how much change is noise. */
const ruleSchema = z.strictObject({
  metric: z.string().min(1),
  better: z.enum(['lower', 'higher']),
  rel_tolerance: z.number().min(0).default(0.05),
  abs_tolerance: z.number().min(0).default(0),
  confidence: z.number().gt(0).lt(1).default(0.95),
});
const gateFileSchema = z.strictObject({ rules: z.array(ruleSchema).min(1) });

/** The rules used when no gate file is given. */
export const defaultRules: GateRule[] = [
  { metric: 'ttft_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 5, confidence: 0.95 },
  { metric: 'tpot_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 1, confidence: 0.95 },
  { metric: 'e2e_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 50, confidence: 0.95 },
  { metric: 'slo_attainment', better: 'higher', relTolerance: 0.02, absTolerance: 0.01, confidence: 0.95 },
  { metric: 'achieved_rps', better: 'higher', relTolerance: 0.05, absTolerance: 0, confidence: 0.95 },
  { metric: 'replica_seconds', better: 'lower', relTolerance: 0.15, absTolerance: 0, confidence: 0.95 },
];

export function readGateFile(path: string): GateRule[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: cannot read the gate file: ${(err as Error).message}`);
  }
  const parsed = gateFileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${path}: ${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')}: ${i.message}`);
  }
  return parsed.data.rules.map((r) => ({ metric: r.metric, better: r.better, relTolerance: r.rel_tolerance, absTolerance: r.abs_tolerance, confidence: r.confidence }));
}
