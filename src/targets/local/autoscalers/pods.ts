/**
 * Pod observations the HPA emulator reads, and the HPA's grouping of pods
 * into counted, unready, missing and ignored (kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go groupPods).
 * Times are milliseconds on the caller's clock; nothing here reads a clock.
 */
import { defaults } from '../../../matrix/defaults.js';

/** `Deleted` stands for a pod with a deletionTimestamp (terminating). */
export type PodPhase = 'Pending' | 'Running' | 'Failed' | 'Deleted';

export interface PodInfo {
  name: string;
  phase: PodPhase;
  /** The Ready condition is True. */
  ready: boolean;
  /** status.startTime, ms. */
  startTime: number;
  /** lastTransitionTime of the Ready condition, ms. @default startTime (the kubelet sets the condition at start) */
  lastReadyTransition?: number;
  /** The pod has been Ready at least once since it started. */
  everReady: boolean;
}

/** One pod's sample as a metrics API returns it. */
export interface PodSample {
  /** In the metric's unit (millicores for CPU usage). */
  value: number;
  /** When the sample was taken, ms. */
  timestamp: number;
  /** The window the sample averages over, ms (metrics-server: the scrape resolution). */
  window: number;
}

/** Samples by pod name; a pod without an entry is "missing". */
export type PodSamples = Readonly<Record<string, PodSample>>;

/** Flags of kube-controller-manager that groupPods reads. */
export interface ReadinessOptions {
  /** --horizontal-pod-autoscaler-cpu-initialization-period. @default 300000 ms */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay. @default 30000 ms */
  initialReadinessDelayMs?: number;
}

export const readinessDefaults = {
  cpuInitializationPeriodMs: defaults.controllers.cpuInitializationPeriodMs,
  initialReadinessDelayMs: defaults.controllers.initialReadinessDelayMs,
} as const;

export interface PodGroups {
  /** Pods whose samples count (groupPods' readyPodCount is their number). */
  counted: string[];
  /** Pending pods, and for CPU the pods the readiness rule rejects. */
  unready: string[];
  /** Running pods without a sample. */
  missing: string[];
  /** Failed or terminating pods. */
  ignored: string[];
}

/**
 * groupPods. The readiness test applies to CPU only (`cpu: true`); for Pods and
 * custom metrics a Running pod with a sample counts whether Ready or not.
 */
export function groupPods(pods: readonly PodInfo[], samples: PodSamples, now: number, cpu: boolean, opts: ReadinessOptions = {}): PodGroups {
  const initPeriod = opts.cpuInitializationPeriodMs ?? readinessDefaults.cpuInitializationPeriodMs;
  const readinessDelay = opts.initialReadinessDelayMs ?? readinessDefaults.initialReadinessDelayMs;
  const groups: PodGroups = { counted: [], unready: [], missing: [], ignored: [] };
  for (const pod of pods) {
    if (pod.phase === 'Deleted' || pod.phase === 'Failed') {
      groups.ignored.push(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      groups.unready.push(pod.name);
      continue;
    }
    const sample = samples[pod.name];
    if (sample === undefined) {
      groups.missing.push(pod.name);
      continue;
    }
    if (cpu && cpuSampleUnready(pod, sample, now, initPeriod, readinessDelay)) {
      groups.unready.push(pod.name);
      continue;
    }
    groups.counted.push(pod.name);
  }
  return groups;
}

function cpuSampleUnready(pod: PodInfo, sample: PodSample, now: number, initPeriod: number, readinessDelay: number): boolean {
  const transition = pod.lastReadyTransition ?? pod.startTime;
  // groupPods: within the initialisation period (startTime + period after now),
  // a sample is rejected when the pod is unready or when the sample's window
  // began before the last Ready transition.
  if (pod.startTime + initPeriod > now) return !pod.ready || sample.timestamp < transition + sample.window;
  // After it, only a pod that is unready and never became ready is rejected.
  // Upstream infers "never ready" from startTime + delay after lastTransitionTime;
  // everReady says it directly, and either one is enough.
  return !pod.ready && (!pod.everReady || pod.startTime + readinessDelay > transition);
}

/**
 * Running pods with the Ready condition True: getReadyPodsCount, which
 * Object/External Value metrics multiply by. Terminating pods are left out.
 */
export function readyPodCount(pods: readonly PodInfo[]): number {
  return pods.filter((p) => p.phase === 'Running' && p.ready).length;
}
