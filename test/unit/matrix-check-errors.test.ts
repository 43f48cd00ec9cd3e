import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMatrix } from '../../src/matrix/load.js';
import { ExitCode, UserError } from '../../src/util/errors.js';
import { D, L, loadYaml, problems, scratchDir } from './matrix-helpers.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const dir = scratchDir();
const dep = (extra: string, model = 'meta-llama/Llama-3.2-1B-Instruct', gpu = 'L4'): string =>
  `  - { name: d, model: ${model}, gpu: { type: ${gpu} }${extra} }`;

describe("YAML syntax errors: file:line:col: the parser's message", () => {
  it.each([
    [
      'an unclosed flow mapping',
      `name: t\n${D}\nload: { shape: constant, users: [4]\n`,
      `m.yaml:4:1: Flow map in block collection must be sufficiently indented and end with a }`,
    ],
    [
      'a key indented wrongly',
      `name: t\ndeployments:\n  - name: d\n    model: m\n   gpu: { type: L4 }\n${L}\n`,
      `m.yaml:5:1: Sequence item without - indicator`,
    ],
    ['a key given twice', `name: t\n${D}\n${L}\nname: u\n`, `m.yaml:4:1: Map keys must be unique`],
    ['a tab for indentation', `name: t\n${D}\nload:\n\tshape: constant\n`, `m.yaml:4:1: Tabs are not allowed as indentation`],
  ])('%s', (_, yaml, expected) => {
    expect(problems(dir, yaml)).toBe(expected);
  });
});

describe('checks beyond the schema, positioned the same way', () => {
  it.each([
    [
      'replicas min above max',
      `name: t\ndeployments:\n${dep(', replicas: { min: 5, max: 2 }')}\n${L}\n`,
      `m.yaml:3:93: deployments[0].replicas.min: expected min <= max, got min 5 and max 2`,
    ],
    [
      'replicas start above max',
      `name: t\ndeployments:\n${dep(', replicas: { start: 7, max: 6 }')}\n${L}\n`,
      `m.yaml:3:95: deployments[0].replicas.start: expected start from min to max (1 to 6), got 7`,
    ],
    [
      'an HPA with min 0',
      `name: t\ndeployments:\n${dep(', replicas: { min: 0 }')}\nautoscalers: [{ name: c, kind: hpa-cpu, target_utilization: 70 }]\n${L}\n`,
      `m.yaml:3:93: deployments[0].replicas.min: expected at least 1 with autoscaler "c" (an HPA on CPU cannot scale to zero; KEDA can), got 0`,
    ],
    [
      'duplicate deployment names',
      `name: t\ndeployments:\n${dep('')}\n${dep('')}\n${L}\n`,
      `m.yaml:4:13: deployments[1].name: expected a unique name, got "d" again (deployments[0] has it)`,
    ],
    [
      'duplicate autoscaler names',
      `name: t\n${D}\nautoscalers:\n  - { name: a, kind: fixed }\n  - { name: a, kind: hpa-cpu, target_utilization: 70 }\n${L}\n`,
      `m.yaml:5:13: autoscalers[1].name: expected a unique name, got "a" again (autoscalers[0] has it)`,
    ],
    [
      'an unknown GPU',
      `name: t\ndeployments:\n${dep('', 'meta-llama/Llama-3.2-1B-Instruct', 'H200')}\n${L}\n`,
      `m.yaml:3:70: deployments[0].gpu.type: expected a GPU from data/gpus.json ("H100" | "A100-80" | "L4" | "A10G" | "MI300X"), got "H200"; did you mean "H100"?`,
    ],
    [
      'a GPU in the wrong case',
      `name: t\ndeployments:\n${dep('', 'meta-llama/Llama-3.2-1B-Instruct', 'l4')}\n${L}\n`,
      `m.yaml:3:70: deployments[0].gpu.type: expected a GPU from data/gpus.json ("H100" | "A100-80" | "L4" | "A10G" | "MI300X"), got "l4"; did you mean "L4"?`,
    ],
    [
      'an unknown model on the local target',
      `name: t\ndeployments:\n${dep('', 'my-org/my-model')}\n${L}\n`,
      `m.yaml:3:23: deployments[0].model: expected a model from data/models.json, got "my-org/my-model"; add it to data/models.json, or give simulator.ttft and simulator.itl`,
    ],
    [
      'a misspelt model on the local target',
      `name: t\ndeployments:\n${dep('', 'Qwen/Qwen2.5-7B-Instruc')}\n${L}\n`,
      `m.yaml:3:23: deployments[0].model: expected a model from data/models.json, got "Qwen/Qwen2.5-7B-Instruc"; did you mean "Qwen/Qwen2.5-7B-Instruct"?`,
    ],
    [
      'an unknown model with only ttft given',
      `name: t\ndeployments:\n${dep(', simulator: { ttft: 50ms }', 'my-org/my-model')}\n${L}\n`,
      `m.yaml:3:23: deployments[0].model: expected a model from data/models.json, got "my-org/my-model"; add it to data/models.json, or give simulator.ttft and simulator.itl`,
    ],
    [
      'steps without users',
      `name: t\n${D}\nload:\n  shape: step\n  duration: 5m\n`,
      `m.yaml:4:3: load.users: expected a list of user counts for shape "step", got nothing`,
    ],
    [
      'arrival-rate with users',
      `name: t\n${D}\nload: { shape: arrival-rate, users: [4], rates: [2], duration: 1m }\n`,
      `m.yaml:3:37: load.users: expected no users for shape "arrival-rate" (give rates, in requests/s), got a list`,
    ],
    [
      'a level given twice',
      `name: t\n${D}\nload: { shape: constant, users: [4, 8, 4], duration: 1m }\n`,
      `m.yaml:3:40: load.users[2]: expected each level once, got 4 again`,
    ],
    [
      'a spike as long as the run',
      `name: t\n${D}\nload: { shape: spike, users: [4], duration: 1m, spike: 1m }\n`,
      `m.yaml:3:56: load.spike: expected a spike shorter than load.duration, got "1m"`,
    ],
    [
      'KEDA idle_replicas not below min_replicas',
      `name: t\n${D}\nautoscalers:\n  - { name: k, kind: keda, query: q, threshold: 1, min_replicas: 1, idle_replicas: 1 }\n${L}\n`,
      `m.yaml:4:84: autoscalers[0].idle_replicas: expected less than min_replicas (1; KEDA requires idleReplicaCount < minReplicaCount), got 1`,
    ],
    [
      'KEDA idle_replicas with min_replicas defaulted',
      `name: t\n${D}\nautoscalers:\n  - { name: k, kind: keda, query: q, threshold: 1, idle_replicas: 0 }\n${L}\n`,
      `m.yaml:4:67: autoscalers[0].idle_replicas: expected less than min_replicas (0; KEDA requires idleReplicaCount < minReplicaCount), got 0`,
    ],
    [
      'KEDA min_replicas above a deployment max',
      `name: t\n${D}\nautoscalers:\n  - { name: k, kind: keda, query: q, threshold: 1, min_replicas: 9 }\n${L}\n`,
      `m.yaml:4:66: autoscalers[0].min_replicas: expected at most the replicas.max of every deployment (4 for "d"), got 9`,
    ],
    [
      'a token override outside the profile bounds',
      `name: t\nworkload: { profile: chatbot, prompt_tokens: { mean: 2000 } }\n${D}\n${L}\n`,
      `m.yaml:2:46: workload.prompt_tokens: expected min <= mean <= max, got min 358, mean 2000, max 666 (min and max from profile "chatbot": give them too)`,
    ],
    [
      'a token override with min above mean',
      `name: t\nworkload:\n  profile: tiny\n  output_tokens: { mean: 8, min: 10, max: 20 }\n${D}\n${L}\n`,
      `m.yaml:4:18: workload.output_tokens: expected min <= mean <= max, got min 10, mean 8, max 20`,
    ],
  ])('%s', (_, yaml, expected) => {
    expect(problems(dir, yaml)).toBe(expected);
  });
});

describe('what the checks let through', () => {
  it.each([
    ['an unknown model with ttft and itl given', `name: t\ndeployments:\n${dep(', simulator: { ttft: 50ms, itl: 10ms }', 'my-org/my-model')}\n${L}\n`],
    ['an unknown model with its own command', `name: t\ndeployments:\n${dep(', simulator: { command: [vllm, serve] }', 'my-org/my-model')}\n${L}\n`],
    ['an unknown model on a cluster', `name: t\ntarget: { kind: kubernetes, namespace: b }\ndeployments:\n${dep('', 'my-org/my-model')}\n${L}\n`],
    [
      'KEDA scaling to zero between bursts',
      `name: t\n${D}\nautoscalers:\n  - { name: k, kind: keda, query: q, threshold: 1, min_replicas: 1, idle_replicas: 0 }\n${L}\n`,
    ],
    ['only min given, above the default max', `name: t\ndeployments:\n${dep(', replicas: { min: 6 }')}\n${L}\n`],
  ])('%s', (_, yaml) => {
    expect(loadYaml(dir, yaml).name).toBe('t');
  });
});

describe('the file itself', () => {
  it.each([
    [
      'a missing file',
      join(dir, 'nope.yaml'),
      `nope.yaml: no such file: give the path of a matrix YAML file, such as matrices/nightly.yaml (see matrices/ and matrices/examples/)`,
    ],
    [
      'a directory',
      dir,
      `<dir>: a directory, not a file: give the path of a matrix YAML file, such as matrices/nightly.yaml (see matrices/ and matrices/examples/)`,
    ],
  ])('%s', (_, path, expected) => {
    let caught: unknown;
    try {
      loadMatrix(path, projectCatalog());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).exitCode).toBe(ExitCode.usage);
    expect((caught as Error).message.replaceAll(`${dir}/`, '').replaceAll(dir, '<dir>')).toBe(expected);
  });
});
