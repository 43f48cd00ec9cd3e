import type { Accelerator } from '../catalog/accelerators.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Gpu } from '../catalog/gpus.js';
import type { GpuSharing } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { sliceOf, type Slice } from './sharing.js';

/** What one replica asks the scheduler for: the resource, how many, and the memory of one device. */
export interface GpuRequest {
  /** Catalog GPU type (data/gpus.json). */
  type: string;
  /** Devices per replica (whole GPUs, or slices when shared). */
  count: number;
  /** A MIG profile such as "3g.40gb", when the replica takes a MIG slice instead of whole GPUs. */
  mig?: string;
  /** How the GPU is shared, when it is. */
  sharing?: GpuSharing;
  /** nvidia.com/gpu, amd.com/gpu, nvidia.com/mig-<profile> or amd.com/<compute>_<memory>. */
  resource: string;
  /** Memory of one device (a whole GPU or the slice), GB (1e9 bytes): what the checks budget. */
  memoryGb: number;
  /** "H100", "A100-80 MIG 3g.40gb", "L4 time-sliced ×4": for messages. */
  label: string;
  /** Shares of one GPU a device gives: compute, memory bandwidth, price (all 1 for a whole GPU). */
  slice: Slice;
  /** Node labels the pod selects beyond the accelerator's own (time-slicing's). */
  nodeSelector: Record<string, string>;
  accelerator: Accelerator;
  /** The whole GPU of the type, as the catalog gives it. */
  gpu: Gpu;
}

/**
 * The request for `count` GPUs of `type`, or `count` slices of it when
 * shared. Throws a UserError naming the catalog when the type, profile or
 * mode is unknown or the GPU cannot be shared that way.
 */
export function gpuRequest(catalog: Pick<Catalog, 'gpus' | 'accelerators'>, type: string, count: number, sharing?: GpuSharing): GpuRequest {
  const accelerator = catalog.accelerators[type];
  const gpu = catalog.gpus[type];
  if (!accelerator || !gpu) {
    const known = Object.keys(catalog.accelerators).join(', ');
    throw new UserError(`GPU type "${type}" is not in data/accelerators.json and data/gpus.json (known: ${known}); add it to both`);
  }
  const slice = sliceOf(type, gpu, accelerator, sharing);
  const base = { type, count, memoryGb: slice.memoryGb, slice, accelerator, gpu };
  switch (sharing?.mode) {
    case undefined:
      return { ...base, resource: accelerator.resource, label: type, nodeSelector: {} };
    case 'mig':
      // NVIDIA k8s-device-plugin, MIG "mixed" strategy: one resource per profile, which does the selecting.
      return {
        ...base,
        mig: sharing.profile,
        sharing,
        resource: `nvidia.com/mig-${sharing.profile}`,
        label: `${type} MIG ${sharing.profile}`,
        nodeSelector: {},
      };
    case 'time-slice':
      // With renameByDefault false the shared GPU keeps its resource name: the labels GPU Feature Discovery
      // puts on time-sliced nodes keep the pod off whole GPUs and on nodes sliced this many ways.
      return {
        ...base,
        sharing,
        resource: accelerator.resource,
        label: `${type} time-sliced ×${sharing.replicas}`,
        nodeSelector: { 'nvidia.com/gpu.sharing-strategy': 'time-slicing', 'nvidia.com/gpu.replicas': String(sharing.replicas) },
      };
    case 'partition':
      // ROCm k8s-device-plugin, "mixed" resource naming: amd.com/<compute>_<memory>, which does the selecting.
      return {
        ...base,
        sharing,
        resource: `amd.com/${sharing.compute.toLowerCase()}_${sharing.memory.toLowerCase()}`,
        label: `${type} ${sharing.compute}/${sharing.memory} partition`,
        nodeSelector: {},
      };
  }
}

/** The GPU as one device of the request sees it: peak, bandwidth and price scaled by the slice's shares, memory the slice's. */
export function deviceGpu(req: GpuRequest): Gpu {
  const gpu = req.gpu;
  const s = req.slice;
  if (s.compute === 1 && s.bandwidth === 1 && s.cost === 1) return gpu;
  return {
    ...gpu,
    bf16_tflops: gpu.bf16_tflops * s.compute,
    hbm_gb_per_s: gpu.hbm_gb_per_s * s.bandwidth,
    memory_gb: s.memoryGb,
    usd_per_hour: gpu.usd_per_hour * s.cost,
  };
}
