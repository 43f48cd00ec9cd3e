import { z } from 'zod';
import { cellMetrics, metricNameProblem } from '../vocabulary/metrics.js';

/**
 * One row per cell in the benchmark-record format the recommender reads
 * (../shared/reference/recommender.md "Record"), flat, units in the names;
 * null where a figure was not measured: records.jsonl, and the records of a
 * baseline. Keys come in a fixed order (identity, stack, load, the metric
 * table's cell figures, verdict) so records.jsonl diffs.
 */
export type BenchmarkRecord = Record<string, string | number | boolean | null>;

/** The fields of a record that are not figures of the metric table: who, what ran, how it was loaded, the verdict. */
export const recordSettings = [
  // identity
  'run_id',
  'cell_id',
  'cell_key',
  'deployment',
  'repeat',
  'created_at',
  'source',
  'confidence',
  'status',
  // stack
  'model',
  'precision',
  'engine',
  'engine_version',
  'hardware',
  'gpus_per_replica',
  'tensor_parallel',
  'replicas_min',
  'replicas_max',
  'max_num_seqs',
  'max_model_len',
  'max_num_batched_tokens',
  'gpu_memory_utilization',
  'prefix_caching',
  'gpu_cost_usd_per_hour',
  'gpu_sharing',
  'autoscaler',
  'autoscaler_kind',
  'autoscaler_target',
  // load
  'profile',
  'prompt_tokens_target',
  'output_tokens_target',
  'arrival',
  'shape',
  'level',
  'duration_s',
  'warmup_s',
  // verdict
  'server_ttft_excludes_queue',
  'slo_pass_ttft',
  'slo_pass_tpot',
  'slo_pass_e2e',
  'saturation',
  'validity',
  'validity_reasons',
  'error_sources',
] as const;

const known = new Set<string>([...recordSettings, ...cellMetrics]);
const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * A record read back (records.jsonl, a baseline): every key a setting or a
 * figure of the metric table. A key from an older record format (a renamed
 * figure) is an error at that key, naming the figure's name now.
 */
export const benchmarkRecordSchema = z.record(z.string(), value).superRefine((r, ctx) => {
  for (const key of Object.keys(r)) {
    if (!known.has(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${metricNameProblem(key) ?? `unknown field "${key}"`}: a record of an older scalebench? write the report again (scalebench report) or save a new baseline`,
      });
  }
});

/** A saved baseline (reports/baselines/<name>.json): the records of one run, with what identifies how they were made. */
export const baselineSchema = z.object({
  name: z.string(),
  createdAt: z.string(),
  runId: z.string(),
  matrixHash: z.string(),
  tools: z.record(z.string(), z.string()),
  records: z.array(benchmarkRecordSchema),
});
