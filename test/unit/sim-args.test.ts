import { describe, expect, it } from 'vitest';
import type { ResolvedDeployment, ResolvedWorkload } from '../../src/matrix/types.js';
import { profiles } from '../../src/load/profiles.js';
import { goDuration, simArgs } from '../../src/targets/local/sim-args.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const deployment = (sim: Partial<ResolvedDeployment['simulator']> = {}): ResolvedDeployment => ({
  name: 'd',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  gpu: { type: 'H100', count: 1 },
  vllm: { maxNumSeqs: 32, maxModelLen: 4096, gpuMemoryUtilization: 0.9, enablePrefixCaching: true, extraArgs: [] },
  replicas: { start: 1, min: 1, max: 2 },
  cpuRequestMillis: 1000,
  simulator: { ttftStdevMs: 0, itlStdevMs: 0, startupMs: 0, failureRate: 0, ...sim },
});
const workload: ResolvedWorkload = { profile: 'chatbot', prompt: profiles.chatbot.prompt, output: profiles.chatbot.output, seed: 1 };

describe('simulator arguments', () => {
  it('Go durations keep microseconds', () => {
    expect(goDuration(4.7942)).toBe('4794us');
    expect(goDuration(80)).toBe('80000us');
  });

  it('explicit latencies: constant TTFT, no load factor', () => {
    expect(simArgs(projectCatalog(), deployment({ ttftMs: 80, itlMs: 20, startupMs: 2000 }), workload, 9000, 3)).toEqual([
      '--port',
      '9000',
      '--model',
      'meta-llama/Llama-3.1-8B-Instruct',
      '--served-model-name',
      'meta-llama/Llama-3.1-8B-Instruct',
      '--force-dummy-tokenizer',
      '--mode',
      'random',
      '--seed',
      '3',
      '--max-num-seqs',
      '32',
      '--max-model-len',
      '4096',
      '--time-to-first-token',
      '80000us',
      '--time-to-first-token-std-dev',
      '0us',
      '--inter-token-latency',
      '20000us',
      '--inter-token-latency-std-dev',
      '0us',
      '--time-factor-under-load',
      '1',
      '--startup-duration',
      '2000000us',
    ]);
  });

  it('roofline latencies: per-token prefill and the load factor of a full batch', () => {
    const args = simArgs(projectCatalog(), deployment(), workload, 9000, 1);
    expect(args).toContain('--force-dummy-tokenizer');
    const at = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect(at('--prefill-overhead')).toBe('4794us');
    expect(at('--prefill-time-per-token')).toBe('36us');
    expect(at('--inter-token-latency')).toBe('4819us');
    expect(Number(at('--time-factor-under-load'))).toBeGreaterThan(1);
    expect(args).not.toContain('--time-to-first-token');
  });

  it('an unknown model without explicit latencies names the fix', () => {
    const d = { ...deployment(), model: 'acme/unknown' };
    expect(() => simArgs(projectCatalog(), d, workload, 1, 1)).toThrow(
      /add them to data\/models.json and data\/gpus.json, or give simulator.ttft and simulator.itl/,
    );
  });
});
