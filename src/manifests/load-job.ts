import type { K8sObject } from './types.js';
import { PREFIX } from './names.js';
import type { ResolvedLoadRunner } from '../matrix/types.js';
import { k6Args, type ScenarioWorkload } from '../load/k6-options.js';
import { runnerImage } from '../load/runner-image.js';
import { executionSegments } from '../load/segments.js';

/** The pod annotation the start barrier is written to (ms since the epoch), seen by the pods through a downward API volume. */
export const START_AT_ANNOTATION = `${PREFIX}/start-at`;
/** The label of runner pods (and their Job and ConfigMap). */
export const ROLE_LABEL = `${PREFIX}/role`;
/** How long a runner pod waits at the barrier before it gives up. @default 600000 ms */
export const BARRIER_TIMEOUT_MS = 600_000;

/** What a runner pod's scenario reads beyond a local run's workload (scenarios/openai-chat.js `runner`). */
export interface RunnerSettings {
  count: number;
  segments: string[];
  sequence: string;
  barrierTimeoutMs: number;
}

export interface LoadJobInput {
  /** The Job's and ConfigMap's name (a DNS-1035 label, at most 63 characters: pods carry it as a label). */
  name: string;
  namespace: string;
  /** The cell's labels (run, cell, managed-by): the Job, its ConfigMap and its pods carry them. */
  labels: Record<string, string>;
  load: ResolvedLoadRunner;
  /** The k6 options (--config), as for a local run. */
  k6Options: Record<string, unknown>;
  /** The scenario's workload of a local run; its files are replaced by the pod's. */
  workload: ScenarioWorkload;
  /** The longest the load may take (k6WallMs(load).max): the Job's active deadline adds the barrier's wait. */
  maxWallMs: number;
}

/** The scenario's settings in a runner pod: points, meta and end lines to standard output, the pod's segment, the barrier. */
export function runnerWorkload(w: ScenarioWorkload, parallelism: number): ScenarioWorkload & { runner: RunnerSettings } {
  const { summary: _summary, ...rest } = w;
  const seg = executionSegments(parallelism);
  return {
    ...rest,
    summary: '',
    points: '-',
    meta: '-',
    runner: { count: parallelism, ...seg, barrierTimeoutMs: BARRIER_TIMEOUT_MS },
  };
}

/**
 * A cell's load as an Indexed Job of `parallelism` pods and the ConfigMap
 * they read (k6 options and workload). Every index runs once
 * (backoffLimitPerIndex 0, restartPolicy Never: a failed pod is not
 * replaced, its points so far are kept), and a failed index leaves the others
 * running (maxFailedIndexes = parallelism; Kubernetes "Backoff limit per
 * index", batch/v1 since 1.33). The pods wait at a start barrier: the
 * start-at annotation, which a downward API volume shows them as a file.
 */
/** The ConfigMap the runner pods mount: the k6 options and the workload, as files. */
export type LoadConfigMap = K8sObject & { data: { 'k6-options.json': string; 'k6-workload.json': string } };

export function loadJobObjects(i: LoadJobInput): { configMap: LoadConfigMap; job: K8sObject } {
  const labels = { ...i.labels, [ROLE_LABEL]: 'load' };
  const n = i.load.parallelism;
  const configMap: LoadConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: i.name, namespace: i.namespace, labels },
    data: {
      'k6-options.json': `${JSON.stringify(i.k6Options, null, 2)}\n`,
      'k6-workload.json': `${JSON.stringify(runnerWorkload(i.workload, n), null, 2)}\n`,
    },
  };
  const container = {
    name: 'k6',
    image: i.load.image ?? '',
    command: [runnerImage.k6],
    args: k6Args({ options: `${runnerImage.cellDir}/k6-options.json`, script: runnerImage.scenario }),
    env: [
      { name: 'SCALEBENCH_WORKLOAD', value: `${runnerImage.cellDir}/k6-workload.json` },
      // The start barrier's file (the downward API volume below).
      { name: 'SCALEBENCH_BARRIER', value: `${runnerImage.barrierDir}/start-at` },
      { name: 'K6_NO_USAGE_REPORT', value: 'true' },
      { name: 'K6_AUTO_EXTENSION_RESOLUTION', value: 'false' },
    ],
    ...(i.load.resources ? { resources: i.load.resources } : {}),
    volumeMounts: [
      { name: 'cell', mountPath: runnerImage.cellDir, readOnly: true },
      { name: 'barrier', mountPath: runnerImage.barrierDir, readOnly: true },
    ],
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
  const job: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: i.name, namespace: i.namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: n,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: n,
      activeDeadlineSeconds: Math.ceil((i.maxWallMs + BARRIER_TIMEOUT_MS) / 1000),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(i.load.nodeSelector ? { nodeSelector: i.load.nodeSelector } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: runnerImage.uid, runAsGroup: runnerImage.uid },
          containers: [container],
          volumes: [
            { name: 'cell', configMap: { name: i.name } },
            { name: 'barrier', downwardAPI: { items: [{ path: 'start-at', fieldRef: { fieldPath: `metadata.annotations['${START_AT_ANNOTATION}']` } }] } },
          ],
        },
      },
    },
  };
  return { configMap, job };
}
