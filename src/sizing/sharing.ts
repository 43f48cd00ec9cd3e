import type { GpuSharing } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import type { Accelerator } from '../catalog/accelerators.js';
import type { Gpu } from '../catalog/gpus.js';

/**
 * GPU sharing as numbers: what one slice of a GPU gives a replica. Pure.
 *
 * - MIG "<g>g.<m>gb": g of the GPU's 7 compute slices and m GB of its memory,
 *   with the memory slices' share of bandwidth (A100/H100: 8 memory slices,
 *   each its own share of the memory controllers); isolated, so the shares
 *   hold under load. It is priced at the larger of its compute and memory
 *   share: what it takes from the GPU (a 3g.40gb blocks half the memory, so
 *   only two fit).
 * - time-slicing ×n: the whole GPU in turns. Nothing is isolated; under
 *   contention (every sharer busy, which is when the SLO is tested) each gets
 *   1/n of compute and bandwidth, and the memory is split n ways (vLLM is told
 *   1/n of gpu_memory_utilization). Priced at 1/n. Context-switch overhead is
 *   not modelled.
 * - AMD partitions: the compute mode splits the XCDs (MI300X: SPX 1, CPX 8
 *   partitions) and each partition gets that share of compute, memory and
 *   bandwidth (NPS4 keeps a partition's memory in its own quadrant: the same
 *   share, lower latency, which the roofline does not see). Priced at 1/partitions.
 */

export interface Slice {
  /** Share of the GPU's peak FLOP/s. */
  compute: number;
  /** Share of its memory bandwidth. */
  bandwidth: number;
  /** Share of its price per hour. */
  cost: number;
  /** Memory the slice gives one replica, GB. */
  memoryGb: number;
  /** Memory the process sees on the device, GB (time-slicing: the whole GPU's). */
  visibleMemoryGb: number;
}

/** MIG compute slices per GPU (A30 has 4; every MIG GPU of data/accelerators.json has 7). */
export const MIG_COMPUTE_SLICES = 7;

const whole = (gpu: Gpu): Slice => ({ compute: 1, bandwidth: 1, cost: 1, memoryGb: gpu.memory_gb, visibleMemoryGb: gpu.memory_gb });

/** The slice of `type` a sharing mode gives; throws a UserError saying what the GPU supports. */
export function sliceOf(type: string, gpu: Gpu, accelerator: Accelerator, sharing: GpuSharing | undefined): Slice {
  if (!sharing) return whole(gpu);
  switch (sharing.mode) {
    case 'mig': {
      const memoryGb = accelerator.mig?.[sharing.profile];
      if (memoryGb === undefined) {
        const profiles = Object.keys(accelerator.mig ?? {});
        const known = profiles.length ? `its profiles: ${profiles.join(', ')}` : 'it has no MIG profiles';
        throw new UserError(`MIG profile "${sharing.profile}" is not known for ${type} in data/accelerators.json (${known})`);
      }
      const compute = Math.min(1, Number(sharing.profile.split('g.')[0]) / MIG_COMPUTE_SLICES);
      const memory = Math.min(1, memoryGb / gpu.memory_gb);
      return { compute, bandwidth: memory, cost: Math.max(compute, memory), memoryGb, visibleMemoryGb: memoryGb };
    }
    case 'time-slice': {
      if (!accelerator.time_slicing)
        throw new UserError(`${type} cannot be time-sliced: its device plugin (${accelerator.resource}) has no time-slicing in data/accelerators.json`);
      const n = sharing.replicas;
      return { compute: 1 / n, bandwidth: 1 / n, cost: 1 / n, memoryGb: gpu.memory_gb / n, visibleMemoryGb: gpu.memory_gb };
    }
    case 'partition': {
      const p = accelerator.partition;
      const mode = `${sharing.compute}/${sharing.memory}`;
      if (!p) throw new UserError(`${type} has no compute/memory partitions in data/accelerators.json (AMD Instinct MI300X has)`);
      const parts = p.compute[sharing.compute];
      if (parts === undefined || !p.modes.includes(mode))
        throw new UserError(`${type} does not support partition ${mode}: its modes are ${p.modes.join(', ')}`);
      return { compute: 1 / parts, bandwidth: 1 / parts, cost: 1 / parts, memoryGb: gpu.memory_gb / parts, visibleMemoryGb: gpu.memory_gb / parts };
    }
  }
}

/** "MIG 3g.40gb", "time-slice ×4", "partition CPX/NPS4", "whole": for records and reports. */
export function sharingLabel(sharing: GpuSharing | undefined): string {
  switch (sharing?.mode) {
    case undefined:
      return 'whole';
    case 'mig':
      return `MIG ${sharing.profile}`;
    case 'time-slice':
      return `time-slice ×${sharing.replicas}`;
    case 'partition':
      return `partition ${sharing.compute}/${sharing.memory}`;
  }
}

/**
 * The gpu_memory_utilization vLLM is given: the matrix's is of the slice's
 * memory; a time-sliced process sees the whole GPU, so its fraction is
 * divided by the sharers (rounded down to 0.001: never more than the slice).
 */
export function vllmMemoryUtilization(utilization: number, sharing: GpuSharing | undefined): number {
  if (sharing?.mode !== 'time-slice') return utilization;
  return Math.floor((utilization / sharing.replicas) * 1000 + 1e-9) / 1000;
}
