import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedDeployment, ResolvedWorkload } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { deviceGpu, gpuRequest } from './accelerators.js';
import { simLatency } from './roofline.js';

/** The latencies a simulated replica gets: the matrix's explicit ones, else the roofline's. */
export interface ReplicaLatency {
  ttft: { kind: 'constant'; ms: number } | { kind: 'per-token'; overheadMs: number; perTokenMs: number };
  itlMs: number;
  timeFactorUnderLoad: number;
}

export function replicaLatency(catalog: Catalog, d: ResolvedDeployment, w: ResolvedWorkload): ReplicaLatency {
  const sim = d.simulator;
  let derived: ReturnType<typeof simLatency> | undefined;
  const roofline = (): ReturnType<typeof simLatency> => {
    if (derived) return derived;
    const model = catalog.models[d.model];
    // A shared GPU: the slice's share of compute and bandwidth (time-slicing: its share under contention).
    const gpu = d.gpu.sharing && catalog.gpus[d.gpu.type] ? deviceGpu(gpuRequest(catalog, d.gpu.type, d.gpu.count, d.gpu.sharing)) : catalog.gpus[d.gpu.type];
    if (!model || !gpu) {
      throw new UserError(
        `deployment "${d.name}": no roofline for model "${d.model}" on GPU "${d.gpu.type}": add them to data/models.json and data/gpus.json, or give simulator.ttft and simulator.itl`,
      );
    }
    derived = simLatency(model, gpu, d.gpu.count, d.vllm.maxNumSeqs, w.prompt.mean, w.output.mean);
    return derived;
  };
  return {
    ttft:
      sim.ttftMs !== undefined
        ? { kind: 'constant', ms: sim.ttftMs }
        : { kind: 'per-token', overheadMs: roofline().prefillOverheadMs, perTokenMs: roofline().prefillPerTokenMs },
    itlMs: sim.itlMs ?? roofline().interTokenMs,
    timeFactorUnderLoad: sim.timeFactorUnderLoad ?? (sim.ttftMs !== undefined && sim.itlMs !== undefined ? 1 : roofline().timeFactorUnderLoad),
  };
}
