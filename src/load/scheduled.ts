import type { ResolvedLoad } from '../matrix/types.js';

/** Whether a cell's load is replayed from a schedule file (rather than driven by a k6 executor). Pure: the matrix checks use it. */
export function isScheduled(load: ResolvedLoad): boolean {
  return load.shape === 'trace' || (load.shape === 'arrival-rate' && load.arrival !== undefined && load.arrival.process !== 'uniform');
}
