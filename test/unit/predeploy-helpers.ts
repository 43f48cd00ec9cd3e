import type { ResolvedAutoscaler, ResolvedDeployment } from '../../src/matrix/types.js';

/** A resolved deployment with the matrix defaults, and the given fields laid over them. */
export function dep(
  over: Partial<Omit<ResolvedDeployment, 'vllm' | 'gpu'>> & { gpu?: Partial<ResolvedDeployment['gpu']>; vllm?: Partial<ResolvedDeployment['vllm']> } = {},
): ResolvedDeployment {
  const { gpu, vllm, ...rest } = over;
  return {
    name: 'd',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    cpuRequestMillis: 1000,
    replicas: { start: 1, min: 1, max: 4 },
    simulator: { ttftStdevMs: 0, itlStdevMs: 0, startupMs: 0, failureRate: 0 },
    ...rest,
    gpu: { type: 'H100', count: 1, ...gpu },
    vllm: { maxNumSeqs: 32, maxModelLen: 4096, gpuMemoryUtilization: 0.9, enablePrefixCaching: true, extraArgs: [], ...vllm },
  };
}

const hpa = { syncPeriodMs: 15_000, tolerance: 0.1 };

/** One autoscaler of each kind, with the nightly matrix's targets. */
export const autoscalers = {
  fixed: { kind: 'fixed', name: 'fixed' },
  cpu: { ...hpa, kind: 'hpa-cpu', name: 'cpu', targetUtilization: 70 },
  waiting: { ...hpa, kind: 'hpa-custom', name: 'waiting', metric: 'vllm:num_requests_waiting', target: 5 },
  keda: {
    ...hpa,
    kind: 'keda',
    name: 'keda',
    query: 'sum(vllm:num_requests_waiting{namespace="scalebench"})',
    threshold: 5,
    activationThreshold: 0,
    pollingIntervalMs: 30_000,
    cooldownPeriodMs: 300_000,
    minReplicas: 1,
  },
} as const satisfies Record<string, ResolvedAutoscaler>;
