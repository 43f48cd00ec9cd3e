import { stringify } from 'yaml';
import { customMetricName, DEFAULT_METRICS_QUERY } from '../metrics/adapter.js';
import type { ResolvedAutoscaler } from '../matrix/types.js';
import { meta, pairName } from './names.js';
import type { K8sObject, ServingSpec } from './types.js';

/**
 * The prometheus-adapter rule that serves an hpa-custom metric to the HPA
 * (kubernetes-sigs/prometheus-adapter docs/config.md), the same rule the
 * local target emulates (src/metrics/adapter.ts): per-pod series selected by
 * namespace and pod, renamed from `vllm:x` to `vllm_x` (custom metric names
 * cannot hold ":"), aggregated per pod by the matrix's query template or
 * sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>).
 */
export interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

const escapeRegex = (v: string): string => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rule for one hpa-custom autoscaler. */
export function adapterRule(a: Extract<ResolvedAutoscaler, { kind: 'hpa-custom' }>): AdapterRule {
  return {
    seriesQuery: `{__name__="${a.metric}",namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: `^${escapeRegex(a.metric)}$`, as: customMetricName(a.metric) },
    metricsQuery: a.query ?? DEFAULT_METRICS_QUERY,
  };
}

/**
 * A ConfigMap holding the adapter's configuration (`config.yaml`, the file
 * its --config flag reads) with this rule, in the adapter's namespace. Merge
 * the rules into your adapter's configuration (with the Helm chart: `rules.custom`).
 */
export function adapterRulesConfigMap(s: ServingSpec, a: Extract<ResolvedAutoscaler, { kind: 'hpa-custom' }>): K8sObject {
  const config = stringify({ rules: [adapterRule(a)] }, { lineWidth: 0 });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(s, pairName(s, 'adapter-rules'), 'metrics-adapter', undefined, s.options.adapterNamespace),
    data: { 'config.yaml': config },
  };
}
