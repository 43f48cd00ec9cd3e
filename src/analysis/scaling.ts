import type { Sample } from '../metrics/sampler.js';
import { round } from './stats.js';

/** An events.jsonl line, as far as scaling analysis reads it. */
export interface CellEvent {
  t: number;
  kind: string;
  from?: number;
  to?: number;
  pod?: string;
}

/** How a cell's replicas moved. */
export interface ScalingSummary {
  /** ∫ ready replicas dt over the load and settle phases, replica·seconds. */
  replicaSeconds: number;
  gpuHours: number;
  costUsd: number;
  /** From the first rise of the offered load to the first scale-up decision, s. */
  scaleUpDecisionLagS?: number;
  /** …to the first replica added after it being ready, s. */
  scaleUpLagS?: number;
  /** From the first fall of the offered load to the first scale-down decision, s. */
  scaleDownLagS?: number;
  /** Direction changes of the desired replica count. */
  oscillations: number;
  replicasMax: number;
  replicasMean: number;
}

/**
 * Replica-seconds by the trapezoid rule over samples (ready replicas), from
 * the load's start on; GPU-hours = replica-seconds × GPUs per replica / 3600.
 */
export function summarizeScaling(
  samples: readonly Sample[],
  events: readonly CellEvent[],
  o: {
    gpusPerReplica: number;
    usdPerGpuHour: number;
    loadStart: number;
    /** Exact times of the first rise and fall of the offered load, ms; else read off the samples. */
    riseAt?: number;
    fallAt?: number;
  },
): ScalingSummary {
  const during = samples.filter((s) => s.t >= o.loadStart);
  let replicaSeconds = 0;
  for (let i = 1; i < during.length; i++) {
    const a = during[i - 1]!;
    const b = during[i]!;
    replicaSeconds += ((a.replicas.ready + b.replicas.ready) / 2) * ((b.t - a.t) / 1000);
  }
  const gpuHours = (replicaSeconds * o.gpusPerReplica) / 3600;
  const scales = events.filter((e) => e.kind === 'scale' && e.from !== undefined && e.to !== undefined);
  let oscillations = 0;
  let lastDir = 0;
  for (const e of scales) {
    const dir = Math.sign(e.to! - e.from!);
    if (dir !== 0 && lastDir !== 0 && dir !== lastDir) oscillations++;
    if (dir !== 0) lastDir = dir;
  }
  const out: ScalingSummary = {
    replicaSeconds: round(replicaSeconds, 1),
    gpuHours: round(gpuHours, 5),
    costUsd: round(gpuHours * o.usdPerGpuHour, 4),
    oscillations,
    replicasMax: during.length ? Math.max(...during.map((s) => s.replicas.ready)) : 0,
    replicasMean: during.length ? round(during.reduce((n, s) => n + s.replicas.ready, 0) / during.length, 2) : 0,
  };
  const rise = o.riseAt ?? firstChange(during, (prev, cur) => cur > prev);
  if (rise !== undefined) {
    const up = scales.find((e) => e.t >= rise && e.to! > e.from!);
    if (up) {
      out.scaleUpDecisionLagS = round((up.t - rise) / 1000, 2);
      const ready = events.find((e) => e.kind === 'replica-ready' && e.t >= up.t);
      if (ready) out.scaleUpLagS = round((ready.t - rise) / 1000, 2);
    }
  }
  const fall = o.fallAt ?? firstChange(during, (prev, cur) => cur < prev && cur > 0);
  if (fall !== undefined) {
    const down = scales.find((e) => e.t >= fall && e.to! < e.from!);
    if (down) out.scaleDownLagS = round((down.t - fall) / 1000, 2);
  }
  return out;
}

/** Time of the first sample whose offered load moved the way `moved` says, after load started. */
function firstChange(samples: readonly Sample[], moved: (prev: number, cur: number) => boolean): number | undefined {
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!.offered;
    const cur = samples[i]!.offered;
    if (prev > 0 && moved(prev, cur)) return samples[i]!.t;
  }
  return undefined;
}
