import { manifestDefaults as D } from './defaults.js';
import { quantity, servingPort } from './names.js';
import type { ServingSpec } from './types.js';
import { vllmArgs } from './vllm-args.js';

/**
 * The parts of a vLLM pod every serving form shares: GPU resources per
 * vendor (or MIG slice), node selection, probes, the Hugging Face token from
 * a Secret, shared memory for tensor parallel.
 */

/** The name of the port vLLM listens on (Service, ServiceMonitor and probes refer to it). */
export const PORT_NAME = 'http';

/**
 * Requests and limits: the GPUs as the device plugin's extended resource
 * (extended resources must have request = limit, so limits alone are given
 * and the request defaults to it), and the CPU request hpa-cpu measures against.
 */
export function resources(s: ServingSpec): Record<string, unknown> {
  return {
    limits: { [s.gpu.resource]: s.gpu.count },
    requests: { cpu: quantity(s.deployment.cpuRequestMillis / 1000) },
  };
}

/** The Hugging Face token from a Secret reference; optional, so public models start without one. */
export function hfTokenEnv(s: ServingSpec): Record<string, unknown>[] {
  const { name, key } = s.options.hfTokenSecret;
  return [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name, key, optional: true } } }];
}

/** Startup, readiness and liveness on vLLM's /health: generous start-up (weights download), then quick. */
export function probes(port: number | string = PORT_NAME): Record<string, unknown> {
  const httpGet = { path: D.healthPath, port };
  return {
    startupProbe: { httpGet, ...D.startupProbe },
    readinessProbe: { httpGet, ...D.readinessProbe },
    livenessProbe: { httpGet, ...D.livenessProbe },
  };
}

/** Volumes for /dev/shm (NCCL between tensor-parallel ranks) and the weights cache. */
export function volumes(): Record<string, unknown>[] {
  return [
    { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: D.shmSize } },
    { name: 'hf-cache', emptyDir: {} },
  ];
}

export function volumeMounts(): Record<string, unknown>[] {
  return [
    { name: 'dshm', mountPath: '/dev/shm' },
    { name: 'hf-cache', mountPath: D.hfCachePath },
  ];
}

/** The image: the option, else the GPU vendor's from data/accelerators.json. */
export function image(s: ServingSpec): string {
  return s.options.image ?? s.gpu.accelerator.image;
}

/** The vLLM container: `vllm serve <model> --flag=value …`, with everything above. */
export function vllmContainer(s: ServingSpec, name: string): Record<string, unknown> {
  const port = servingPort(s);
  return {
    name,
    image: image(s),
    command: ['vllm', 'serve'],
    args: vllmArgs(s.deployment, port),
    ports: [{ name: PORT_NAME, containerPort: port, protocol: 'TCP' }],
    env: hfTokenEnv(s),
    resources: resources(s),
    ...probes(),
    volumeMounts: volumeMounts(),
  };
}

/** Node selection: the GPU product label and the GPU taint's toleration (data/accelerators.json). */
export function placement(s: ServingSpec): Record<string, unknown> {
  // With MIG (NVIDIA "mixed" strategy) and AMD partitions ("mixed" naming) the product label stays the GPU's and
  // the resource name does the selecting; time-slicing adds the labels of nodes sliced that many ways.
  const selector = { ...s.gpu.accelerator.node_selector, ...s.gpu.nodeSelector };
  return { nodeSelector: selector, tolerations: s.gpu.accelerator.tolerations.map((t) => ({ ...t })) };
}
