import { factsAnnotations } from './facts.js';
import { meta, podLabels, selectorLabels, workloadName } from './names.js';
import { PORT_NAME, placement, vllmContainer, volumes } from './pod.js';
import type { K8sObject, ServingSpec } from './types.js';

/**
 * The serving workload for clusters without KServe: a Deployment of vLLM
 * pods and a Service in front of them (what kubernetes/examples
 * AI/vllm-deployment does), labelled for the monitors and the autoscalers.
 */

/** The Deployment. replicas is the deployment's start; an autoscaler takes over from there. */
export function deploymentObject(s: ServingSpec): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(s, workloadName(s), 'server', factsAnnotations(s)),
    spec: {
      replicas: s.deployment.replicas.start,
      selector: { matchLabels: selectorLabels(s) },
      template: {
        metadata: { labels: podLabels(s) },
        spec: {
          containers: [vllmContainer(s, 'vllm')],
          ...placement(s),
          volumes: volumes(),
          // In-flight streams get time to finish when a replica is scaled away.
          terminationGracePeriodSeconds: 60,
        },
      },
    },
  };
}

/** A ClusterIP Service on the vLLM port, named like the Deployment (ServiceMonitor selects it). */
export function serviceObject(s: ServingSpec): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s, workloadName(s), 'server'),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(s),
      ports: [{ name: PORT_NAME, port: 80, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  };
}
