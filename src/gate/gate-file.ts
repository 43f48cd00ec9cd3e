import { z } from 'zod';
import type { GateRule } from '../analysis/regression.js';
import { didYouMean } from '../matrix/issues.js';
import { UserError } from '../util/errors.js';
import { gateableMetrics } from './metrics.js';
import { readYamlFile } from './yaml-file.js';

/** gates/*.yaml: which record fields are gated, which way is better, and what size of change must be caught. */
const ruleSchema = z.strictObject({
  metric: z.string().min(1),
  better: z.enum(['lower', 'higher']),
  rel_tolerance: z.number().min(0).default(0.05),
  abs_tolerance: z.number().min(0).default(0),
  confidence: z.number().gt(0).lt(1).default(0.95),
  /** History only: a change point in this metric counts only with one in any of these, in the same cell, within a run. */
  corroborated_by: z.array(z.string().min(1)).min(1).optional(),
});
const gateFileSchema = z.strictObject({ rules: z.array(ruleSchema).min(1) });

/** A rule as the gate uses it: the comparison rule, and what history needs to believe a change point. */
export interface ResolvedGateRule extends GateRule {
  /** Metrics of which one must show a change point too (same cell, ±1 run). @default none */
  corroboratedBy?: string[];
}

/** The rules used when no gate file is given: the same as gates/default.yaml. */
export const defaultRules: ResolvedGateRule[] = [
  { metric: 'ttft_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 5, confidence: 0.95 },
  { metric: 'tpot_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 1, confidence: 0.95 },
  { metric: 'e2e_ms_p95', better: 'lower', relTolerance: 0.1, absTolerance: 50, confidence: 0.95 },
  { metric: 'achieved_rps', better: 'higher', relTolerance: 0.05, absTolerance: 0, confidence: 0.95 },
  { metric: 'slo_attainment', better: 'higher', relTolerance: 0.02, absTolerance: 0.01, confidence: 0.95 },
  { metric: 'goodput_rps', better: 'higher', relTolerance: 0.05, absTolerance: 0.05, confidence: 0.95 },
  { metric: 'replica_seconds', better: 'lower', relTolerance: 0.15, absTolerance: 5, confidence: 0.95, corroboratedBy: ['scale_up_lag_s', 'oscillations', 'slo_attainment'] },
  { metric: 'scale_up_lag_s', better: 'lower', relTolerance: 0.25, absTolerance: 2, confidence: 0.95 },
  { metric: 'oscillations', better: 'lower', relTolerance: 0, absTolerance: 1, confidence: 0.95 },
];

export function readGateFile(path: string): ResolvedGateRule[] {
  const { data, where } = readYamlFile(path, gateFileSchema);
  const known = [...gateableMetrics];
  const unknown: string[] = [];
  const check = (metric: string, at: Array<string | number>): void => {
    if (!gateableMetrics.has(metric)) {
      unknown.push(`${where(at)}: ${at.join('.').replace(/\.(\d+)/g, '[$1]')}: unknown metric "${metric}"${didYouMean(metric, known)} (a numeric field of records.jsonl)`);
    }
  };
  data.rules.forEach((r, i) => {
    check(r.metric, ['rules', i, 'metric']);
    r.corroborated_by?.forEach((m, j) => check(m, ['rules', i, 'corroborated_by', j]));
  });
  if (unknown.length) throw new UserError(unknown.join('\n'));
  return data.rules.map((r) => ({
    metric: r.metric,
    better: r.better,
    relTolerance: r.rel_tolerance,
    absTolerance: r.abs_tolerance,
    confidence: r.confidence,
    ...(r.corroborated_by ? { corroboratedBy: r.corroborated_by } : {}),
  }));
}
