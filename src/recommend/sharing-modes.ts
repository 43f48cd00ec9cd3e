import type { Catalog } from '../catalog/catalog.js';
import type { GpuSharing } from '../matrix/types.js';
import { MIG_COMPUTE_SLICES } from '../sizing/sharing.js';

/** Time-slicing factors the recommender tries. */
const TIME_SLICES = [2, 4] as const;

/**
 * Every way of sharing one GPU of `type` the catalog knows, for the
 * recommender's candidates: its MIG profiles short of the whole GPU,
 * time-slicing by 2 and 4, its partition modes short of SPX.
 */
export function sharingModes(catalog: Pick<Catalog, 'accelerators'>, type: string): GpuSharing[] {
  const a = catalog.accelerators[type];
  if (!a) return [];
  const out: GpuSharing[] = [];
  for (const profile of Object.keys(a.mig ?? {}).sort()) if (!profile.startsWith(`${MIG_COMPUTE_SLICES}g.`)) out.push({ mode: 'mig', profile });
  if (a.time_slicing) for (const replicas of TIME_SLICES) out.push({ mode: 'time-slice', replicas });
  for (const m of a.partition?.modes ?? []) {
    const [compute, memory] = m.split('/') as ['SPX' | 'CPX', 'NPS1' | 'NPS4'];
    if (compute !== 'SPX') out.push({ mode: 'partition', compute, memory });
  }
  return out;
}
