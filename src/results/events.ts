import { z } from 'zod';

/**
 * events.jsonl: what happened in a cell, one line each, keyed on `kind`:
 * replicas' lifecycle (the target), desired-count changes (`scale`), and
 * every autoscaler decision (`autoscaler`, keyed again on `loop`: the HPA's
 * sync or KEDA's operator poll).
 */

const t = z.number().describe('ms since the epoch');

const replicaStarted = z.object({ kind: z.literal('replica-started'), t, pod: z.string(), pid: z.number().optional() });
const replicaReady = z.object({ kind: z.literal('replica-ready'), t, pod: z.string(), startupMs: z.number() });
const replicaDraining = z.object({ kind: z.literal('replica-draining'), t, pod: z.string() });
const replicaStopped = z.object({ kind: z.literal('replica-stopped'), t, pod: z.string() });
const replicaCrashed = z.object({ kind: z.literal('replica-crashed'), t, pod: z.string(), replacing: z.boolean() });
const scale = z.object({ kind: z.literal('scale'), t, from: z.number(), to: z.number(), reason: z.string() });

/** What every decision carries: whose. */
const decisionBase = {
  kind: z.literal('autoscaler'),
  t,
  /** The autoscaler's name in the matrix, and its kind. */
  autoscaler: z.string(),
  autoscalerKind: z.enum(['fixed', 'hpa-cpu', 'hpa-custom', 'keda']),
};
/** A decision of the local target's emulation: its own time (ms, the loop's clock) and the count before and after. */
const emulated = { ...decisionBase, time: z.number(), error: z.string().optional(), before: z.number(), after: z.number() };
/** A metric value as an autoscaler saw it (null: none). */
const seenMetric = z.object({ name: z.string(), value: z.number().nullable() });

/** One HPA sync (src/targets/local/autoscalers/hpa.ts HpaDecision): the metrics it read and what limited it. */
const hpaDecision = z.object({
  ...emulated,
  loop: z.literal('hpa'),
  metrics: z.array(seenMetric.extend({ proposal: z.number().nullable(), error: z.string().optional() })),
  proposal: z.number().nullable(),
  stabilized: z.number().nullable(),
  limitedBy: z.string().optional(),
});

/** One poll of KEDA's operator (src/targets/local/autoscalers/keda.ts KedaPollDecision). */
const kedaDecision = z.object({
  ...emulated,
  loop: z.literal('keda-operator'),
  value: z.number().nullable(),
  active: z.boolean(),
  fallback: z.boolean(),
  action: z.string(),
});

/** A change of a cluster HPA's status as the kubernetes target observed it (its metrics, current and desired replicas). */
const clusterDecision = z.object({
  ...decisionBase,
  loop: z.literal('cluster'),
  hpa: z.string().optional(),
  metrics: z.array(seenMetric),
  currentReplicas: z.number().optional(),
  desiredReplicas: z.number().optional(),
});

const autoscalerDecision = z.discriminatedUnion('loop', [hpaDecision, kedaDecision, clusterDecision]);

export const eventSchema = z.discriminatedUnion('kind', [
  replicaStarted,
  replicaReady,
  replicaDraining,
  replicaStopped,
  replicaCrashed,
  scale,
  autoscalerDecision,
]);
export type RunEvent = z.infer<typeof eventSchema>;
export type EventKind = RunEvent['kind'];
export type AutoscalerDecisionEvent = z.infer<typeof autoscalerDecision>;
export type HpaDecisionEvent = z.infer<typeof hpaDecision>;
export type KedaDecisionEvent = z.infer<typeof kedaDecision>;

type WithoutT<E> = E extends unknown ? Omit<E, 't'> : never;
/** An event as a target or an autoscaler reports it: the writer stamps `t`. */
export type EventInput = WithoutT<RunEvent>;
/** What happened to a replica, or to the desired count: the events a target reports. */
export type ReplicaEvent = WithoutT<Exclude<RunEvent, AutoscalerDecisionEvent>>;
/** A decision as an autoscaler loop reports it. */
export type DecisionEvent = WithoutT<AutoscalerDecisionEvent>;
type WithoutOwner<E> = E extends unknown ? Omit<E, 't' | 'kind' | 'autoscaler' | 'autoscalerKind'> : never;
/** A decision as the emulation's cores make it: the caller adds whose it is. */
export type DecisionBody = WithoutOwner<AutoscalerDecisionEvent>;

/** A type guard for one kind of event: `events.filter(ofKind('scale'))`. */
export const ofKind =
  <K extends EventKind>(kind: K) =>
  (e: RunEvent): e is Extract<RunEvent, { kind: K }> =>
    e.kind === kind;
