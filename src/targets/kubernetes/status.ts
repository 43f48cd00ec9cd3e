import { z } from 'zod';
import type { K8sObject } from '../../manifests/types.js';
import { UserError } from '../../util/errors.js';

/**
 * What the kubernetes target reads of the objects the API server returns,
 * each through a zod schema: the Deployment's replica counts, the HPA's
 * status, a pod's phase and conditions, an InferenceService's conditions.
 * Unknown fields are ignored; a field of the wrong type is an error naming the
 * object and the field (the poller records it as its last error).
 */

/** A time: client-node hands back Dates where the API server wrote RFC 3339 text; both become the text. */
const time = z
  .union([z.string(), z.date()])
  .optional()
  .transform((v) => (v instanceof Date ? v.toISOString() : v));

const condition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: time,
});
export type Condition = z.infer<typeof condition>;

const conditions = z
  .array(condition)
  .optional()
  .transform((c) => c ?? []);
const count = z.number().int().nonnegative().optional();

const deploymentSchema = z.object({
  spec: z.object({ replicas: count }).optional(),
  status: z.object({ replicas: count, readyReplicas: count }).optional(),
});

const metricValue = z.object({ value: z.string().optional(), averageValue: z.string().optional() });
const named = z.object({ metric: z.object({ name: z.string() }), current: metricValue });
/** autoscaling/v2 MetricStatus: one member per type (k8s.io/api/autoscaling/v2 types.go). */
const metricStatus = z.object({
  type: z.string(),
  pods: named.optional(),
  external: named.optional(),
  object: named.optional(),
  resource: z.object({ name: z.string(), current: z.object({ averageUtilization: z.number().optional(), averageValue: z.string().optional() }) }).optional(),
});
const hpaStatusSchema = z.object({
  desiredReplicas: count,
  currentReplicas: count,
  conditions,
  currentMetrics: z
    .array(metricStatus)
    .nullish()
    .transform((m) => m ?? []),
});
export type HpaStatus = z.infer<typeof hpaStatusSchema>;

const podSchema = z.object({
  metadata: z.object({ name: z.string(), creationTimestamp: time }),
  status: z.object({ phase: z.string().optional(), conditions }).optional(),
});

const withConditions = z.object({ status: z.object({ conditions }).optional() });

/** A runner pod's status as the load Job's runner reads it (phase, eviction reason, its container's state and image). */
const runnerPodStatusSchema = z.object({
  phase: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  containerStatuses: z
    .array(
      z.object({
        imageID: z.string().optional(),
        state: z
          .object({
            terminated: z
              .object({ reason: z.string().optional(), exitCode: z.number().optional(), signal: z.number().optional(), message: z.string().optional() })
              .optional(),
            waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});
export type RunnerPodStatus = z.infer<typeof runnerPodStatusSchema>;

/**
 * What every object the API server returns has: apiVersion, kind and
 * metadata (name; namespace, labels and annotations when set). The rest is
 * read by the schemas above where it is used.
 */
const k8sObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
}) satisfies z.ZodType<K8sObject>;

/** An object the API server returned, through its schema; `what` names the call in the one-line error. */
export function k8sObject(o: unknown, what: string): K8sObject {
  const r = k8sObjectSchema.safeParse(o);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new UserError(
    `kubernetes target: ${what}: the API server returned an object without ${issue ? `${issue.path.join('.')} (${issue.message})` : 'its fields'}`,
  );
}

function parsed<T extends z.ZodType>(schema: T, o: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(o);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`${what}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unreadable'}`);
}

const nameOf = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** A Deployment's replicas: wanted (spec), existing and ready (status); 0 for a missing object or field. */
export function deploymentReplicas(d: K8sObject | undefined): { spec: number; current: number; ready: number } {
  if (!d) return { spec: 0, current: 0, ready: 0 };
  const v = parsed(deploymentSchema, d, nameOf(d));
  return { spec: v.spec?.replicas ?? 0, current: v.status?.replicas ?? 0, ready: v.status?.readyReplicas ?? 0 };
}

/** An HPA's status, or undefined when it has none yet. */
export function hpaStatus(hpa: K8sObject | undefined): HpaStatus | undefined {
  if (!hpa || hpa.status === undefined) return undefined;
  return parsed(hpaStatusSchema, hpa.status, `${nameOf(hpa)} status`);
}

/** Whether the HPA can compute a wish (its ScalingActive condition is True). */
export function hpaActive(s: HpaStatus | undefined): boolean {
  return (s?.conditions ?? []).some((c) => c.type === 'ScalingActive' && c.status === 'True');
}

/** A pod's name, phase, conditions and creation time (ms since the epoch, NaN when absent). */
export function podState(p: K8sObject): { name: string; phase?: string; conditions: Condition[]; createdMs: number } {
  const v = parsed(podSchema, p, nameOf(p));
  return {
    name: v.metadata.name,
    ...(v.status?.phase !== undefined ? { phase: v.status.phase } : {}),
    conditions: v.status?.conditions ?? [],
    createdMs: Date.parse(v.metadata.creationTimestamp ?? ''),
  };
}

/** A runner pod's status (none yet: empty). */
export function runnerPodStatus(p: K8sObject): RunnerPodStatus {
  return parsed(runnerPodStatusSchema, p.status ?? {}, `${nameOf(p)} status`);
}

/** status.conditions of any object (an InferenceService's), empty when absent. */
export function conditionsOf(o: K8sObject | undefined): Condition[] {
  if (!o) return [];
  return parsed(withConditions, o, nameOf(o)).status?.conditions ?? [];
}

/** Whether a condition of this type is True. */
export const isTrue = (cs: readonly Condition[], type: string): Condition | undefined => cs.find((c) => c.type === type && c.status === 'True');

/** "Type=Status (Reason: message)" for each condition that is not True. */
export function failing(cs: readonly Condition[]): string[] {
  return cs.filter((x) => x.status !== 'True').map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason}${x.message ? `: ${x.message}` : ''})` : ''}`);
}

const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity ("1500m", "2", "1Ki") as a number; null when absent or unreadable. */
export function parseQuantity(q: string | undefined): number | null {
  if (q === undefined) return null;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) return null;
  return Number(m[1]) * suffixes[m[2] ?? '']!;
}

/** The metric values an HPA reports in status.currentMetrics, by metric name (quantities parsed), CPU utilisation apart. */
export function hpaMetricValues(s: Pick<HpaStatus, 'currentMetrics'> | undefined): { values: Record<string, number | null>; cpuUtilization?: number } {
  const values: Record<string, number | null> = {};
  let cpuUtilization: number | undefined;
  for (const m of s?.currentMetrics ?? []) {
    if (m.type === 'Pods' && m.pods) values[m.pods.metric.name] = parseQuantity(m.pods.current.averageValue);
    else if (m.type === 'External' && m.external) values[m.external.metric.name] = parseQuantity(m.external.current.averageValue ?? m.external.current.value);
    else if (m.type === 'Object' && m.object) values[m.object.metric.name] = parseQuantity(m.object.current.averageValue ?? m.object.current.value);
    else if (m.type === 'Resource' && m.resource) {
      const u = m.resource.current.averageUtilization;
      values[`${m.resource.name}_utilization`] = u ?? null;
      if (m.resource.name === 'cpu' && u !== undefined) cpuUtilization = u;
    }
  }
  return cpuUtilization === undefined ? { values } : { values, cpuUtilization };
}

/** The HPA's metric values in the shape of the local target's decision records (hpa.ts HpaDecision.metrics): name and value. */
export function metricList(seen: Record<string, number | null>): Array<{ name: string; value: number | null }> {
  return Object.entries(seen).map(([name, value]) => ({ name, value }));
}
