import type { ResolvedAutoscaler, ResolvedDeployment, ResolvedSlo } from '../matrix/types.js';
import type { ModelArch } from '../catalog/gpus.js';
import type { GpuRequest } from '../sizing/accelerators.js';

/** A Kubernetes object as the generators build it: plain data, written to YAML by yaml.ts. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One file of a generated set: a path relative to the output folder and its objects, in order. */
export interface ManifestFile {
  path: string;
  objects: K8sObject[];
}

/**
 * How a model is served: a plain Deployment + Service, a KServe
 * InferenceService running the vLLM image as its container, or KServe's
 * huggingface runtime (which runs vLLM inside).
 */
export const servingForms = ['deployment', 'kserve', 'kserve-hf'] as const;
export type ServingForm = (typeof servingForms)[number];

export const monitorKinds = ['ServiceMonitor', 'PodMonitor'] as const;
export type MonitorKind = (typeof monitorKinds)[number];

/** KServe's deploymentMode annotation: Standard since v0.16; RawDeployment is its legacy alias. */
export const kserveModes = ['Standard', 'RawDeployment'] as const;
export type KserveMode = (typeof kserveModes)[number];

/** Everything about the cluster that the matrix does not say. Defaults in defaults.ts. */
export interface ManifestOptions {
  namespace: string;
  serving: ServingForm;
  kserveMode: KserveMode;
  /** The vLLM image; by default the one data/accelerators.json gives the GPU's vendor. */
  image?: string;
  /** The Secret holding a Hugging Face token (referenced, never inlined; optional in the pod). */
  hfTokenSecret: { name: string; key: string };
  /** Prometheus as KEDA's trigger reaches it. */
  prometheusUrl: string;
  /** Where prometheus-adapter runs (its rules ConfigMap goes there). */
  adapterNamespace: string;
  /** ServiceMonitor or PodMonitor; by default ServiceMonitor for `deployment`, PodMonitor for KServe. */
  monitor?: MonitorKind;
  /** Scrape interval of the monitor, seconds. @default 15 */
  scrapeIntervalS: number;
  /** How long an SLO alert must hold before it fires. @default "5m" */
  alertFor: string;
  /** The SLOs the alerts watch (the matrix's). */
  slo: ResolvedSlo;
  /** Labels added to every object's metadata (not to pod templates): the kubernetes target's run and cell. */
  labels: Record<string, string>;
  /** Where the set was generated from, for the header of each file. */
  source?: string;
}

/** One deployment × autoscaler, with everything the generators need resolved. */
export interface ServingSpec {
  deployment: ResolvedDeployment;
  autoscaler: ResolvedAutoscaler;
  gpu: GpuRequest;
  /** The model's architecture from the catalog, when it is there (the facts annotations). */
  model?: ModelArch;
  options: ManifestOptions;
}
