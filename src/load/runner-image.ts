/**
 * The runner image's layout (`scalebench image build`): k6 with the
 * extension, the scenario, nothing else. The Job's pods name these paths; the
 * cluster tier's kwok backing maps them to this machine's files.
 */
export const runnerImage = {
  /** The k6 binary, and the image's entrypoint. */
  k6: '/usr/bin/k6',
  /** The scenario (scenarios/openai-chat.js). */
  scenario: '/scalebench/openai-chat.js',
  /** A user without privileges: nobody's uid in distroless images. */
  uid: 65532,
  /** Where a pod mounts its cell's ConfigMap (k6-options.json, k6-workload.json). */
  cellDir: '/etc/scalebench/cell',
  /** Where a pod mounts its start barrier (a downward API volume: the start-at annotation). */
  barrierDir: '/etc/scalebench/barrier',
} as const;
