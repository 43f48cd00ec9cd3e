import { describe, expect, it } from 'vitest';
import { customMetricName, DEFAULT_METRICS_QUERY, podMatchers, renderMetricsQuery } from '../../src/metrics/adapter.js';

describe('prometheus-adapter rules (docs/config.md)', () => {
  it('renames vllm:x to vllm_x for the custom metrics API', () => {
    expect(customMetricName('vllm:num_requests_waiting')).toBe('vllm_num_requests_waiting');
  });

  it('the queue rule: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', () => {
    const q = renderMetricsQuery(DEFAULT_METRICS_QUERY, 'vllm:num_requests_waiting', podMatchers('bench', ['m-1', 'm-2']), 'pod');
    expect(q).toBe('sum(vllm:num_requests_waiting{namespace="bench",pod=~"m-1|m-2"}) by (pod)');
  });

  it('the P95 TTFT rule groups by le and pod', () => {
    const template = 'histogram_quantile(0.95, sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (le, <<.GroupBy>>))';
    const q = renderMetricsQuery(template, 'vllm:time_to_first_token_seconds_bucket', podMatchers('bench', ['a.b']), 'pod');
    expect(q).toBe('histogram_quantile(0.95, sum(rate(vllm:time_to_first_token_seconds_bucket{namespace="bench",pod=~"a\\\\.b"}[1m])) by (le, pod))');
  });

  it('no pods matches nothing', () => {
    expect(podMatchers('bench', [])).toBe('namespace="bench",pod=~"^$"');
  });
});
