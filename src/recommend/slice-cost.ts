import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedDeployment } from '../matrix/types.js';
import { gpuRequest } from '../sizing/accelerators.js';
import { sharingLabel } from '../sizing/sharing.js';

/**
 * A cell's cost per slice, for its record (src/report/records.ts): the GPU
 * sharing it ran with, the GPUs' worth one replica pays for (count × the
 * slice's price share, sharing.ts), and the cost per million tokens of the
 * requests that met the SLO — replica-seconds of the main phase × price per
 * replica-hour over (goodput × duration × mean prompt + output tokens). Pure.
 */

export interface SliceCostInput {
  /** The GPUs' worth one replica pays for (gpuSharePerReplica). */
  gpuShare?: number;
  /** Price of one whole GPU of the type, USD per hour. */
  gpuUsdPerHour?: number;
  /** Replica-seconds of the main phase. */
  mainReplicaSeconds?: number;
  /** Requests per second that met every SLO, over the main phase. */
  goodputRps?: number;
  /** The main phase, s. */
  seconds: number;
  promptTokensMean?: number;
  outputTokensMean?: number;
}

const r = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** The GPUs' worth one replica pays for: count × the slice's price share; undefined for a GPU missing from data/accelerators.json. */
export function gpuSharePerReplica(catalog: Catalog, d: ResolvedDeployment): number | undefined {
  try {
    return d.gpu.count * gpuRequest(catalog, d.gpu.type, d.gpu.count, d.gpu.sharing).slice.cost;
  } catch {
    return undefined;
  }
}

/** The slice-cost fields of a record (figures of the metric table, but for the sharing's label). */
export interface SliceCostFields {
  gpu_sharing: string;
  gpu_share_per_replica: number | null;
  usd_per_replica_hour: number | null;
  usd_per_million_tokens_at_slo: number | null;
}

export function sliceCostFields(d: ResolvedDeployment, i: SliceCostInput): SliceCostFields {
  const share = i.gpuShare ?? null;
  const perReplicaHour = share !== null && i.gpuUsdPerHour !== undefined ? share * i.gpuUsdPerHour : null;
  const goodTokens =
    i.goodputRps !== undefined && i.promptTokensMean !== undefined && i.outputTokensMean !== undefined
      ? i.goodputRps * i.seconds * (i.promptTokensMean + i.outputTokensMean)
      : undefined;
  const usd = perReplicaHour !== null && i.mainReplicaSeconds !== undefined ? (i.mainReplicaSeconds / 3600) * perReplicaHour : undefined;
  return {
    gpu_sharing: sharingLabel(d.gpu.sharing),
    gpu_share_per_replica: share === null ? null : r(share, 4),
    usd_per_replica_hour: perReplicaHour === null ? null : r(perReplicaHour, 4),
    usd_per_million_tokens_at_slo: usd !== undefined && goodTokens !== undefined && goodTokens > 0 ? r((usd / goodTokens) * 1e6, 4) : null,
  };
}
