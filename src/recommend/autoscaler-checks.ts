import type { ResolvedAutoscaler, ResolvedBehavior, ResolvedDeployment } from '../matrix/types.js';
import { error, type CheckIssue } from '../sizing/checks.js';

/**
 * Pre-deploy checks of an autoscaler against the deployment it scales:
 * targets positive, replica bounds it can honour, scaling behavior within the
 * API's limits, and a KEDA query that returns one element.
 */

/** Aggregations that return at most one element when written without `by`/`without`. */
const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'quantile', 'scalar', 'vector', 'absent']);

/** Index just past the parenthesis that closes the one at `open`, or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Whether a PromQL query is aggregated to one element at the top: KEDA's
 * Prometheus scaler fails when the query returns more than one
 * (kedacore/keda pkg/scalers/prometheus_scaler.go: "prometheus query ... returned multiple elements").
 * `sum(x)`, `sum(x) or vector(0)` and `histogram_quantile(0.95, sum by (le) (...))` pass;
 * a bare series and `sum by (pod) (x)` do not.
 */
export function isAggregated(query: string): boolean {
  const q = query.trim().replace(/^\(+\s*/, '');
  const head = /^([a-z_]+)\s*/.exec(q);
  if (!head) return false;
  const name = head[1]!;
  if (name === 'histogram_quantile') {
    const groups = [...q.matchAll(/\b(by|without)\s*\(([^)]*)\)/g)];
    return /\bsum\b/.test(q) && groups.every((g) => g[1] === 'by' && g[2]!.trim() === 'le');
  }
  if (!AGGREGATIONS.has(name)) return false;
  const rest = q.slice(head[0].length);
  if (/^(by|without)\b/.test(rest)) return false;
  const end = closing(q, head[0].length);
  return end > 0 && !/^\s*(by|without)\b/.test(q.slice(end));
}

/** HPA behavior limits (k8s.io/kubernetes pkg/apis/autoscaling/validation: period 1..1800 s, window 0..3600 s). */
function behaviorIssues(b: ResolvedBehavior | undefined): CheckIssue[] {
  const issues: CheckIssue[] = [];
  for (const [dir, rules] of [
    ['scale_up', b?.scaleUp],
    ['scale_down', b?.scaleDown],
  ] as const) {
    if (!rules) continue;
    const w = rules.stabilizationWindowMs;
    if (w !== undefined && (w < 0 || w > 3_600_000)) {
      issues.push(error(`behavior.${dir}.stabilization_window`, `expected from 0s to 1h (the HPA API's limit: 3600 seconds), got ${w / 1000}s`));
    }
    rules.policies?.forEach((p, i) => {
      if (p.periodMs < 1000 || p.periodMs > 1_800_000) {
        issues.push(
          error(`behavior.${dir}.policies[${i}].period`, `expected from 1s to 30m (the HPA API's limit: 1 to 1800 seconds), got ${p.periodMs / 1000}s`),
        );
      }
      if (!(p.value > 0))
        issues.push(error(`behavior.${dir}.policies[${i}].value`, `expected a positive number of ${p.type === 'Pods' ? 'pods' : 'percent'}, got ${p.value}`));
    });
  }
  return issues;
}

/**
 * Every pre-deploy check of one autoscaler on one deployment; the fields
 * are the autoscaler's own (`threshold`, `min_replicas`) or the deployment's
 * (`replicas.min`).
 */
export function checkAutoscaler(a: ResolvedAutoscaler, d: ResolvedDeployment): CheckIssue[] {
  if (a.kind === 'fixed') return [];
  const issues = behaviorIssues(a.behavior);
  const positive = (field: string, v: number, what: string): void => {
    if (!(v > 0)) issues.push(error(field, `expected a positive ${what}, got ${v}`));
  };
  switch (a.kind) {
    case 'hpa-cpu':
    case 'hpa-custom':
      // minReplicas 0 needs the HPAScaleToZero gate and an Object/External metric (reference/autoscaling.md).
      if (d.replicas.min < 1)
        issues.push(
          error(
            'replicas.min',
            `expected at least 1 with an HPA on ${a.kind === 'hpa-cpu' ? 'CPU' : 'a Pods metric'} (it cannot scale to zero; KEDA can), got ${d.replicas.min}`,
          ),
        );
      if (a.kind === 'hpa-cpu') {
        positive('target_utilization', a.targetUtilization, 'CPU utilisation in percent');
        positive('cpu_request', d.cpuRequestMillis, 'CPU request in millicores (utilisation is measured against it)');
      } else {
        positive('target', a.target, `per-pod average of ${a.metric}`);
      }
      break;
    case 'keda':
      positive('threshold', a.threshold, 'threshold');
      if (!(a.activationThreshold >= 0)) issues.push(error('activation_threshold', `expected 0 or more, got ${a.activationThreshold}`));
      positive('polling_interval', a.pollingIntervalMs, 'polling interval in ms');
      if (a.minReplicas > d.replicas.max) {
        issues.push(
          error(
            'min_replicas',
            `expected at most replicas.max of deployment "${d.name}" (${d.replicas.max}; the ScaledObject's minReplicaCount ≤ maxReplicaCount), got ${a.minReplicas}`,
          ),
        );
      }
      // KEDA's admission webhook: idleReplicaCount must be lower than minReplicaCount.
      if (a.idleReplicas !== undefined && a.idleReplicas >= a.minReplicas) {
        issues.push(error('idle_replicas', `expected less than min_replicas (${a.minReplicas}), got ${a.idleReplicas}`));
      }
      if (a.fallback && (a.fallback.replicas < 1 || a.fallback.replicas > d.replicas.max)) {
        issues.push(error('fallback.replicas', `expected from 1 to replicas.max (${d.replicas.max}), got ${a.fallback.replicas}`));
      }
      if (!isAggregated(a.query)) {
        issues.push(
          error(
            'query',
            `expected a query aggregated to one element, such as sum(...) (KEDA's Prometheus scaler fails when a query returns one series per pod), got ${JSON.stringify(a.query)}`,
          ),
        );
      }
      break;
  }
  return issues;
}
