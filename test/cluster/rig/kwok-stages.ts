import { stringify } from 'yaml';

/**
 * kwok's lifecycle stages for the cluster tier (kwok.x-k8s.io/v1alpha1 Stage;
 * kwok exits with "no stages found" without them). Three, written for what the
 * tier needs:
 *   node-ready   a fake node reports Ready with an InternalIP, keeping the
 *                allocatable/capacity it was created with (GPUs included);
 *   pod-ready    a scheduled pod turns Running and Ready, after the model-load
 *                time given, with a pod IP from kwok's CIDR;
 *   pod-delete   a pod being deleted goes at once (finalizers cleared).
 * With kubeletPort, nodes name kwok's server as their kubelet, so the API
 * server's pod log requests reach it (kwok serves the files of its Logs
 * objects as the pods' logs).
 * Node heartbeats come from kwok's node leases (--node-lease-duration-seconds).
 * Templates are Go templates over the object, with kwok's functions (Now, Quote,
 * NodeIP, PodIPWith, YAML).
 */
export function kwokStages(o: { podReadyDelayMs?: number; kubeletPort?: number } = {}): string {
  const stage = (name: string, kind: string, matchExpressions: unknown[], next: Record<string, unknown>, delayMs?: number) => ({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: 'v1', kind },
      selector: { matchExpressions },
      ...(delayMs ? { delay: { durationMilliseconds: delayMs } } : {}),
      next,
    },
  });
  const nodeReady = stage(
    'node-ready',
    'Node',
    [{ key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['True'] }],
    {
      statusTemplate: [
        '{{ $now := Now }}',
        'conditions:',
        '- type: Ready',
        '  status: "True"',
        '  reason: KubeletReady',
        '  message: kwok keeps this node ready',
        '  lastHeartbeatTime: {{ $now | Quote }}',
        '  lastTransitionTime: {{ $now | Quote }}',
        'addresses:',
        '- type: InternalIP',
        '  address: {{ NodeIP | Quote }}',
        'allocatable:',
        '{{ YAML .status.allocatable 1 }}',
        'capacity:',
        '{{ YAML .status.capacity 1 }}',
        // The API server reaches a node's kubelet (pod logs) at this port of its address (pkg/kubelet/client GetConnectionInfo): kwok's server.
        ...(o.kubeletPort ? ['daemonEndpoints:', '  kubeletEndpoint:', `    Port: ${o.kubeletPort}`] : []),
        'phase: Running',
        '',
      ].join('\n'),
    },
  );
  const podReady = stage(
    'pod-ready',
    'Pod',
    [
      { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
      { key: '.spec.nodeName', operator: 'Exists' },
      { key: '.status.podIP', operator: 'DoesNotExist' },
    ],
    {
      statusTemplate: [
        '{{ $now := Now }}',
        'conditions:',
        '- { type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }} }',
        '- { type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }} }',
        '- { type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }} }',
        '- { type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }} }',
        'containerStatuses:',
        '{{ range .spec.containers }}',
        '- name: {{ .name | Quote }}',
        '  image: {{ .image | Quote }}',
        '  ready: true',
        '  started: true',
        '  restartCount: 0',
        '  state: { running: { startedAt: {{ $now | Quote }} } }',
        '{{ end }}',
        'hostIP: {{ NodeIPWith .spec.nodeName | Quote }}',
        'podIP: {{ PodIPWith .spec.nodeName false .metadata.uid .metadata.name .metadata.namespace | Quote }}',
        'phase: Running',
        'startTime: {{ $now | Quote }}',
        '',
      ].join('\n'),
    },
    o.podReadyDelayMs,
  );
  const podDelete = stage('pod-delete', 'Pod', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], { finalizers: { empty: true }, delete: true });
  return [nodeReady, podReady, podDelete].map((s) => stringify(s, { lineWidth: 0 })).join('---\n');
}
