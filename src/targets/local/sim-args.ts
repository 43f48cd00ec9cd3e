import type { Catalog } from '../../catalog/catalog.js';
import type { ResolvedDeployment, ResolvedWorkload } from '../../matrix/types.js';
import { replicaLatency } from '../../sizing/replica-latency.js';

/** Go duration text with microsecond resolution: 4.8 → "4800us". */
export function goDuration(ms: number): string {
  return `${Math.round(ms * 1000)}us`;
}

/**
 * Arguments for one llm-d-inference-sim replica. Always --force-dummy-tokenizer:
 * the simulator must never try to reach a model hub.
 */
export function simArgs(catalog: Catalog, d: ResolvedDeployment, w: ResolvedWorkload, port: number, seed: number): string[] {
  const lat = replicaLatency(catalog, d, w);
  const sim = d.simulator;
  const args = [
    '--port',
    String(port),
    '--model',
    d.model,
    '--served-model-name',
    d.model,
    '--force-dummy-tokenizer',
    '--mode',
    'random',
    '--seed',
    String(seed),
    '--max-num-seqs',
    String(d.vllm.maxNumSeqs),
    '--max-model-len',
    String(d.vllm.maxModelLen),
  ];
  if (lat.ttft.kind === 'constant') {
    args.push('--time-to-first-token', goDuration(lat.ttft.ms), '--time-to-first-token-std-dev', goDuration(sim.ttftStdevMs));
  } else {
    // time-to-first-token 0 selects the simulator's per-prompt-token prefill model.
    args.push('--prefill-overhead', goDuration(lat.ttft.overheadMs), '--prefill-time-per-token', goDuration(lat.ttft.perTokenMs));
  }
  args.push(
    '--inter-token-latency',
    goDuration(lat.itlMs),
    '--inter-token-latency-std-dev',
    goDuration(sim.itlStdevMs),
    '--time-factor-under-load',
    String(lat.timeFactorUnderLoad),
  );
  if (sim.startupMs > 0) args.push('--startup-duration', goDuration(sim.startupMs));
  if (sim.failureRate > 0) args.push('--failure-injection-rate', String(sim.failureRate));
  if (sim.maxWaiting !== undefined) args.push('--max-waiting-queue-length', String(sim.maxWaiting));
  // Conversations share prefixes: the simulator's KV cache reports them as cached tokens (it needs POD_IP: simEnv).
  if (w.conversation && d.vllm.enablePrefixCaching) args.push('--enable-kvcache');
  return args;
}

/** A custom replica command with {port} and {model} substituted. */
export function customArgs(command: readonly string[], port: number, model: string): string[] {
  return command.map((a) => a.replaceAll('{port}', String(port)).replaceAll('{model}', model));
}

/** Environment a simulator replica needs: its KV cache wants the pod's IP (llm-d-inference-sim v0.10.2 refuses to start without it). */
export function simEnv(args: readonly string[]): Record<string, string> {
  return args.includes('--enable-kvcache') ? { POD_IP: '127.0.0.1' } : {};
}
