import { flagValue, parallelLayout } from '../sizing/memory.js';
import type { ResolvedDeployment } from '../matrix/types.js';
import { vllmMemoryUtilization } from '../sizing/sharing.js';

/**
 * vLLM's arguments for a deployment, as `vllm serve` takes them: the model
 * first (positional), then one `--flag=value` each, in a fixed order, then the
 * deployment's extra arguments unchanged. The `=` form keeps every flag one
 * list element, which the admission policy's CEL reads back.
 */
export function vllmArgs(d: ResolvedDeployment, port: number): string[] {
  const v = d.vllm;
  const layout = parallelLayout(d.gpu.count, v.extraArgs);
  const args = [d.model, `--served-model-name=${d.model}`, `--port=${port}`, `--max-model-len=${v.maxModelLen}`, `--max-num-seqs=${v.maxNumSeqs}`];
  if (v.maxNumBatchedTokens !== undefined) args.push(`--max-num-batched-tokens=${v.maxNumBatchedTokens}`);
  // Of the slice's memory; a time-sliced process sees the whole GPU, so vLLM gets its share of it.
  args.push(`--gpu-memory-utilization=${vllmMemoryUtilization(v.gpuMemoryUtilization, d.gpu.sharing)}`);
  // Given in extra_args (with pipeline or data parallel), it is left to them.
  if (flagValue(v.extraArgs, '--tensor-parallel-size', '-tp') === undefined) args.push(`--tensor-parallel-size=${layout.tp}`);
  // vLLM's flag is a BooleanOptionalAction: say it either way rather than rely on the version's default.
  args.push(v.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching');
  return [...args, ...v.extraArgs];
}

/**
 * The same settings for KServe's huggingface runtime, which takes vLLM's
 * engine arguments beside its own `--model_name` and `--model_id`
 * (kserve python/huggingfaceserver: vLLM's AsyncEngineArgs are added to its parser).
 */
export function huggingfaceArgs(d: ResolvedDeployment, modelName: string): string[] {
  const [, , , ...engine] = vllmArgs(d, 0);
  return [`--model_name=${modelName}`, `--model_id=${d.model}`, '--backend=vllm', ...engine];
}
