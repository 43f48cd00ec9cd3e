import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { gpuCatalog, readCatalog } from './catalog.js';

const toleration = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['Exists', 'Equal']),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

const acceleratorSchema = z.strictObject({
  /** The extended resource the device plugin advertises: nvidia.com/gpu, amd.com/gpu. */
  resource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/),
  node_selector: z.record(z.string(), z.string()),
  tolerations: z.array(toleration),
  /** MIG profile → memory in GB (NVIDIA device plugin, "mixed" strategy). */
  mig: z.record(z.string().regex(/^\d+g\.\d+gb$/), z.number().positive()).optional(),
  image: z.string().min(1),
});
export type Accelerator = z.infer<typeof acceleratorSchema>;
export type Toleration = z.infer<typeof toleration>;

let accelerators: Record<string, Accelerator> | undefined;

/** data/accelerators.json: how each GPU type is requested and placed on Kubernetes. */
export function acceleratorCatalog(): Record<string, Accelerator> {
  accelerators ??= readCatalog('accelerators.json', acceleratorSchema);
  return accelerators;
}

/** What one replica asks the scheduler for: the resource, how many, and the memory of one device. */
export interface GpuRequest {
  /** Catalog GPU type (data/gpus.json). */
  type: string;
  /** Devices per replica. */
  count: number;
  /** A MIG profile such as "3g.40gb", when the replica takes a MIG slice instead of whole GPUs. */
  mig?: string;
  /** nvidia.com/gpu, amd.com/gpu or nvidia.com/mig-<profile>. */
  resource: string;
  /** Memory of one device (a whole GPU or the MIG slice), GB (1e9 bytes). */
  memoryGb: number;
  /** "H100", "A100-80 MIG 3g.40gb": for messages. */
  label: string;
  accelerator: Accelerator;
}

/**
 * The request for `count` GPUs of `type` (or one MIG slice of it). Throws a
 * UserError naming the catalog when the type or profile is unknown.
 */
export function gpuRequest(type: string, count: number, mig?: string): GpuRequest {
  const accelerator = acceleratorCatalog()[type];
  const gpu = gpuCatalog()[type];
  if (!accelerator || !gpu) {
    const known = Object.keys(acceleratorCatalog()).join(', ');
    throw new UserError(`GPU type "${type}" is not in data/accelerators.json and data/gpus.json (known: ${known}); add it to both`);
  }
  if (mig === undefined) {
    return { type, count, resource: accelerator.resource, memoryGb: gpu.memory_gb, label: type, accelerator };
  }
  const memoryGb = accelerator.mig?.[mig];
  if (memoryGb === undefined) {
    const profiles = Object.keys(accelerator.mig ?? {});
    const known = profiles.length ? `its profiles: ${profiles.join(', ')}` : 'it has no MIG profiles';
    throw new UserError(`MIG profile "${mig}" is not known for ${type} in data/accelerators.json (${known})`);
  }
  // NVIDIA k8s-device-plugin, MIG "mixed" strategy: one resource per profile.
  return { type, count, mig, resource: `nvidia.com/mig-${mig}`, memoryGb, label: `${type} MIG ${mig}`, accelerator };
}
