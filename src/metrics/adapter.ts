/**
 * prometheus-adapter's rule templates, as the HPA's custom metrics reach it
 * (kubernetes-sigs/prometheus-adapter docs/config.md): a metricsQuery with
 * <<.Series>>, <<.LabelMatchers>> and <<.GroupBy>> filled in per request.
 */

/** The default rule for a per-pod gauge: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>). */
export const DEFAULT_METRICS_QUERY = 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)';

/**
 * The custom-metric name the adapter serves for a series: `name.as` in the
 * rules renames vllm:num_requests_waiting to vllm_num_requests_waiting
 * (Kubernetes metric names cannot hold ":").
 */
export function customMetricName(series: string): string {
  return series.replaceAll(':', '_');
}

function escapeRegexValue(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/**
 * The label matchers the adapter builds for a Pods metric request: the
 * namespace, and the pods of the HPA's target selected by name.
 */
export function podMatchers(namespace: string, pods: readonly string[]): string {
  const names = pods.length ? pods.map(escapeRegexValue).join('|') : '^$';
  return `namespace="${namespace}",pod=~"${names}"`;
}

/** Fills a metricsQuery template. */
export function renderMetricsQuery(template: string, series: string, matchers: string, groupBy: string): string {
  return template.replaceAll('<<.Series>>', series).replaceAll('<<.LabelMatchers>>', matchers).replaceAll('<<.GroupBy>>', groupBy);
}
