import { defaults } from '../matrix/defaults.js';
import { factKeys } from './facts.js';
import { labelKeys, MANAGED_BY } from './names.js';
import type { K8sObject } from './types.js';

/**
 * The pre-deploy checks of src/sizing/checks.ts and autoscaler-checks.ts
 * as ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, GA in
 * Kubernetes 1.30) with their bindings, so a cluster enforces them on every
 * object scalebench labels. CEL cannot read the catalogs: the model and GPU
 * facts come from the workload's annotations (facts.ts); vLLM's settings from
 * the container's `--flag=value` arguments. Rules that lack a fact are skipped.
 * The KEDA query rule is looser than the client's (it checks the leading aggregation only).
 */

interface Variable {
  name: string;
  expression: string;
}
interface Validation {
  expression: string;
  message: string;
  messageExpression?: string;
  reason?: string;
}

const ann = (key: string): string => `variables.a['${key}']`;
const annInt = (key: string): string => `int(${ann(key)})`;

/** The last `--flag=value` of the vLLM arguments, converted, or a default (argparse: the last one wins). */
function flagVars(name: string, flag: string, convert: 'int' | 'double', fallback: string): Variable[] {
  const list = `${name}List`;
  return [
    { name: list, expression: `variables.args.filter(x, x.startsWith('${flag}=')).map(x, x.substring(${flag.length + 1}))` },
    { name, expression: `variables.${list}.size() > 0 ? ${convert}(variables.${list}[variables.${list}.size() - 1]) : ${fallback}` },
  ];
}

/** GB with one decimal, as src/sizing/memory.ts gb() writes it (CEL's double-to-string rounds differently). */
const gb = (bytes: string): string => `string(int((${bytes} + 5e7) / 1e8) / 10) + '.' + string(int((${bytes} + 5e7) / 1e8) % 10)`;

/** Variables every vLLM workload policy shares, given how to reach its arguments and GPU limits. */
function vllmVariables(args: string, limits: string): Variable[] {
  const facts = [factKeys.params, factKeys.layers, factKeys.kvHeads, factKeys.headDim, factKeys.gpuMemoryBytes, factKeys.overheadBytes];
  const d = defaults.deployment;
  return [
    { name: 'a', expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}' },
    { name: 'args', expression: args },
    { name: 'limits', expression: limits },
    { name: 'present', expression: `variables.args.size() > 0 && '${factKeys.gpuResource}' in variables.a` },
    { name: 'known', expression: `variables.present && ${facts.map((k) => `'${k}' in variables.a`).join(' && ')}` },
    ...flagVars('seqs', '--max-num-seqs', 'int', String(d.maxNumSeqs)),
    ...flagVars('len', '--max-model-len', 'int', '-1'),
    ...flagVars('batch', '--max-num-batched-tokens', 'int', '-1'),
    ...flagVars('util', '--gpu-memory-utilization', 'double', String(d.gpuMemoryUtilization)),
    ...flagVars('tp', '--tensor-parallel-size', 'int', '1'),
    ...flagVars('pp', '--pipeline-parallel-size', 'int', '1'),
    ...flagVars('dp', '--data-parallel-size', 'int', '1'),
    { name: 'gpus', expression: `${ann(factKeys.gpuResource)} in variables.limits ? int(string(variables.limits[${ann(factKeys.gpuResource)}])) : 0` },
    { name: 'wbytes', expression: "variables.args.exists(x, x == '--quantization=fp8') ? 1 : 2" },
    { name: 'kvbytes', expression: "variables.args.exists(x, x.startsWith('--kv-cache-dtype=fp8')) ? 1 : 2" },
    // src/sizing/memory.ts memoryPlan, per device: weights / (tp × pp); KV per token = 2 × ⌈layers/pp⌉ × ⌈kv_heads/tp⌉ × head_dim × bytes.
    { name: 'weights', expression: `double(${annInt(factKeys.params)}) * double(variables.wbytes) / double(variables.tp * variables.pp)` },
    {
      name: 'kvPerToken',
      expression: `2 * ((${annInt(factKeys.layers)} + variables.pp - 1) / variables.pp) * ((${annInt(factKeys.kvHeads)} + variables.tp - 1) / variables.tp) * ${annInt(factKeys.headDim)} * variables.kvbytes`,
    },
    {
      name: 'needed',
      expression: `variables.weights + double(variables.kvPerToken) * double(variables.seqs) * double(variables.len) + double(${annInt(factKeys.overheadBytes)})`,
    },
    { name: 'usable', expression: `double(${annInt(factKeys.gpuMemoryBytes)}) * variables.util` },
  ];
}

/** The rules on a vLLM workload (checks.ts), each with the numbers in its message. */
function vllmValidations(): Validation[] {
  const heads = factKeys.attentionHeads;
  return [
    {
      expression: '!variables.present || (variables.tp > 0 && variables.gpus % variables.tp == 0)',
      message: 'tensor parallel size does not divide the GPU count',
      messageExpression: `'tensor parallel ' + string(variables.tp) + ' does not divide the ' + string(variables.gpus) + ' GPUs (' + ${ann(factKeys.gpuResource)} + ') of the vLLM container'`,
    },
    {
      expression:
        '!variables.present || variables.tp < 1 || variables.gpus % variables.tp != 0 || variables.tp * variables.pp * variables.dp == variables.gpus',
      message: 'tensor × pipeline × data parallel is not the GPU count',
      messageExpression: `'tensor × pipeline × data parallel = ' + string(variables.tp) + ' × ' + string(variables.pp) + ' × ' + string(variables.dp) + ' = ' + string(variables.tp * variables.pp * variables.dp) + ' GPUs, but the container has ' + string(variables.gpus)`,
    },
    {
      expression: `!variables.present || !('${heads}' in variables.a) || variables.tp < 1 || int(variables.a['${heads}']) % variables.tp == 0`,
      message: 'tensor parallel size does not divide the attention heads',
      messageExpression: `'tensor parallel ' + string(variables.tp) + ' does not divide the ' + variables.a['${heads}'] + ' attention heads of ' + variables.a['${factKeys.model}']`,
    },
    {
      expression: '!variables.present || (variables.util > 0.0 && variables.util <= 1.0)',
      message: 'gpu-memory-utilization must be more than 0 and at most 1',
      messageExpression: `'--gpu-memory-utilization must be more than 0 and at most 1, got ' + string(variables.util)`,
    },
    {
      expression: '!variables.present || variables.batch < 0 || variables.batch >= variables.seqs',
      message: 'max-num-batched-tokens must be at least max-num-seqs',
      messageExpression: `'--max-num-batched-tokens ' + string(variables.batch) + ' must be at least --max-num-seqs ' + string(variables.seqs)`,
    },
    {
      expression: '!variables.known || variables.len < 0 || variables.tp < 1 || variables.pp < 1 || variables.needed <= variables.usable',
      message: 'weights + KV cache for max-num-seqs × max-model-len do not fit the GPU memory at gpu-memory-utilization',
      messageExpression: `'weights + KV cache for max-num-seqs × max-model-len = ' + string(variables.seqs) + ' × ' + string(variables.len) + ' + runtime overhead need ' + ${gb('variables.needed')} + ' GB per GPU, more than the ' + ${gb('variables.usable')} + ' GB of ' + variables.a['${factKeys.gpu}'] + ' at gpu-memory-utilization ' + string(variables.util)`,
    },
  ];
}

/** A policy over one resource rule, limited to objects labelled managed-by scalebench, and its Deny binding. */
function policy(name: string, rule: Record<string, unknown>, variables: Variable[], validations: Validation[]): K8sObject[] {
  const labels = { ...MANAGED_BY, 'app.kubernetes.io/component': 'admission-policy' };
  const managed = Object.entries(MANAGED_BY)[0]!;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [rule] },
        // Only what scalebench generated: other workloads are none of its business. Helm relabels what a chart installs
        // managed-by=Helm (its ownership label), so a generate --helm chart's objects are known by scalebench's deployment label.
        matchConditions: [
          {
            name: 'managed-by-scalebench',
            expression: `has(object.metadata.labels) && '${managed[0]}' in object.metadata.labels && (object.metadata.labels['${managed[0]}'] == '${managed[1]}' || (object.metadata.labels['${managed[0]}'] == 'Helm' && '${labelKeys.deployment}' in object.metadata.labels))`,
          },
        ],
        variables,
        validations,
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}

export { policy as admissionPolicyPair, vllmValidations, vllmVariables };
export type { Validation, Variable };
