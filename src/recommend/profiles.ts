import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CurvePoint } from '../analysis/capacity.js';
import { stableJson, writeAtomic } from '../results/files.js';
import { UserError } from '../util/errors.js';
import { checkInput, parseInput, readInputText } from '../util/input-file.js';
import type { CurveFigure } from '../vocabulary/metrics.js';

/**
 * Profiles: the measured capacity of one deployment config, written by
 * `tune` and read by `recommend`. A profile is a benchmark record of
 * source=harness, confidence=measured, carrying the latency-vs-load curve
 * (one point per load per replica) so capacity can be judged again against
 * another SLO. One JSON file per config in a profile directory.
 */

/**
 * The profile format: 2 spells a curve point's figures as the metric table
 * does (`failures`, `successful_rps_per_replica`, `running_per_replica_mean`,
 * …); a profile without `format` is 1 (`errors`, `rps`, `running`, …) and is
 * refused, naming the file: `tune` writes it again from its run.
 */
export const PROFILE_FORMAT = 2;

const num = z.number();
const count = z.number().int().nonnegative();
/** A curve point (CurvePoint): the table's curve figures, its load per replica and whether it was saturated. */
const figures = {
  requests: count,
  failures: count,
  ttft_ms_p95: num.optional(),
  tpot_ms_p95: num.optional(),
  e2e_ms_p95: num.optional(),
  successful_rps_per_replica: num.optional(),
  in_flight_per_replica_mean: num.optional(),
  running_per_replica_mean: num.optional(),
  waiting_per_replica_mean: num.optional(),
  kv_cache_usage_mean: num.optional(),
} satisfies Record<CurveFigure, z.ZodType>;
const curvePoint = z.strictObject({ load: num, ...figures, saturated: z.boolean().optional() }) satisfies z.ZodType<CurvePoint>;

export const profileSchema = z.strictObject({
  format: z.literal(PROFILE_FORMAT),
  source: z.literal('harness'),
  confidence: z.literal('measured'),
  run_id: z.string(),
  created_at: z.string(),
  config: z.strictObject({
    key: z.string(),
    deployment: z.string(),
    model: z.string(),
    hardware: z.string(),
    gpus_per_replica: z.number().int().positive(),
    precision: z.string(),
    max_num_seqs: z.number().int().positive(),
    max_model_len: z.number().int().positive(),
    engine: z.string(),
    workload: z.string(),
    prompt_tokens: num,
    output_tokens: num,
  }),
  /** users: the load is concurrent users per replica; rate: requests/s per replica. */
  arrival: z.enum(['users', 'rate']),
  slo: z.strictObject({ ttft_ms_p95: num.optional(), tpot_ms_p95: num.optional(), e2e_ms_p95: num.optional() }),
  curve: z.array(curvePoint),
  /** Measured scale-up lag (load step → replica ready), real-time seconds, when anything scaled. */
  scale_up_lag_s: num.optional(),
});
export type Profile = z.infer<typeof profileSchema>;
/** What identifies a deployment config across runs: model, GPUs, precision, max_num_seqs, workload, engine. */
export function configKey(c: Omit<Profile['config'], 'key' | 'deployment' | 'max_model_len' | 'prompt_tokens' | 'output_tokens'>): string {
  return `${c.model}|${c.gpus_per_replica}x${c.hardware}|${c.precision}|seqs${c.max_num_seqs}|${c.workload}|${c.engine}`;
}

/** The file a profile is stored in: its key, made safe for a file name. */
export function profileFileName(key: string): string {
  return `${key
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '')}.json`;
}

/** Writes profiles into a directory (one file per config; a newer profile of the same config replaces the older). */
export function writeProfiles(dir: string, profiles: readonly Profile[]): string[] {
  mkdirSync(dir, { recursive: true });
  return profiles.map((p) => {
    const path = join(dir, profileFileName(p.config.key));
    writeAtomic(path, stableJson(p));
    return path;
  });
}

/** Every profile of a directory (none when it does not exist); a bad file is a UserError naming it and the field. */
export function readProfiles(dir: string): Profile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const fix = 'remove it or write it again with `scalebench tune`';
      const input = parseInput(readInputText(path, fix), path);
      const format = formatOf(input.data);
      if (format !== undefined && format !== PROFILE_FORMAT) {
        throw new UserError(
          `${path}: a profile of format ${format}; this scalebench reads format ${PROFILE_FORMAT} (curve points under the metric table's names): re-run \`scalebench tune <run-id>\` on its run (${runIdOf(input.data)}) to write it again, or remove it`,
        );
      }
      return checkInput(input, profileSchema, fix);
    });
}

/** A profile file's `format` (1 when it has none, as before formats existed); undefined when it is no object, or its format no number (the schema says what is wrong). */
function formatOf(data: unknown): number | undefined {
  const r = z.looseObject({ format: z.number().optional() }).safeParse(data);
  return r.success ? (r.data.format ?? 1) : undefined;
}
const runIdOf = (data: unknown): string => {
  const r = z.looseObject({ run_id: z.string() }).safeParse(data);
  return r.success ? `run_id ${r.data.run_id}` : 'its run_id';
};
