import type { ResolvedControllers, ResolvedDeployment } from '../matrix/types.js';
import { AutoscalerDecisions, type LoopDecision, type ScalingAutoscaler, type SyncReading } from '../targets/local/autoscalers/decisions.js';
import type { PodInfo, PodSamples } from '../targets/local/autoscalers/pods.js';
import type { PromQueryOutcome } from '../targets/local/autoscalers/prometheus-trigger.js';
import { UserError } from '../util/errors.js';
import type { DecisionEvent } from '../results/events.js';

/**
 * The local target's autoscaler loops (src/targets/local/autoscaler-loop.ts)
 * on simulated time: the same AutoscalerDecisions (the decision cores fed in
 * the same order), fed with what the simulated Prometheus scraped. The engine calls
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

export type { ScalingAutoscaler } from '../targets/local/autoscalers/decisions.js';

export class SimAutoscaler {
  private readonly decisions: AutoscalerDecisions;
  private readonly kedaQuery?: GaugeQuery;
  private readonly gauge?: Gauge;

  constructor(
    readonly a: ScalingAutoscaler,
    deployment: ResolvedDeployment,
    controllers: ResolvedControllers,
    startMs: number,
    private readonly onDecision: (record: DecisionEvent, before: number, after: number) => void,
  ) {
    const where = `autoscaler "${a.name}"`;
    if (a.kind === 'keda') this.kedaQuery = parseGaugeQuery(a.query, where);
    if (a.kind === 'hpa-custom') {
      const g = GAUGES[a.metric];
      if (!g || (a.query !== undefined && !/^sum\(<<\.Series>>\{<<\.LabelMatchers>>\}\) by \(<<\.GroupBy>>\)$/.test(a.query))) {
        throw new UserError(
          `${where}: metric ${a.metric}${a.query ? ` with query ${a.query}` : ''}: the simulation serves vllm:num_requests_running and vllm:num_requests_waiting per pod with the default query`,
        );
      }
      this.gauge = g;
    }
    this.decisions = new AutoscalerDecisions(a, deployment, controllers, startMs);
  }

  /** The metric values the autoscaler last saw, for samples. */
  get seen(): Record<string, number | null> {
    return this.decisions.seen;
  }

  /** One sync of the HPA (the KEDA-made one for keda), at `now`. */
  hpaSync(now: number, view: ClusterView): number | undefined {
    const a = this.a;
    const pods = view.pods();
    let reading: SyncReading;
    if (a.kind === 'keda') reading = { kind: 'keda', outcome: answerGaugeQuery(this.kedaQuery!, view) };
    else if (a.kind === 'hpa-cpu') reading = { kind: 'hpa-cpu', usage: view.cpuUsage() };
    else {
      const live = pods.filter((p) => p.phase !== 'Deleted').map((p) => p.name);
      reading = { kind: 'hpa-custom', samples: view.podGauges(this.gauge!, live) };
    }
    return this.apply(this.decisions.hpaSync(now, view.counts(), pods, reading));
  }

  /** One poll of KEDA's operator, at `now`. */
  kedaPoll(now: number, view: ClusterView): number | undefined {
    if (this.a.kind !== 'keda') return undefined;
    const d = this.decisions.kedaPoll(now, view.counts().desired, answerGaugeQuery(this.kedaQuery!, view));
    return d ? this.apply(d) : undefined;
  }

  /** Records the decision; returns the new desired count when it changes. */
  private apply(d: LoopDecision): number | undefined {
    this.onDecision(d.record, d.before, d.after);
    return d.after !== d.before ? d.after : undefined;
  }
}
