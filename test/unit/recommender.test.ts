import { describe, expect, it } from 'vitest';
import { recommend, sizing, type Candidate, type UseCase } from '../../src/recommend/recommender.js';
import { seqVariants } from '../../src/recommend/candidates.js';

const useCase: UseCase = {
  name: 'chat',
  workload: 'chatbot',
  promptTokens: 512,
  outputTokens: 256,
  slo: { tpot_ms_p95: 25 },
  peakQps: 10,
  growth: 0.25,
  rampPerMin: 0,
};

const candidate = (id: string, usd: number, itlMs: number, gpuCount = 1): Candidate => ({
  id,
  model: 'm',
  hardware: 'X',
  gpuCount,
  precision: 'bf16',
  maxNumSeqs: 5,
  maxModelLen: 2048,
  gpuMemoryUtilization: 0.9,
  enablePrefixCaching: true,
  extraArgs: [],
  usdPerGpuHour: usd,
  basis: { kind: 'estimated', params: { ttftMs: 20, itlMs, timeFactorUnderLoad: 3, maxNumSeqs: 5, outputTokens: 11 } },
});

describe('sizing and cost', () => {
  it('rounds replicas up and prices the peak around the clock', () => {
    // 10 / 3 → 4 at peak; 12.5 / 3 → 5 at most; 4 / 2 → 2 at least; 4 × 2 GPUs × $4.5 = $36/h;
    // 10 requests/s × 3600 × 768 tokens = 27.648 M tokens/h → $1.3021 per million.
    expect(sizing(useCase, 3, 2, 4.5)).toEqual({ replicas: { peak: 4, min: 2, max: 5 }, usdPerMonth: 26280, usdPerMillionTokens: 1.3021 });
  });

  it('needs one replica at least, and no more than the exact quotient', () => {
    expect(sizing({ ...useCase, growth: 0 }, 5, 1, 1).replicas).toEqual({ peak: 2, min: 1, max: 2 });
    expect(sizing({ ...useCase, peakQps: 0.1 }, 5, 1, 1).replicas).toEqual({ peak: 1, min: 1, max: 1 });
  });
});

describe('recommend', () => {
  it('picks the cheapest configuration meeting the SLO, with runners-up', () => {
    // itl 10: capacity 4 users (f ≤ 2.5), E2E 20·2.5 + 10·25 = 300 ms → 13.3 requests/s: 1 replica.
    const r = recommend([candidate('dear', 4, 10), candidate('cheap', 1, 10), candidate('slow', 0.5, 30)], useCase);
    expect(r.best?.candidate.id).toBe('cheap');
    expect(r.best?.usersPerReplica).toBe(4);
    expect(r.best?.sizing.replicas.peak).toBe(1);
    expect(r.runnersUp.map((e) => e.candidate.id)).toEqual(['dear']);
    expect(r.closest).toEqual([]);
  });

  it('says no configuration meets the SLO and how far the closest miss', () => {
    const r = recommend([candidate('a', 1, 30), candidate('b', 1, 50)], useCase);
    expect(r.best).toBeUndefined();
    expect(r.closest.map((e) => [e.candidate.id, e.miss])).toEqual([
      ['a', 0.2],
      ['b', 1],
    ]);
    expect(r.closest[0]!.why).toBe('tpot p95 misses by 20 % even with one user per replica (estimated)');
  });

  it('uses a measured curve where one exists, at its last passing load', () => {
    const measured: Candidate = {
      ...candidate('measured', 1, 10),
      basis: {
        kind: 'measured',
        runId: 'r1',
        engine: 'llm-d-inference-sim',
        scaleUpLagS: 30,
        curve: [
          { load: 2, requests: 50, failures: 0, tpot_ms_p95: 12, successful_rps_per_replica: 6, running_per_replica_mean: 2, waiting_per_replica_mean: 0 },
          { load: 3, requests: 50, failures: 0, tpot_ms_p95: 20, successful_rps_per_replica: 8, running_per_replica_mean: 3, waiting_per_replica_mean: 0 },
          { load: 4, requests: 50, failures: 0, tpot_ms_p95: 30, successful_rps_per_replica: 9, running_per_replica_mean: 4, waiting_per_replica_mean: 0 },
        ],
      },
    };
    const r = recommend([measured], useCase);
    expect(r.best).toMatchObject({ confidence: 'measured', usersPerReplica: 3, rpsPerReplica: 8, sizing: { replicas: { peak: 2 } } });
  });

  it('tries max_num_seqs, its half and its quarter', () => {
    expect(seqVariants(48)).toEqual([48, 24, 12]);
    expect(seqVariants(2)).toEqual([2, 1]);
  });
});
