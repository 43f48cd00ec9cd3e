// The serializer client-node runs on every response (not exported from its index).
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../src/manifests/types.js';
import {
  conditionsOf,
  deploymentReplicas,
  failing,
  hpaActive,
  hpaMetricValues,
  hpaStatus,
  parseQuantity,
  k8sObject,
  podState,
  runnerPodStatus,
} from '../../src/targets/kubernetes/status.js';
import { UserError } from '../../src/util/errors.js';

const obj = (kind: string, rest: Record<string, unknown>): K8sObject => ({ apiVersion: 'v1', kind, metadata: { name: 'x', namespace: 'bench' }, ...rest });

describe("what the kubernetes target reads of the API server's objects", () => {
  it('parses Kubernetes quantities (apimachinery resource.Quantity suffixes)', () => {
    expect(parseQuantity('1500m')).toBe(1.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1Ki')).toBe(1024);
    expect(parseQuantity('3k')).toBe(3000);
    expect(parseQuantity('bogus')).toBeNull();
    expect(parseQuantity(undefined)).toBeNull();
  });

  it('maps status.currentMetrics to metric values, CPU utilisation apart', () => {
    const s = hpaStatus(
      obj('HorizontalPodAutoscaler', {
        status: {
          desiredReplicas: 3,
          currentMetrics: [
            { type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting' }, current: { averageValue: '2500m' } } },
            { type: 'External', external: { metric: { name: 's0-prometheus' }, current: { averageValue: '7' } } },
            { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 83 } } },
          ],
        },
      }),
    );
    expect(hpaMetricValues(s)).toEqual({ values: { vllm_num_requests_waiting: 2.5, 's0-prometheus': 7, cpu_utilization: 83 }, cpuUtilization: 83 });
  });

  it("counts the HPA's wish only while ScalingActive is True", () => {
    const status = (active: string) =>
      hpaStatus(
        obj('HorizontalPodAutoscaler', {
          status: { desiredReplicas: 3, currentMetrics: null, conditions: [{ type: 'ScalingActive', status: active, reason: 'FailedGetPodsMetric' }] },
        }),
      );
    expect(hpaActive(status('True'))).toBe(true);
    expect(hpaActive(status('False'))).toBe(false);
    expect(hpaActive(hpaStatus(obj('HorizontalPodAutoscaler', {})))).toBe(false);
    expect(failing(status('False')!.conditions)).toEqual(['ScalingActive=False (FailedGetPodsMetric)']);
  });

  it("reads a Deployment's replicas, zero where the status is not there yet", () => {
    expect(deploymentReplicas(obj('Deployment', { spec: { replicas: 2 }, status: { replicas: 3, readyReplicas: 1 } }))).toEqual({
      spec: 2,
      current: 3,
      ready: 1,
    });
    expect(deploymentReplicas(obj('Deployment', { spec: {} }))).toEqual({ spec: 0, current: 0, ready: 0 });
    expect(deploymentReplicas(undefined)).toEqual({ spec: 0, current: 0, ready: 0 });
  });

  it('refuses a field of the wrong type, naming the object and the field (no cast lets it through)', () => {
    expect(() => deploymentReplicas(obj('Deployment', { status: { readyReplicas: 'two' } }))).toThrow(/^Deployment bench\/x: status\.readyReplicas: /);
    expect(() => hpaStatus(obj('HorizontalPodAutoscaler', { status: { conditions: [{ type: 'ScalingActive' }] } }))).toThrow(
      /^HorizontalPodAutoscaler bench\/x status: conditions\.0\.status: /,
    );
  });

  it("reads a pod's phase, conditions and creation time, and an object's conditions", () => {
    const p = podState(
      obj('Pod', {
        metadata: { name: 'p-1', creationTimestamp: '2026-01-01T00:00:00Z' },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }] },
      }),
    );
    expect(p).toEqual({
      name: 'p-1',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }],
      createdMs: Date.UTC(2026, 0, 1),
    });
    // client-node gives times as Dates.
    const fromClient = podState(
      obj('Pod', {
        metadata: { name: 'p-2', creationTimestamp: new Date(Date.UTC(2026, 0, 1)) },
        status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(Date.UTC(2026, 0, 1, 0, 0, 5)) }] },
      }),
    );
    expect(fromClient.createdMs).toBe(Date.UTC(2026, 0, 1));
    expect(fromClient.conditions[0]!.lastTransitionTime).toBe('2026-01-01T00:00:05.000Z');
    expect(conditionsOf(obj('InferenceService', {}))).toEqual([]);
    expect(conditionsOf(undefined)).toEqual([]);
  });

  it("reads a runner pod's status through its schema: a field of the wrong type names the pod and the field", () => {
    const failed = obj('Pod', {
      status: { phase: 'Failed', containerStatuses: [{ imageID: 'sha256:1', state: { terminated: { reason: 'Error', exitCode: 2 } } }] },
    });
    expect(runnerPodStatus(failed)).toEqual({
      phase: 'Failed',
      containerStatuses: [{ imageID: 'sha256:1', state: { terminated: { reason: 'Error', exitCode: 2 } } }],
    });
    expect(runnerPodStatus(obj('Pod', {}))).toEqual({});
    expect(() => runnerPodStatus(obj('Pod', { status: { phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: '2' } } }] } }))).toThrow(
      /^Pod bench\/x status: containerStatuses\.0\.state\.terminated\.exitCode: .*expected number/,
    );
  });

  it('takes an object from the API server only with apiVersion, kind and metadata.name: else one line naming the call', () => {
    expect(k8sObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', uid: 'u' }, status: {} }, 'listing Pod')).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', uid: 'u' },
      status: {},
    });
    // client-node hands back class instances (V1Pod) with Dates: taken as they are.
    const pod: unknown = ObjectSerializer.deserialize(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' }, creationTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } },
      'V1Pod',
    );
    const read = k8sObject(pod, 'listing Pod');
    expect(read.metadata).toMatchObject({ name: 'p', labels: { a: 'b' } });
    expect(podState(read)).toMatchObject({ name: 'p', phase: 'Running', createdMs: Date.UTC(2026, 0, 1) });
    const bad = (): unknown => k8sObject({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 1 } } }, 'listing Pod');
    expect(bad).toThrow(UserError);
    expect(bad).toThrow(/^kubernetes target: listing Pod: the API server returned an object without metadata\.name \(.*expected string/);
  });
});
