/**
 * The KEDA emulator (src/targets/local/autoscalers/keda.ts) driven by a
 * recorded signal: the operator's poll every pollingInterval and its HPA's
 * sync every sync period, both reading the query's outcome at that moment and
 * sharing one state, as on the local target's autoscaler loop. Used where the
 * local target cannot produce the situation itself (a trigger that is only
 * non-zero while no pod exists) and to set the emulator's timeline beside the
 * real operator's on the same input. Pure; times in ms.
 */
import { kedaHpaSync, kedaPoll, kedaReadTrigger, newKedaState, type KedaSpec } from '../../../src/targets/local/autoscalers/keda.js';
import type { PromQueryOutcome } from '../../../src/targets/local/autoscalers/prometheus-trigger.js';

export interface KedaReplayInput {
  spec: KedaSpec;
  /** The ScaledObject's creation: the first poll and the first HPA sync, ms. */
  startMs: number;
  endMs: number;
  pollingIntervalMs: number;
  syncPeriodMs: number;
  startReplicas: number;
  /** What the trigger's query returns at t (ms). */
  outcomeAt: (t: number) => PromQueryOutcome;
  /** HPA tolerance. @default 0.1 */
  tolerance?: number;
}

export interface KedaReplayStep {
  t: number;
  loop: 'poll' | 'hpa';
  /** Replicas after this step (the workload follows at once: no rollout lag). */
  replicas: number;
  fallback: boolean;
  error?: string;
}

export function kedaReplay(i: KedaReplayInput): KedaReplayStep[] {
  const ticks: Array<{ t: number; loop: 'poll' | 'hpa' }> = [];
  for (let t = i.startMs; t <= i.endMs; t += i.pollingIntervalMs) ticks.push({ t, loop: 'poll' });
  for (let t = i.startMs; t <= i.endMs; t += i.syncPeriodMs) ticks.push({ t, loop: 'hpa' });
  // At the same instant the poll goes first: KEDA creates the HPA after its first reconcile.
  ticks.sort((a, b) => a.t - b.t || (a.loop === 'poll' ? -1 : 1));
  let state = newKedaState(i.startMs);
  let replicas = i.startReplicas;
  const out: KedaReplayStep[] = [];
  for (const { t, loop } of ticks) {
    const r = kedaReadTrigger(i.spec, state, i.outcomeAt(t));
    state = r.state;
    if (loop === 'poll') {
      const step = kedaPoll(i.spec, state, { now: t, currentReplicas: replicas, read: r.read });
      state = step.state;
      replicas = step.decision.after;
    } else {
      const step = kedaHpaSync(i.spec, state, { now: t, currentReplicas: replicas, read: r.read }, { tolerance: i.tolerance ?? 0.1 });
      state = step.state;
      replicas = step.decision.after;
    }
    out.push({ t, loop, replicas, fallback: !('error' in r.read) && r.read.fallback, ...('error' in r.read ? { error: r.read.error } : {}) });
  }
  return out;
}
