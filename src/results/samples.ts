import { z } from 'zod';
import { promSampleMetrics, type PromSampleMetric } from '../vocabulary/metrics.js';

/** Replica counts as a Deployment's status would give them. */
export const replicaCountsSchema = z.object({
  /** What the autoscaler (or the fixed size) asked for. */
  desired: z.number(),
  /** Replicas that exist and are not being drained. */
  current: z.number(),
  /** Replicas passing their health check. */
  ready: z.number(),
});
export type ReplicaCounts = z.infer<typeof replicaCountsSchema>;

/** A sample's Prometheus figures, by their names in the metric table; null where the query had no value (an idle quantile is NaN). */
export const serverFiguresSchema = z.strictObject(
  Object.fromEntries(promSampleMetrics.map((m) => [m, z.number().nullable().optional()])) as Record<
    PromSampleMetric,
    z.ZodOptional<z.ZodNullable<z.ZodNumber>>
  >,
);
export type ServerFigures = z.infer<typeof serverFiguresSchema>;

/** One observation at one instant, one line of samples.jsonl. */
export const sampleSchema = z.object({
  /** ms since the epoch. */
  t: z.number(),
  /** Seconds since the cell's load started (negative before). */
  elapsed_s: z.number(),
  phase: z.string(),
  /** Offered load at this instant: users, or requests/s for arrival-rate. */
  offered: z.number(),
  replicas: replicaCountsSchema,
  in_flight: z.number().optional(),
  /** Mean CPU utilisation of the replicas since the last sample, % of their CPU request. */
  cpu_utilization_pct: z.number().optional(),
  /** Client side so far (main phase). */
  requests: z.number(),
  failures: z.number(),
  /** Server side, from Prometheus. */
  server: serverFiguresSchema.optional(),
  /** Values of the autoscaler's metrics as it last saw them. */
  autoscaler: z.record(z.string(), z.number().nullable()).optional(),
  /** Set when Prometheus could not be read for this sample. */
  gap: z.string().optional(),
});
export type Sample = z.infer<typeof sampleSchema>;
