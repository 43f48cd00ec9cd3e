import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedDeployment } from '../matrix/types.js';
import { gpuRequest } from './accelerators.js';

/**
 * Why a deployment's gpu.sharing cannot be used ("expected …, got …"), or
 * undefined: a mode the GPU does not support, or several slices per replica
 * where they cannot work together (MIG instances are isolated from each other;
 * time-sliced replicas may be turns on one GPU). For the matrix checks, which
 * run before a local run as well as before `generate`.
 */
export function sharingProblem(catalog: Catalog, d: Pick<ResolvedDeployment, 'gpu'>): string | undefined {
  const s = d.gpu.sharing;
  if (!s) return undefined;
  try {
    gpuRequest(catalog, d.gpu.type, d.gpu.count, s);
  } catch (err) {
    return (err as Error).message;
  }
  if (s.mode === 'mig' && d.gpu.count !== 1) return `expected gpu.count 1 with MIG (a replica cannot span MIG slices), got ${d.gpu.count}`;
  if (s.mode === 'time-slice' && d.gpu.count !== 1)
    return `expected gpu.count 1 with time-slicing (several time-sliced replicas may share one GPU), got ${d.gpu.count}`;
  return undefined;
}
