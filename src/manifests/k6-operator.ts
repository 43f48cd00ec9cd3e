import type { K8sObject } from './types.js';
import type { ResolvedLoadRunner } from '../matrix/types.js';
import type { ScenarioWorkload } from '../load/k6-options.js';
import { runnerWorkload } from './load-job.js';
import { runnerImage } from '../load/runner-image.js';

/** k6-operator's TestRun (k6.io/v1alpha1), pinned at the version whose CRD scripts/setup-cluster reads. */
export const K6_OPERATOR_VERSION = 'v1.6.0';
/** Where k6-operator mounts a TestRun's script ConfigMap in its runner pods (pkg/types/script.go: "always mounted at /test"). */
const TEST_DIR = '/test';

export interface TestRunInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  load: ResolvedLoadRunner & { image: string };
  k6Options: Record<string, unknown>;
  workload: ScenarioWorkload;
  /** scenarios/openai-chat.js. */
  scenario: string;
}

/**
 * A cell's load for k6-operator users: a TestRun of `parallelism` runners and
 * the ConfigMap it mounts (the scenario, k6 options and workload). The
 * operator gives each runner its execution segment and starts them together
 * (its runners wait `--paused` until its starter resumes them all); points go
 * to each runner's stdout, which `scalebench testrun read` merges. The image
 * is scalebench's (`scalebench image build`): k6-operator's own ships k6
 * without the extension. `args` (exact argv, k6-operator ≥ 1.x) needs no
 * shell, which the image does not have.
 */
export function k6OperatorTestRun(i: TestRunInput): { configMap: K8sObject; testRun: K8sObject } {
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: i.name, namespace: i.namespace, labels: i.labels },
    data: {
      'openai-chat.js': i.scenario,
      'k6-options.json': `${JSON.stringify(i.k6Options, null, 2)}\n`,
      'k6-workload.json': `${JSON.stringify(runnerWorkload(i.workload, i.load.parallelism), null, 2)}\n`,
    },
  };
  const testRun: K8sObject = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: i.name, namespace: i.namespace, labels: i.labels },
    spec: {
      parallelism: i.load.parallelism,
      script: { configMap: { name: i.name, file: 'openai-chat.js' } },
      args: ['--config', `${TEST_DIR}/k6-options.json`],
      separate: false,
      quiet: 'true',
      runner: {
        image: i.load.image,
        metadata: { labels: i.labels },
        env: [
          { name: 'SCALEBENCH_WORKLOAD', value: `${TEST_DIR}/k6-workload.json` },
          { name: 'K6_NO_USAGE_REPORT', value: 'true' },
          { name: 'K6_AUTO_EXTENSION_RESOLUTION', value: 'false' },
        ],
        ...(i.load.resources ? { resources: i.load.resources } : {}),
        ...(i.load.nodeSelector ? { nodeSelector: i.load.nodeSelector } : {}),
        securityContext: { runAsNonRoot: true, runAsUser: runnerImage.uid, runAsGroup: runnerImage.uid },
      },
    },
  };
  return { configMap, testRun };
}
