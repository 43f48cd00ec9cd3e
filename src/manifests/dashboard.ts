import { manifestDefaults as D } from './defaults.js';
import { meta, pairName, scaledDeploymentName } from './names.js';
import { podSelector } from './monitoring.js';
import type { K8sObject, ServingSpec } from './types.js';

/**
 * A Grafana dashboard for one deployment × autoscaler, as a ConfigMap that
 * Grafana's dashboard sidecar (kube-prometheus-stack) loads by its label:
 * replicas, latency quantiles against the SLO, queue and batch, KV cache,
 * throughput. Queries as in reference/vllm-metrics.md.
 */

interface Target {
  expr: string;
  legendFormat: string;
}

interface Panel {
  title: string;
  unit: string;
  targets: Target[];
  /** A threshold line (the SLO), in the panel's unit. */
  threshold?: number;
}

/** The panels, in reading order. */
export function dashboardPanels(s: ServingSpec): Panel[] {
  const sel = podSelector(s);
  const dep = `namespace="${s.options.namespace}",deployment="${scaledDeploymentName(s)}"`;
  const q = (h: string, quantile: number): Target => ({
    expr: `histogram_quantile(${quantile}, sum by (le) (rate(${h}_bucket{${sel}}[$__rate_interval])))`,
    legendFormat: `p${Math.round(quantile * 100)}`,
  });
  const slo = s.options.slo;
  const panels: Panel[] = [
    {
      title: 'Replicas',
      unit: 'short',
      targets: [
        { expr: `sum(kube_deployment_spec_replicas{${dep}})`, legendFormat: 'desired' },
        { expr: `sum(kube_deployment_status_replicas_ready{${dep}})`, legendFormat: 'ready' },
      ],
    },
    { title: 'Time to first token', unit: 's', targets: [q('vllm:time_to_first_token_seconds', 0.5), q('vllm:time_to_first_token_seconds', 0.95)] },
    { title: 'Time per output token', unit: 's', targets: [q('vllm:time_per_output_token_seconds', 0.5), q('vllm:time_per_output_token_seconds', 0.95)] },
    {
      title: 'Requests running and waiting',
      unit: 'short',
      targets: [
        { expr: `sum(vllm:num_requests_running{${sel}})`, legendFormat: 'running' },
        { expr: `sum(vllm:num_requests_waiting{${sel}})`, legendFormat: 'waiting' },
      ],
    },
    { title: 'KV cache usage', unit: 'percentunit', targets: [{ expr: `avg(vllm:kv_cache_usage_perc{${sel}})`, legendFormat: 'mean over replicas' }] },
    {
      title: 'Tokens per second',
      unit: 'short',
      targets: [
        { expr: `sum(rate(vllm:generation_tokens_total{${sel}}[$__rate_interval]))`, legendFormat: 'output' },
        { expr: `sum(rate(vllm:prompt_tokens_total{${sel}}[$__rate_interval]))`, legendFormat: 'prompt' },
      ],
    },
  ];
  if (slo.ttft_ms_p95 !== undefined) panels[1]!.threshold = slo.ttft_ms_p95 / 1000;
  if (slo.tpot_ms_p95 !== undefined) panels[2]!.threshold = slo.tpot_ms_p95 / 1000;
  return panels;
}

/** The dashboard JSON (Grafana's dashboard model, timeseries panels on a 2-column grid). */
export function dashboardJson(s: ServingSpec): Record<string, unknown> {
  const panels = dashboardPanels(s).map((p, i) => {
    const steps: Record<string, unknown>[] = [{ color: 'green', value: null }];
    if (p.threshold !== undefined) steps.push({ color: 'red', value: p.threshold });
    return {
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's dashboard variable, not a template literal
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: {
        defaults: { unit: p.unit, thresholds: { mode: 'absolute', steps }, custom: { thresholdsStyle: { mode: p.threshold === undefined ? 'off' : 'line' } } },
        overrides: [],
      },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legendFormat })),
    };
  });
  return {
    uid: pairName(s).slice(0, 40),
    title: `scalebench: ${s.deployment.name} (${s.autoscaler.name})`,
    tags: ['scalebench', 'vllm'],
    timezone: 'browser',
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', current: {} }] },
    panels,
  };
}

/** The ConfigMap Grafana's sidecar loads (label grafana_dashboard: "1"). */
export function dashboardConfigMap(s: ServingSpec): K8sObject {
  const m = meta(s, pairName(s, 'dashboard'), 'monitoring');
  m.labels = { ...m.labels, ...D.grafanaDashboardLabel };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: m,
    data: { [`${pairName(s)}.json`]: `${JSON.stringify(dashboardJson(s), null, 2)}\n` },
  };
}
