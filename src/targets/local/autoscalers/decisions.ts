import type { ResolvedAutoscaler, ResolvedControllers, ResolvedDeployment } from '../../../matrix/types.js';
import { customMetricName } from '../../../metrics/adapter.js';
import { hpaReconcile, hpaSpecFor, newHpaState, type HpaDecision, type HpaState } from './hpa.js';
import { kedaHpaSync, kedaPoll, kedaReadTrigger, kedaSpecFor, newKedaState, type KedaSpec, type KedaState } from './keda.js';
import type { PodInfo, PodSamples } from './pods.js';
import type { PromQueryOutcome } from './prometheus-trigger.js';
import { podsAverageValueReplicas, resourceUtilizationReplicas, type Proposal } from './replica-calculator.js';
import type { DecisionBody, DecisionEvent } from '../../../results/events.js';

export type ScalingAutoscaler = Exclude<ResolvedAutoscaler, { kind: 'fixed' }>;

/**
 * What one HPA sync reads, fetched by the caller: KEDA's query answer, each
 * pod's CPU usage, or each pod's custom metric (or the error fetching it).
 */
export type SyncReading =
  | { kind: 'keda'; outcome: PromQueryOutcome }
  | { kind: 'hpa-cpu'; usage: PodSamples }
  | { kind: 'hpa-custom'; samples: PodSamples | { error: string } };

/** A decision as events.jsonl records it, with the count before and after. */
export interface LoopDecision {
  record: DecisionEvent;
  before: number;
  after: number;
}

/**
 * The decision side of the local target's autoscaler loops, shared by the
 * real loop (autoscaler-loop.ts: Prometheus and /proc on wall-clock timers)
 * and the simulation (src/simulate/autoscaler.ts: the simulated pipeline on
 * simulated time): the HPA's and KEDA's state, the controllers' own flags
 * (ResolvedMatrix.controllers: readiness delays, the downscale window,
 * time-scaled by resolve), and the decision cores fed in the same order. The caller fetches the
 * readings and applies the decisions.
 */
export class AutoscalerDecisions {
  private hpaState: HpaState = newHpaState();
  private kedaState?: KedaState;
  readonly kedaSpec?: KedaSpec;
  private readonly readiness: { cpuInitializationPeriodMs: number; initialReadinessDelayMs: number };
  private readonly downscaleWindowMs: number;
  /** The metric values the autoscaler last saw, for samples.jsonl. */
  readonly seen: Record<string, number | null> = {};

  constructor(
    readonly a: ScalingAutoscaler,
    private readonly deployment: ResolvedDeployment,
    controllers: ResolvedControllers,
    /** When the ScaledObject was created (KEDA's fallback and cooldown count from it), ms. */
    startMs: number,
  ) {
    this.readiness = { cpuInitializationPeriodMs: controllers.cpuInitializationPeriodMs, initialReadinessDelayMs: controllers.initialReadinessDelayMs };
    this.downscaleWindowMs = controllers.downscaleStabilizationWindowMs;
    if (a.kind === 'keda') {
      this.kedaSpec = kedaSpecFor(a, deployment);
      this.kedaState = newKedaState(startMs);
    }
  }

  /** The name a custom metric's value is recorded under. */
  metricName(): string {
    const a = this.a;
    return a.kind === 'keda' ? a.query : a.kind === 'hpa-cpu' ? 'cpu' : customMetricName(a.metric);
  }

  /** One sync of the HPA (the KEDA-made one for keda) on what was read at `now`. */
  hpaSync(now: number, counts: { desired: number; current: number }, pods: PodInfo[], reading: SyncReading): LoopDecision {
    const a = this.a;
    const opts = { tolerance: 'tolerance' in a ? a.tolerance : undefined, ...this.readiness };
    let decision: HpaDecision;
    if (a.kind === 'keda') {
      if (reading.kind !== 'keda') throw new Error(`autoscaler ${a.name}: a keda sync reads its query, got ${reading.kind}`);
      const read = kedaReadTrigger(this.kedaSpec!, this.kedaState!, reading.outcome);
      this.kedaState = read.state;
      this.seen[a.query] = 'error' in read.read ? null : read.read.value;
      const step = kedaHpaSync(
        this.kedaSpec!,
        this.kedaState,
        { now, currentReplicas: counts.desired, statusReplicas: counts.current, read: read.read },
        {
          ...opts,
          downscaleStabilizationWindowMs: this.downscaleWindowMs,
        },
      );
      this.kedaState = step.state;
      decision = step.decision;
    } else {
      const name = this.metricName();
      let proposal: Proposal;
      if (a.kind === 'hpa-cpu') {
        if (reading.kind !== 'hpa-cpu') throw new Error(`autoscaler ${a.name}: an hpa-cpu sync reads CPU usage, got ${reading.kind}`);
        proposal = resourceUtilizationReplicas(
          {
            currentReplicas: counts.desired,
            targetUtilization: a.targetUtilization,
            pods,
            usage: reading.usage,
            requestMillis: this.deployment.cpuRequestMillis,
            now,
          },
          opts,
        );
      } else {
        if (reading.kind !== 'hpa-custom') throw new Error(`autoscaler ${a.name}: an hpa-custom sync reads per-pod samples, got ${reading.kind}`);
        const s = reading.samples;
        proposal =
          'error' in s
            ? { error: `unable to get metric ${name}: ${String(s.error)}` }
            : podsAverageValueReplicas({ currentReplicas: counts.desired, target: a.target, pods, samples: s, now }, opts);
      }
      this.seen[name] = 'error' in proposal ? null : proposal.value;
      const step = hpaReconcile({ ...hpaSpecFor(a, this.deployment), downscaleStabilizationWindowMs: this.downscaleWindowMs }, this.hpaState, {
        now,
        currentReplicas: counts.desired,
        metrics: [{ name, proposal }],
      });
      this.hpaState = step.state;
      decision = step.decision;
    }
    return this.record({ loop: 'hpa', ...decision });
  }

  /** One poll of KEDA's operator on its query's answer at `now`; undefined for an HPA. */
  kedaPoll(now: number, desired: number, outcome: PromQueryOutcome): LoopDecision | undefined {
    if (this.a.kind !== 'keda') return undefined;
    const read = kedaReadTrigger(this.kedaSpec!, this.kedaState!, outcome);
    const step = kedaPoll(this.kedaSpec!, read.state, { now, currentReplicas: desired, read: read.read });
    this.kedaState = step.state;
    return this.record({ loop: 'keda-operator', ...step.decision });
  }

  private record(d: Extract<DecisionBody, { loop: 'hpa' | 'keda-operator' }>): LoopDecision {
    return { record: { kind: 'autoscaler', autoscaler: this.a.name, autoscalerKind: this.a.kind, ...d }, before: d.before, after: d.after };
  }
}
