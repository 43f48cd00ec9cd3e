import { z } from 'zod';

const toleration = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['Exists', 'Equal']),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

/** One entry of data/accelerators.json: how a GPU type is requested and placed on Kubernetes. */
export const acceleratorSchema = z.strictObject({
  /** The extended resource the device plugin advertises: nvidia.com/gpu, amd.com/gpu. */
  resource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/),
  node_selector: z.record(z.string(), z.string()),
  tolerations: z.array(toleration),
  /** MIG profile → memory in GB (NVIDIA device plugin, "mixed" strategy). */
  mig: z.record(z.string().regex(/^\d+g\.\d+gb$/), z.number().positive()).optional(),
  /** Whether the device plugin can time-slice the GPU (NVIDIA k8s-device-plugin sharing.timeSlicing). */
  time_slicing: z.boolean().optional(),
  /** AMD compute partitions per GPU in each compute mode, and the compute/memory modes the GPU supports ("CPX/NPS4"). */
  partition: z
    .strictObject({
      compute: z.record(z.enum(['SPX', 'CPX']), z.number().int().positive()),
      modes: z.array(z.string().regex(/^(SPX|CPX)\/(NPS1|NPS4)$/)).min(1),
    })
    .optional(),
  image: z.string().min(1),
});
export type Accelerator = z.infer<typeof acceleratorSchema>;
export type Toleration = z.infer<typeof toleration>;
