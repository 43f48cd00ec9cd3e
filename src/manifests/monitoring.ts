import { formatDuration } from '../util/duration.js';
import { manifestDefaults as D } from './defaults.js';
import { meta, pairName, scaledDeploymentName, selectorLabels, workloadName } from './names.js';
import { PORT_NAME } from './pod.js';
import type { K8sObject, MonitorKind, ServingSpec } from './types.js';

/**
 * Monitoring: a prometheus-operator ServiceMonitor or PodMonitor that scrapes
 * vLLM's /metrics, and a PrometheusRule with SLO alerts. Series are selected
 * by namespace and by the pods of the scaled Deployment
 * (reference/vllm-metrics.md for the names and queries).
 */

/** ServiceMonitor for the Deployment form (it has a Service), PodMonitor for KServe, unless the options say. */
export function monitorKind(s: ServingSpec): MonitorKind {
  return s.options.monitor ?? (s.options.serving === 'deployment' ? 'ServiceMonitor' : 'PodMonitor');
}

/** A PromQL label selector for this workload's pods: `namespace="…",pod=~"<deployment>-<hash>-<id>"`. */
export function podSelector(s: ServingSpec): string {
  return `namespace="${s.options.namespace}",pod=~"${scaledDeploymentName(s)}-[a-z0-9]+-[a-z0-9]+"`;
}

/** The ServiceMonitor or PodMonitor. */
export function monitorObject(s: ServingSpec): K8sObject {
  const kind = monitorKind(s);
  const endpoint: Record<string, unknown> = { path: D.metricsPath, interval: `${s.options.scrapeIntervalS}s` };
  // KServe's huggingface runtime declares its own container port: address it by number.
  if (s.options.serving === 'kserve-hf') endpoint.portNumber = D.kservePort;
  else endpoint.port = PORT_NAME;
  const spec: Record<string, unknown> =
    kind === 'ServiceMonitor'
      ? { selector: { matchLabels: selectorLabels(s) }, endpoints: [endpoint] }
      : { selector: { matchLabels: selectorLabels(s) }, podMetricsEndpoints: [endpoint] };
  return { apiVersion: 'monitoring.coreos.com/v1', kind, metadata: meta(s, workloadName(s), 'monitoring'), spec };
}

/** The waiting-requests level the "queue growing" alert starts at: the autoscaler's own target when it scales on the queue. */
export function queueThreshold(s: ServingSpec): number {
  const a = s.autoscaler;
  if (a.kind === 'hpa-custom' && a.metric.includes('num_requests_waiting')) return a.target;
  if (a.kind === 'keda' && a.query.includes('num_requests_waiting')) return a.threshold;
  return D.queueAlertThreshold;
}

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** histogram_quantile(0.95, …) of a vLLM histogram over 5 minutes, in seconds. */
function p95(s: ServingSpec, histogram: string): string {
  return `histogram_quantile(0.95, sum by (le) (rate(${histogram}_bucket{${podSelector(s)}}[5m])))`;
}

/** The alerts: p95 TTFT and TPOT over the SLO (those the matrix sets), queue growing, no replica ready. */
export function alertRules(s: ServingSpec): Rule[] {
  const name = s.deployment.name;
  const hold = s.options.alertFor;
  const rules: Rule[] = [];
  const slo = (alert: string, histogram: string, ms: number | undefined, what: string): void => {
    if (ms === undefined) return;
    rules.push({
      alert,
      expr: `${p95(s, histogram)} > ${ms / 1000}`,
      for: hold,
      labels: { severity: 'warning' },
      annotations: {
        summary: `${name}: p95 ${what} above the SLO of ${formatDuration(ms)} for ${hold}`,
        description: `p95 ${what} is {{ $value | humanizeDuration }}.`,
      },
    });
  };
  slo('VllmTtftP95AboveSlo', 'vllm:time_to_first_token_seconds', s.options.slo.ttft_ms_p95, 'time to first token');
  // vLLM's TPOT histogram; releases from 0.10 also export vllm:inter_token_latency_seconds (reference/vllm-metrics.md).
  slo('VllmTpotP95AboveSlo', 'vllm:time_per_output_token_seconds', s.options.slo.tpot_ms_p95, 'time per output token');
  const waiting = `sum(vllm:num_requests_waiting{${podSelector(s)}})`;
  const threshold = queueThreshold(s);
  rules.push({
    alert: 'VllmQueueGrowing',
    expr: `${waiting} > ${threshold} and deriv(${waiting}[5m:30s]) > 0`,
    for: hold,
    labels: { severity: 'warning' },
    annotations: {
      summary: `${name}: more than ${threshold} requests waiting and the queue still growing for ${hold}`,
      description: '{{ $value }} requests waiting.',
    },
  });
  // kube-state-metrics: desired replicas above zero (so not KEDA's scale to zero) and none ready.
  const dep = `namespace="${s.options.namespace}",deployment="${scaledDeploymentName(s)}"`;
  rules.push({
    alert: 'VllmNoReplicasReady',
    expr: `sum(kube_deployment_spec_replicas{${dep}}) > 0 and (sum(kube_deployment_status_replicas_ready{${dep}}) or vector(0)) < 1`,
    for: hold,
    labels: { severity: 'critical' },
    annotations: { summary: `${name}: no replica ready for ${hold} while replicas are wanted`, description: 'Every request to this model fails or waits.' },
  });
  return rules;
}

/** The PrometheusRule holding the alerts, one group per deployment × autoscaler. */
export function prometheusRule(s: ServingSpec): K8sObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: meta(s, pairName(s, 'slo'), 'monitoring'),
    spec: { groups: [{ name: `scalebench.${s.deployment.name}.${s.autoscaler.name}`, rules: alertRules(s) }] },
  };
}
