import { sha256Hex } from '../util/canonical.js';
import { manifestDefaults } from './defaults.js';
import type { ObjectMeta, ServingSpec } from './types.js';

/**
 * Names, labels and quantities: every generated object is named and
 * labelled here, so the kubernetes target can select and tear down by label.
 */

/** The label every object scalebench creates carries (teardown selects on it). */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'scalebench' } as const;

/** scalebench's own label and annotation prefix. */
export const PREFIX = 'scalebench.dev';

export const labelKeys = {
  deployment: `${PREFIX}/deployment`,
  autoscaler: `${PREFIX}/autoscaler`,
  /** For the kubernetes target's hook: ManifestOptions.labels carries them. */
  run: `${PREFIX}/run`,
  cell: `${PREFIX}/cell`,
} as const;

/**
 * A DNS-1035 label (what a Service name must be, and so valid for every
 * kind): lower case, [a-z0-9-], starting with a letter, at most 63
 * characters; longer names keep a hash of the whole so they stay unique.
 * (k8s.io/apimachinery pkg/util/validation IsDNS1035Label.)
 */
export function k8sName(...parts: string[]): string {
  const raw = parts.join('-');
  let name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (!/^[a-z]/.test(name)) name = `sb-${name}`;
  if (name.length <= 63) return name;
  return `${name.slice(0, 54).replace(/-$/, '')}-${sha256Hex(raw).slice(0, 8)}`;
}

/** A valid label value (at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends; IsValidLabelValue). */
export function labelValue(v: string): string {
  return v
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The workload's name: the Deployment (and Service), or the InferenceService. */
export function workloadName(s: ServingSpec): string {
  return k8sName(s.deployment.name);
}

/** The Deployment the autoscaler scales: KServe's raw mode names it `<isvc>-predictor` (constants.PredictorServiceName). */
export function scaledDeploymentName(s: ServingSpec): string {
  return s.options.serving === 'deployment' ? workloadName(s) : k8sName(workloadName(s), 'predictor');
}

/** Objects that belong to one deployment × autoscaler: `<deployment>-<autoscaler>`. */
export function pairName(s: ServingSpec, suffix?: string): string {
  return suffix === undefined ? k8sName(s.deployment.name, s.autoscaler.name) : k8sName(s.deployment.name, s.autoscaler.name, suffix);
}

/** The labels that select the serving pods (a Deployment's selector is immutable: nothing else goes in it). */
export function selectorLabels(s: ServingSpec): Record<string, string> {
  return { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': workloadName(s) };
}

/** Labels of the pods: the selector's, managed-by and the deployment; stable across autoscalers and cells (no rollout when they change). */
export function podLabels(s: ServingSpec): Record<string, string> {
  return { ...selectorLabels(s), ...MANAGED_BY, [labelKeys.deployment]: labelValue(s.deployment.name) };
}

/** Labels of an object: managed-by, the deployment and autoscaler names, its component, and the caller's labels (run, cell). */
export function objectLabels(s: ServingSpec, component: string): Record<string, string> {
  return {
    ...selectorLabels(s),
    'app.kubernetes.io/component': component,
    ...MANAGED_BY,
    [labelKeys.deployment]: labelValue(s.deployment.name),
    [labelKeys.autoscaler]: labelValue(s.autoscaler.name),
    ...s.options.labels,
  };
}

/** metadata for a namespaced object of this deployment × autoscaler. */
export function meta(s: ServingSpec, name: string, component: string, annotations?: Record<string, string>, namespace = s.options.namespace): ObjectMeta {
  const m: ObjectMeta = { name, namespace, labels: objectLabels(s, component) };
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  return m;
}

/**
 * A number as a Kubernetes quantity: integers as they are, fractions in
 * milli-units when exact ("0.5" → "500m"), else as a decimal.
 */
export function quantity(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const milli = Math.round(v * 1000);
  return Math.abs(milli - v * 1000) < 1e-9 ? `${milli}m` : String(v);
}

/** Milliseconds as whole seconds (HPA and KEDA fields), at least `min`. */
export function seconds(ms: number, min = 0): number {
  return Math.max(min, Math.round(ms / 1000));
}

/** The port the server listens on in this serving form. */
export function servingPort(s: ServingSpec): number {
  return s.options.serving === 'deployment' ? manifestDefaults.vllmPort : manifestDefaults.kservePort;
}
