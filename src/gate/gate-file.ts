import { z } from 'zod';
import type { GateRule } from '../analysis/regression.js';
import { UserError } from '../util/errors.js';
import { cellMetricSchema, metrics, type CellMetric } from '../vocabulary/metrics.js';
import { readYamlFile } from './yaml-file.js';

/**
 * gates/*.yaml: which figures of the metric table are gated and what size of
 * change must be caught. Which way is better comes from the table; a rule may
 * repeat it (`better:`), and must for a figure the table gives no direction.
 */
const ruleSchema = z.strictObject({
  metric: cellMetricSchema,
  better: z.enum(['lower', 'higher']).optional(),
  rel_tolerance: z.number().min(0).default(0.05),
  abs_tolerance: z.number().min(0).default(0),
  confidence: z.number().gt(0).lt(1).default(0.95),
  /** History only: a change point in this metric counts only with one in any of these, in the same cell, within a run. */
  corroborated_by: z.array(cellMetricSchema).min(1).optional(),
});
const gateFileSchema = z.strictObject({ rules: z.array(ruleSchema).min(1) });

/** A rule as the gate uses it: the comparison rule, and what history needs to believe a change point. */
export interface ResolvedGateRule extends GateRule {
  metric: CellMetric;
  /** Metrics of which one must show a change point too (same cell, ±1 run). @default none */
  corroboratedBy?: CellMetric[];
}

type DefaultRule = Pick<ResolvedGateRule, 'metric' | 'relTolerance' | 'absTolerance'> & Partial<Pick<ResolvedGateRule, 'corroboratedBy'>>;
const withDirection = (r: DefaultRule): ResolvedGateRule => {
  const better = metrics[r.metric].better;
  if (better === 'none') throw new Error(`default gate rule on ${r.metric}, which has no direction in the metric table`);
  return { ...r, better, confidence: 0.95 };
};

/** The rules used when no gate file is given: the same as gates/default.yaml. */
export const defaultRules: ResolvedGateRule[] = (
  [
    { metric: 'ttft_ms_p95', relTolerance: 0.1, absTolerance: 5 },
    { metric: 'tpot_ms_p95', relTolerance: 0.1, absTolerance: 1 },
    { metric: 'e2e_ms_p95', relTolerance: 0.1, absTolerance: 50 },
    { metric: 'achieved_rps', relTolerance: 0.05, absTolerance: 0 },
    { metric: 'slo_attainment', relTolerance: 0.02, absTolerance: 0.01 },
    { metric: 'goodput_rps', relTolerance: 0.05, absTolerance: 0.05 },
    { metric: 'replica_seconds', relTolerance: 0.15, absTolerance: 5, corroboratedBy: ['scale_up_lag_s', 'oscillations', 'slo_attainment'] },
    { metric: 'scale_up_lag_s', relTolerance: 0.25, absTolerance: 2 },
    { metric: 'oscillations', relTolerance: 0, absTolerance: 1 },
  ] satisfies DefaultRule[]
).map(withDirection);

export function readGateFile(path: string): ResolvedGateRule[] {
  const { data, where } = readYamlFile(path, gateFileSchema);
  const problems: string[] = [];
  const rules = data.rules.map((r, i): ResolvedGateRule => {
    const table = metrics[r.metric].better;
    const at = (field: string): string => `${where(['rules', i, field])}: rules[${i}].${field}`;
    if (table === 'none' && !r.better) problems.push(`${at('metric')}: ${r.metric} has no better side in the metric table: say which (better: lower | higher)`);
    if (table !== 'none' && r.better && r.better !== table)
      problems.push(`${at('better')}: ${r.metric} is ${table}-is-better in the metric table, the rule says ${r.better}: drop better, or gate another metric`);
    return {
      metric: r.metric,
      better: r.better ?? (table === 'none' ? 'lower' : table),
      relTolerance: r.rel_tolerance,
      absTolerance: r.abs_tolerance,
      confidence: r.confidence,
      ...(r.corroborated_by ? { corroboratedBy: r.corroborated_by } : {}),
    };
  });
  if (problems.length) throw new UserError(problems.join('\n'));
  return rules;
}
