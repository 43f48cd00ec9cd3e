import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseMatrix } from '../../src/matrix/load.js';
import type { Targets } from '../../src/recommend/targets.js';
import { nextMatrix } from '../../src/tune/next-matrix.js';
import { ExitCode, UserError } from '../../src/util/errors.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const running: Targets = { headroom: 1.2, hpaRunning: 2.5, keda: { metric: 'vllm:num_requests_running', threshold: 7 }, notes: [] };
const waiting: Targets = { headroom: 1.2, hpaRunning: 3, keda: { metric: 'vllm:num_requests_waiting', threshold: 1.5 }, notes: [] };

const head = `# the run's matrix
name: smoke
target: { kind: local }
deployments: [{ name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 } }]
load: { shape: constant, users: [4], duration: 1m }
`;

type Autoscaler = Record<string, unknown>;
const autoscalersOf = (text: string): Autoscaler[] => (parse(text) as { autoscalers: Autoscaler[] }).autoscalers;

describe('nextMatrix: the run matrix with tuned autoscaler targets', () => {
  it.each<[string, string, Targets, Autoscaler]>([
    [
      'hpa-custom on waiting requests becomes a Pods target on running ones',
      '  - { name: h, kind: hpa-custom, metric: "vllm:num_requests_waiting", target: 5 }',
      running,
      { name: 'h', kind: 'hpa-custom', metric: 'vllm:num_requests_running', target: 2.5 },
    ],
    [
      'hpa-custom loses its own query (it would override the metric)',
      '  - { name: h, kind: hpa-custom, metric: "vllm:num_requests_running", target: 5, query: "sum(x)" }',
      waiting,
      { name: 'h', kind: 'hpa-custom', metric: 'vllm:num_requests_running', target: 3 },
    ],
    [
      'keda on waiting requests moves to running ones when the tune says so',
      `  - { name: k, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="scalebench"})', threshold: 2, min_replicas: 1 }`,
      running,
      { name: 'k', kind: 'keda', query: 'sum(vllm:num_requests_running{namespace="scalebench"})', threshold: 7, min_replicas: 1 },
    ],
    [
      'keda keeps the rest of its query and replaces every vLLM request metric in it',
      `  - { name: k, kind: keda, query: 'max(vllm:num_requests_running{pod=~"a.*"}) + sum(vllm:num_requests_running)', threshold: 9 }`,
      waiting,
      { name: 'k', kind: 'keda', query: 'max(vllm:num_requests_waiting{pod=~"a.*"}) + sum(vllm:num_requests_waiting)', threshold: 1.5 },
    ],
    [
      'keda on another metric gets a query on the tuned one',
      `  - { name: k, kind: keda, query: 'sum(rate(vllm:request_success_total[1m]))', threshold: 3 }`,
      waiting,
      { name: 'k', kind: 'keda', query: 'sum(vllm:num_requests_waiting{namespace="scalebench"})', threshold: 1.5 },
    ],
  ])('%s', (_, autoscaler, targets, expected) => {
    const out = nextMatrix(`${head}autoscalers:\n${autoscaler}\n`, 'm.yaml', targets);
    expect(autoscalersOf(out.text)).toEqual([expected]);
    expect(out.changes).toHaveLength(1);
  });

  it('leaves fixed and hpa-cpu autoscalers, comments and the rest of the file as they were, and says what changed', () => {
    const text = `${head}autoscalers:
  - { name: fixed, kind: fixed }
  # CPU stays: its target is not a request count
  - name: cpu
    kind: hpa-cpu
    target_utilization: 35
  - name: queue
    kind: hpa-custom
    metric: vllm:num_requests_waiting # per pod
    target: 5
  - { name: k, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="scalebench"})', threshold: 2 }
sample_interval: 1s
`;
    const out = nextMatrix(text, 'm.yaml', running);
    expect(out.changes).toEqual([
      'queue: vllm:num_requests_waiting 5 → vllm:num_requests_running 2.5',
      'k: sum(vllm:num_requests_waiting{namespace="scalebench"}) > 2 → sum(vllm:num_requests_running{namespace="scalebench"}) > 7',
    ]);
    expect(out.text).toContain("# the run's matrix\n");
    expect(out.text).toContain('  # CPU stays: its target is not a request count\n');
    expect(out.text).toContain('  - { name: fixed, kind: fixed }\n');
    expect(out.text).toContain('  - name: cpu\n    kind: hpa-cpu\n    target_utilization: 35\n');
    expect(out.text).toContain('sample_interval: 1s\n');
    expect(out.text).toMatch(/^name: smoke$/m);
    // The whole file, tuned, is still a matrix scalebench runs.
    const m = parseMatrix(out.text, 'next.yaml', projectCatalog());
    expect(m.autoscalers.map((a) => a.name)).toEqual(['fixed', 'cpu', 'queue', 'k']);
  });

  it.each([
    ['renames the matrix when a name is given', 'smoke-tuned', 'smoke-tuned'],
    ['keeps the name otherwise', undefined, 'smoke'],
  ])('%s', (_, name, expected) => {
    const out = nextMatrix(`${head}autoscalers: [{ name: h, kind: hpa-custom, metric: "vllm:num_requests_running", target: 4 }]\n`, 'm.yaml', running, name);
    expect((parse(out.text) as { name: string }).name).toBe(expected);
  });

  it.each([
    ['a matrix without autoscalers', head, "m.yaml: autoscalers: the run's matrix has none to tune; add hpa-custom or keda autoscalers and run it again"],
    [
      'autoscalers that are not a list',
      `${head}autoscalers: { name: h }\n`,
      "m.yaml: autoscalers: the run's matrix has none to tune; add hpa-custom or keda autoscalers and run it again",
    ],
    [
      'only fixed and hpa-cpu autoscalers',
      `${head}autoscalers: [{ name: f, kind: fixed }, { name: c, kind: hpa-cpu, target_utilization: 50 }]\n`,
      'm.yaml: autoscalers: none of kind hpa-custom or keda, so there is no target to tune',
    ],
    ['a file that is no longer YAML', `${head}autoscalers: [\n`, /^m\.yaml: cannot read the run's matrix again: /],
  ])('refuses %s with an input error naming the file', (_, text, message) => {
    let err: unknown;
    try {
      nextMatrix(text, 'm.yaml', running);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
  });
});
