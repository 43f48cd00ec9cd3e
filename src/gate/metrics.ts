/**
 * The record fields a gate rule may name: the numeric results of
 * src/report/records.ts (identity, stack and load settings are not results).
 * A rule naming anything else is a typo, and an input error.
 */
const distributions = ['ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms'].flatMap((p) => ['mean', 'p50', 'p90', 'p95', 'p99'].map((q) => `${p}_${q}`));

export const gateableMetrics: ReadonlySet<string> = new Set([
  // load and results
  'requests', 'failures', 'error_rate', 'achieved_rps', 'output_tokens_per_s', 'total_tokens_per_s',
  'prompt_tokens_mean', 'output_tokens_mean', ...distributions, 'queue_ms', 'slo_attainment', 'goodput_rps',
  // server
  'server_ttft_ms_p95', 'server_tpot_ms_p95', 'server_e2e_ms_p95', 'kv_cache_usage_mean', 'kv_cache_usage_p95',
  'running_mean', 'running_p95', 'waiting_mean', 'waiting_p95', 'preemptions', 'server_queue_ms_p50', 'server_queue_ms_p95',
  // measurement: harness-made errors, dropped iterations, the prefix cache
  'harness_errors', 'dropped_iterations', 'cached_token_share',
  // scaling
  'replicas_mean', 'replicas_ready_max', 'replica_seconds', 'gpu_hours', 'cost_usd', 'scale_up_decision_s',
  'scale_up_lag_s', 'recovery_s', 'scale_down_lag_s', 'oscillations', 'over_provisioning', 'usd_per_million_tokens_at_slo',
]);
