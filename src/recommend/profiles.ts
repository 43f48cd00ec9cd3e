import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CurvePoint } from '../analysis/capacity.js';
import { stableJson, writeAtomic } from '../results/files.js';
import { readInputFile } from '../util/input-file.js';

/**
 * Profiles: the measured capacity of one deployment config, written by
 * `tune` and read by `recommend`. A profile is a benchmark record of
 * source=harness, confidence=measured, carrying the latency-vs-load curve
 * (one point per load per replica) so capacity can be judged again against
 * another SLO. One JSON file per config in a profile directory.
 */

const num = z.number();
const curvePoint = z.strictObject({
  load: num,
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  ttft_ms_p95: num.optional(),
  tpot_ms_p95: num.optional(),
  e2e_ms_p95: num.optional(),
  rps: num.optional(),
  in_flight: num.optional(),
  running: num.optional(),
  waiting: num.optional(),
  kv_cache_usage: num.optional(),
  saturated: z.boolean().optional(),
});

export const profileSchema = z.strictObject({
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
type PointRow = z.infer<typeof curvePoint>;

/** Optional numeric fields of a curve point and their names in the profile file. */
const optionalFields = [
  ['ttft_ms_p95', 'ttft_ms_p95'],
  ['tpot_ms_p95', 'tpot_ms_p95'],
  ['e2e_ms_p95', 'e2e_ms_p95'],
  ['rps', 'rps'],
  ['inFlight', 'in_flight'],
  ['running', 'running'],
  ['waiting', 'waiting'],
  ['kvCacheUsage', 'kv_cache_usage'],
] as const;

/** A curve point as the profile file spells it. */
export function pointRow(p: CurvePoint): PointRow {
  const row: PointRow = { load: p.load, requests: p.requests, errors: p.errors };
  for (const [from, to] of optionalFields) if (p[from] !== undefined) row[to] = p[from];
  if (p.saturated) row.saturated = true;
  return row;
}

/** A profile's curve point as the analysis uses it. */
export function curvePointOf(r: PointRow): CurvePoint {
  const p: CurvePoint = { load: r.load, requests: r.requests, errors: r.errors };
  for (const [to, from] of optionalFields) if (r[from] !== undefined) p[to] = r[from];
  if (r.saturated) p.saturated = true;
  return p;
}

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
      return readInputFile(path, profileSchema, { fix, hint: fix }).data;
    });
}
