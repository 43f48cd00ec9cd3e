import type { ManifestOptions } from './types.js';

/**
 * Every default of manifest generation, in one place. Ports, paths and
 * probe timings are vLLM's and KServe's; cited where they come from upstream.
 */
export const manifestDefaults = {
  options: {
    namespace: 'scalebench',
    serving: 'deployment',
    kserveMode: 'Standard',
    hfTokenSecret: { name: 'hf-token', key: 'token' },
    /** prometheus-operator's governing Service for a Prometheus in `monitoring`. */
    prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
    adapterNamespace: 'monitoring',
    scrapeIntervalS: 15,
    alertFor: '5m',
    slo: {},
    labels: {},
  } satisfies ManifestOptions,
  /** vLLM's OpenAI server port (`vllm serve --port`, default 8000). */
  vllmPort: 8000,
  /** KServe expects a custom predictor container on 8080 (its default container port). */
  kservePort: 8080,
  /** vLLM serves `/health` (200 once the engine is up) and `/metrics` on the API port. */
  healthPath: '/health',
  metricsPath: '/metrics',
  /** Model download and load can take minutes: the startup probe allows 30 min (10 s × 180). */
  startupProbe: { periodSeconds: 10, failureThreshold: 180 },
  readinessProbe: { periodSeconds: 5, failureThreshold: 3 },
  livenessProbe: { periodSeconds: 15, failureThreshold: 4 },
  /** NCCL needs shared memory between tensor-parallel ranks (vLLM's Kubernetes guide mounts /dev/shm). */
  shmSize: '8Gi',
  /** Where the container caches the weights it downloads. */
  hfCachePath: '/root/.cache/huggingface',
  /** Threshold of the "queue growing" alert when no autoscaler gives one (reference: threshold 5 is common). */
  queueAlertThreshold: 5,
  /** Grafana's sidecar (kube-prometheus-stack) picks up ConfigMaps with this label. */
  grafanaDashboardLabel: { grafana_dashboard: '1' },
} as const;
