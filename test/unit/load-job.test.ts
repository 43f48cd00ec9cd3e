import { describe, expect, it } from 'vitest';
import { loadJobObjects, runnerWorkload, START_AT_ANNOTATION } from '../../src/manifests/load-job.js';
import { k6Options, scenarioWorkload } from '../../src/load/k6-options.js';
import { addPodLine, alignedT, mergePoints, newPodLines, podClock, runnerSkew, withT } from '../../src/results/pod-points.js';
import { executionSegments } from '../../src/load/segments.js';
import type { ResolvedLoad, ResolvedWorkload } from '../../src/matrix/types.js';
import { podFailure } from '../../src/targets/kubernetes/job-runner.js';
import { D, L, loadYaml, problems, scratchDir } from './matrix-helpers.js';

const dir = scratchDir();

describe('k6 execution segments for n runner pods', () => {
  it.each([
    [1, '0,1', ['0:1']],
    [2, '0,1/2,1', ['0:1/2', '1/2:1']],
    [3, '0,1/3,2/3,1', ['0:1/3', '1/3:2/3', '2/3:1']],
    [4, '0,1/4,1/2,3/4,1', ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1']],
  ])('%i pods', (n, sequence, segments) => {
    expect(executionSegments(n)).toEqual({ sequence, segments });
  });

  it('refuses a count that is not a whole number of pods', () => {
    expect(() => executionSegments(0)).toThrow('expected a whole number of pods >= 1, got 0');
  });
});

const load: ResolvedLoad = { shape: 'constant', levels: [6], durationMs: 20_000, warmupMs: 0, settle: { kind: 'fixed', ms: 2000 } };
const workload: ResolvedWorkload = {
  profile: 'tiny',
  prompt: { mean: 32, stdev: 0, min: 32, max: 32 },
  output: { mean: 16, stdev: 0, min: 16, max: 16 },
  seed: 1,
} as ResolvedWorkload;

describe('the load as an Indexed Job: objects as values', () => {
  const w = scenarioWorkload({ load, repeat: 1, level: 6 }, workload, 'http://sim.bench.svc:8000', 'm', { points: '-', meta: '-', summary: '' });
  const { configMap, job } = loadJobObjects({
    name: 'load-c1',
    namespace: 'bench',
    labels: { 'app.kubernetes.io/managed-by': 'scalebench', 'scalebench.dev/run': 'r1', 'scalebench.dev/cell': 'c1' },
    load: { runner: 'job', parallelism: 3, image: 'reg.example/k6@sha256:abc', resources: { requests: { cpu: '500m' } }, nodeSelector: { pool: 'load' } },
    k6Options: k6Options({ load, level: 6 }),
    workload: w,
    maxWallMs: 80_000,
  });

  it('the Job: Indexed, all pods at once, no index retried, a failed index leaving the others running', () => {
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 3,
      parallelism: 3,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: 3,
      activeDeadlineSeconds: 680,
    });
    const labels = { 'app.kubernetes.io/managed-by': 'scalebench', 'scalebench.dev/run': 'r1', 'scalebench.dev/cell': 'c1', 'scalebench.dev/role': 'load' };
    expect(job.metadata.labels).toEqual(labels);
    expect(configMap.metadata.labels).toEqual(labels);
    const pod = (job.spec as { template: { metadata: unknown; spec: Record<string, unknown> } }).template;
    expect(pod.metadata).toEqual({ labels });
    expect(pod.spec).toEqual({
      restartPolicy: 'Never',
      nodeSelector: { pool: 'load' },
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
      containers: [
        {
          name: 'k6',
          image: 'reg.example/k6@sha256:abc',
          command: ['/usr/bin/k6'],
          args: ['run', '--quiet', '--no-color', '--config', '/etc/scalebench/cell/k6-options.json', '/scalebench/openai-chat.js'],
          env: [
            { name: 'SCALEBENCH_WORKLOAD', value: '/etc/scalebench/cell/k6-workload.json' },
            { name: 'SCALEBENCH_BARRIER', value: '/etc/scalebench/barrier/start-at' },
            { name: 'K6_NO_USAGE_REPORT', value: 'true' },
            { name: 'K6_AUTO_EXTENSION_RESOLUTION', value: 'false' },
          ],
          resources: { requests: { cpu: '500m' } },
          volumeMounts: [
            { name: 'cell', mountPath: '/etc/scalebench/cell', readOnly: true },
            { name: 'barrier', mountPath: '/etc/scalebench/barrier', readOnly: true },
          ],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
      volumes: [
        { name: 'cell', configMap: { name: 'load-c1' } },
        { name: 'barrier', downwardAPI: { items: [{ path: 'start-at', fieldRef: { fieldPath: `metadata.annotations['${START_AT_ANNOTATION}']` } }] } },
      ],
    });
  });

  it("the ConfigMap: the local run's k6 options, and the workload writing to standard output with the pods' segments", () => {
    const data = configMap.data as Record<string, string>;
    expect(JSON.parse(data['k6-options.json']!)).toEqual(k6Options({ load, level: 6 }));
    const wl = JSON.parse(data['k6-workload.json']!) as Record<string, unknown>;
    expect(wl).toEqual({
      ...w,
      points: '-',
      meta: '-',
      summary: '',
      runner: { count: 3, sequence: '0,1/3,2/3,1', segments: ['0:1/3', '1/3:2/3', '2/3:1'], barrierTimeoutMs: 600_000 },
    });
    expect(runnerWorkload(w, 1).runner.segments).toEqual(['0:1']);
  });
});

describe("runner pods' log lines, merged", () => {
  const point = (t: number, pod: number, clk: number, phase = 'main', ok = true): string =>
    `{"t":${t},"phase":"${phase}","vu":${pod + 1},"ok":${ok},"status":200,"error":null,"error_source":null,"ttft_ms":40,"ttfc_ms":40,"tpot_ms":10,"e2e_ms":200,"itl_ms":[10],"prompt_tokens":32,"output_tokens":16,"pod":${pod},"clk":${clk}}`;

  it('sorts each line into points, meta, end and the rest', () => {
    const p = newPodLines(0);
    expect(addPodLine(p, point(1000, 0, 5))).toBe('point');
    expect(addPodLine(p, '{"clk":5,"pod":0,"scenario_start_ms":999.5,"vu":1}')).toBe('meta');
    expect(addPodLine(p, 'time="x" level=warning msg="Error from API server"')).toBe('other');
    expect(addPodLine(p, '{"end":true,"pod":0,"dropped_iterations":2,"clk":5}')).toBe('end');
    expect(addPodLine(p, '{"not":"ours"}')).toBe('other');
    expect(p).toMatchObject({ index: 0, start: { ms: 999.5, clk: 5 }, end: { droppedIterations: 2, clk: 5 }, other: 2 });
    expect(p.points).toHaveLength(1);
  });

  it("merges every pod's points in order of start; a step of a pod's wall clock is taken out of its later points", () => {
    const a = newPodLines(0);
    const b = newPodLines(1);
    addPodLine(a, '{"clk":100,"pod":0,"scenario_start_ms":1000,"vu":1}');
    addPodLine(b, '{"clk":200,"pod":1,"scenario_start_ms":1000.4,"vu":2}');
    addPodLine(a, point(1010, 0, 100));
    addPodLine(b, point(1005, 1, 200));
    // Pod 1's wall clock is stepped 50 ms ahead: its point at wall 1070 started at 1020 on its time line.
    addPodLine(b, point(1070, 1, 250));
    addPodLine(a, point(1030, 0, 100, 'main', false));
    const merged = mergePoints([a, b]).map((l) => JSON.parse(l) as { t: number; pod: number });
    expect(merged.map((p) => [p.t, p.pod])).toEqual([
      [1005, 1],
      [1010, 0],
      [1020, 1],
      [1030, 0],
    ]);
    expect(podClock(b)).toEqual({ refClk: 200, stepMs: 50 });
    expect(runnerSkew([a, b])).toEqual({ startSpreadMs: 0.4, clockStepMaxMs: 50 });
    expect(alignedT(1070, null, 200)).toBe(1070);
    expect(withT(point(1070, 1, 250), 1020).startsWith('{"t":1020,"phase":"main"')).toBe(true);
  });
});

describe("a runner pod's failure in one line", () => {
  it.each([
    [{ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }, 'Evicted: The node was low on resource: memory.'],
    [
      { phase: 'Failed', containerStatuses: [{ state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] },
      'container k6 terminated (OOMKilled, exit code 137)',
    ],
    [{ phase: 'Failed' }, 'no reason given'],
  ])('%j', (status, reason) => {
    expect(podFailure(status)).toBe(reason);
  });
});

describe('target.load in the matrix', () => {
  const k8s = (load: string) =>
    `name: t\ntarget: { kind: kubernetes, namespace: ns, url: "http://x", prometheus_url: "http://x", load: ${load} }\n${D}\n${L}\n`;

  it('resolves runner, parallelism, image, resources and node selector', () => {
    const m = loadYaml(dir, k8s('{ runner: job, parallelism: 3, image: "r/k6:1", resources: { limits: { cpu: 2 } }, node_selector: { pool: load } }'));
    expect(m.target).toMatchObject({
      kind: 'kubernetes',
      load: { runner: 'job', parallelism: 3, image: 'r/k6:1', resources: { limits: { cpu: 2 } }, nodeSelector: { pool: 'load' } },
    });
  });

  it.each([
    ['a job without an image', '{ runner: job }', 'm.yaml:2:95: target.load.image: expected the runner image with runner: job'],
    ['an unknown runner', '{ runner: pods }', 'm.yaml:2:105: target.load.runner: expected one of "local" | "job", got "pods"'],
  ])('%s', (_, load, expected) => {
    expect(problems(dir, k8s(load))).toContain(expected);
  });
});
