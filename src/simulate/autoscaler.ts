import type { ResolvedAutoscaler, ResolvedControllers, ResolvedDeployment } from '../matrix/types.js';
import { customMetricName } from '../metrics/adapter.js';
import { hpaReconcile, hpaSpecFor, newHpaState, type HpaDecision, type HpaState } from '../targets/local/autoscalers/hpa.js';
import { kedaHpaSync, kedaPoll, kedaReadTrigger, kedaSpecFor, newKedaState, type KedaSpec, type KedaState } from '../targets/local/autoscalers/keda.js';
import type { PodInfo, PodSamples } from '../targets/local/autoscalers/pods.js';
import type { PromQueryOutcome } from '../targets/local/autoscalers/prometheus-trigger.js';
import { podsAverageValueReplicas, resourceUtilizationReplicas, type Proposal } from '../targets/local/autoscalers/replica-calculator.js';
import { UserError } from '../util/errors.js';

/**
 * The local target's autoscaler loops (src/targets/local/autoscaler-loop.ts)
 * on simulated time: the same decision cores, called with the same
 * arguments, fed with what the simulated Prometheus scraped. The engine calls
 * hpaSync every syncPeriodMs and kedaPoll every pollingIntervalMs from the
 * load's start, as the loop's timers do.
 */

/** The simulated gauges a replica exposes. */
export type Gauge = 'running' | 'waiting';

/** What the autoscaler reads of the simulated cluster at one instant. */
export interface ClusterView {
  /** Every replica not gone, as the HPA sees its pod (draining: Deleted). */
  pods(): PodInfo[];
  counts(): { desired: number; current: number; ready: number };
  /** The gauge of each named pod at Prometheus's last scrape (a pod never scraped is missing). */
  podGauges(gauge: Gauge, names: readonly string[]): PodSamples;
  /** The gauge summed over every scraped pod of the cell; undefined when there is no series. */
  sumGauge(gauge: Gauge): number | undefined;
  /** CPU millicores of each live pod over the metrics window. */
  cpuUsage(): PodSamples;
}

const GAUGES: Record<string, Gauge> = { 'vllm:num_requests_running': 'running', 'vllm:num_requests_waiting': 'waiting' };

/**
 * A KEDA query the simulation can answer: sums of the simulator's gauges over
 * the cell's pods, optionally `or vector(N)`. Anything else is a UserError
 * naming the query.
 */
export interface GaugeQuery {
  terms: Gauge[];
  orVector?: number;
}

export function parseGaugeQuery(query: string, where: string): GaugeQuery {
  const q = query.replace(/\s+/g, '');
  const m = /^(.*?)(?:orvector\(([-0-9.e]+)\))?$/.exec(q)!;
  const terms: Gauge[] = [];
  for (const part of m[1]!.split('+')) {
    const t = /^sum\((vllm:num_requests_(?:running|waiting))(?:\{[^}]*\})?\)$/.exec(part.replace(/^\((.*)\)$/, '$1'));
    if (!t) {
      throw new UserError(
        `${where}: query ${JSON.stringify(query)}: the simulation answers sums of vllm:num_requests_running and vllm:num_requests_waiting (e.g. 'sum(vllm:num_requests_waiting{namespace="scalebench"}) or vector(0)'); simulate this autoscaler with such a query`,
      );
    }
    terms.push(GAUGES[t[1]!]!);
  }
  return { terms, ...(m[2] !== undefined ? { orVector: Number(m[2]) } : {}) };
}

/** The query's answer in Prometheus's wire form, which the trigger rules read. */
export function answerGaugeQuery(q: GaugeQuery, view: Pick<ClusterView, 'sumGauge'>): PromQueryOutcome {
  let any = false;
  let sum = 0;
  for (const g of q.terms) {
    const v = view.sumGauge(g);
    if (v !== undefined) {
      any = true;
      sum += v;
    }
  }
  // sum() over no series is an empty vector; `a + b` is empty unless both sides have a value.
  const present = q.terms.length === 1 ? any : q.terms.every((g) => view.sumGauge(g) !== undefined);
  if (present) return { result: [{ metric: {}, value: [0, String(sum)] }] };
  if (q.orVector !== undefined) return { result: [{ metric: {}, value: [0, String(q.orVector)] }] };
  return { result: [] };
}

export type ScalingAutoscaler = Exclude<ResolvedAutoscaler, { kind: 'fixed' }>;

export class SimAutoscaler {
  private hpaState: HpaState = newHpaState();
  private kedaState?: KedaState;
  private readonly kedaSpec?: KedaSpec;
  private readonly kedaQuery?: GaugeQuery;
  private readonly gauge?: Gauge;
  private readonly readiness;
  private readonly downscaleWindowMs: number;
  /** The metric values the autoscaler last saw, for samples. */
  readonly seen: Record<string, number | null> = {};

  constructor(
    readonly a: ScalingAutoscaler,
    private readonly deployment: ResolvedDeployment,
    controllers: ResolvedControllers,
    startMs: number,
    private readonly onDecision: (record: Record<string, unknown>, before: number, after: number) => void,
  ) {
    this.readiness = { cpuInitializationPeriodMs: controllers.cpuInitializationPeriodMs, initialReadinessDelayMs: controllers.initialReadinessDelayMs };
    this.downscaleWindowMs = controllers.downscaleStabilizationWindowMs;
    const where = `autoscaler "${a.name}"`;
    if (a.kind === 'keda') {
      this.kedaSpec = kedaSpecFor(a, deployment);
      this.kedaQuery = parseGaugeQuery(a.query, where);
      this.kedaState = newKedaState(startMs);
    }
    if (a.kind === 'hpa-custom') {
      const g = GAUGES[a.metric];
      if (!g || (a.query !== undefined && !/^sum\(<<\.Series>>\{<<\.LabelMatchers>>\}\) by \(<<\.GroupBy>>\)$/.test(a.query))) {
        throw new UserError(`${where}: metric ${a.metric}${a.query ? ` with query ${a.query}` : ''}: the simulation serves vllm:num_requests_running and vllm:num_requests_waiting per pod with the default query`);
      }
      this.gauge = g;
    }
  }

  /** One sync of the HPA (the KEDA-made one for keda), at `now`. */
  hpaSync(now: number, view: ClusterView): number | undefined {
    const a = this.a;
    const counts = view.counts();
    const pods = view.pods();
    const opts = { tolerance: a.tolerance, ...this.readiness };
    let decision: HpaDecision;
    if (a.kind === 'keda') {
      const read = kedaReadTrigger(this.kedaSpec!, this.kedaState!, answerGaugeQuery(this.kedaQuery!, view));
      this.kedaState = read.state;
      this.seen[a.query] = 'error' in read.read ? null : read.read.value;
      const step = kedaHpaSync(this.kedaSpec!, this.kedaState, { now, currentReplicas: counts.desired, statusReplicas: counts.current, read: read.read }, {
        ...opts,
        downscaleStabilizationWindowMs: this.downscaleWindowMs,
      });
      this.kedaState = step.state;
      decision = step.decision;
    } else {
      let proposal: Proposal;
      let name: string;
      if (a.kind === 'hpa-cpu') {
        name = 'cpu';
        proposal = resourceUtilizationReplicas(
          { currentReplicas: counts.desired, targetUtilization: a.targetUtilization, pods, usage: view.cpuUsage(), requestMillis: this.deployment.cpuRequestMillis, now },
          opts,
        );
      } else {
        name = customMetricName(a.metric);
        const live = pods.filter((p) => p.phase !== 'Deleted').map((p) => p.name);
        proposal = podsAverageValueReplicas({ currentReplicas: counts.desired, target: a.target, pods, samples: view.podGauges(this.gauge!, live), now }, opts);
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
    return this.apply('hpa', decision.before, decision.after, decision as unknown as Record<string, unknown>);
  }

  /** One poll of KEDA's operator, at `now`. */
  kedaPoll(now: number, view: ClusterView): number | undefined {
    const a = this.a;
    if (a.kind !== 'keda') return undefined;
    const read = kedaReadTrigger(this.kedaSpec!, this.kedaState!, answerGaugeQuery(this.kedaQuery!, view));
    const step = kedaPoll(this.kedaSpec!, read.state, { now, currentReplicas: view.counts().desired, read: read.read });
    this.kedaState = step.state;
    return this.apply('keda-operator', step.decision.before, step.decision.after, step.decision as unknown as Record<string, unknown>);
  }

  /** Records the decision; returns the new desired count when it changes. */
  private apply(loop: string, before: number, after: number, decision: Record<string, unknown>): number | undefined {
    this.onDecision({ kind: 'autoscaler', autoscaler: this.a.name, autoscalerKind: this.a.kind, loop, ...decision }, before, after);
    return after !== before ? after : undefined;
  }
}
