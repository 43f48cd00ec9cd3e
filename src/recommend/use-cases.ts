import type { ResolvedSlo } from '../matrix/types.js';
import type { ProfileName } from '../load/profiles.js';

/**
 * Named use cases: a workload profile and its SLOs. The chatbot is the
 * upstream recommender's example (reference/recommender.md: p95 TTFT ≤ 150 ms,
 * ITL ≤ 25 ms/token, E2E ≤ 7 s on 512 → 256 tokens); any other use case is
 * given with --profile and the SLO flags.
 */
export const useCases = {
  chatbot: { workload: 'chatbot', slo: { ttft_ms_p95: 150, tpot_ms_p95: 25, e2e_ms_p95: 7000 } },
} as const satisfies Record<string, { workload: ProfileName; slo: ResolvedSlo }>;
export type UseCaseName = keyof typeof useCases;
export const useCaseNames = Object.keys(useCases) as UseCaseName[];
