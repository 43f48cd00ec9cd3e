import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, runCli, scratch, type CliResult } from './helpers.js';
import { crdDir, haveCrds as haveCrdsHere } from '../prerequisites.js';

/** `scalebench generate` and `scalebench validate` as a user runs them: exit codes, output, no stack traces. */

const haveCrds = haveCrdsHere();
if (!haveCrds) process.stdout.write(`validate --crds cases skipped: no ${crdDir} (the shared/ folder beside the clone)\n`);

beforeAll(() => ensureBuilt(), 120_000);

const cli = (args: string[], cwd = projectRoot): Promise<CliResult> => runCli(args, { cwd });

/** Every file under a folder with its bytes, by relative path. */
function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** An expected error: the exit code, and one line on stderr, without a stack trace. */
function expectUsageError(r: CliResult, code: number): string {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  return r.stderr.trimEnd();
}

const broken = {
  'deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: vllm }\nspec:\n  replicas: "two"\n  selector: { matchLabels: { app: vllm } }\n  template:\n    metadata: { labels: { app: vllm } }\n    spec: { containers: [{ name: vllm, image: vllm }] }\n',
  'hpa.yaml':
    'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: vllm }\nspec:\n  scaleTargetRef: { kind: Deployment, name: vllm }\n  maxReplicas: 2\n  targetCPU: 70\n',
  'scaledobject.yaml':
    'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: { name: vllm }\nspec:\n  scaleTargetRef: { name: vllm }\n  triggers:\n    - type: prometheus\n',
  'syntax.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: { a: b\nspec: {}\n',
};

describe('scalebench validate', () => {
  it.skipIf(!haveCrds)(
    'manifests/examples/ with --crds: every object valid, exit 0',
    async () => {
      const r = await cli(['validate', 'manifests/examples', '--crds', crdDir]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toBe('58 objects: 58 valid, 0 invalid, 0 not checked\n');
    },
    60_000,
  );

  it('without --crds: says which kinds it could not check and how to supply a schema; --strict fails on them', async () => {
    const r = await cli(['validate', 'manifests/examples/deployment']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      "not checked: 1 × ScaledObject (keda.sh/v1alpha1): no schema for ScaledObject (keda.sh/v1alpha1): give --crds <dir> holding its CustomResourceDefinition (its CRD file is published in kedacore/keda config/crd/bases/), or write the cluster's with `kubectl get crd -o yaml > <dir>/crds.yaml`",
      '32 objects: 31 valid, 0 invalid, 1 not checked',
    ]);
    expect((await cli(['validate', 'manifests/examples/deployment', '--strict'])).code).toBe(1);
  }, 60_000);

  it.skipIf(!haveCrds)(
    'broken manifests: each error positioned, exit 1, no stack trace',
    async () => {
      const dir = scratch();
      for (const [name, text] of Object.entries(broken)) writeFileSync(join(dir, name), text);
      const r = await cli(['validate', '.', '--crds', crdDir], dir);
      expect([r.code, r.stderr]).toEqual([1, '']);
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([
        'deployment.yaml:5:13: Deployment/vllm: spec.replicas: must be integer, got "two"',
        'hpa.yaml:7:14: HorizontalPodAutoscaler/vllm: spec.targetCPU: unknown field "targetCPU" (the API server drops it, or refuses it with strict field validation)',
        'scaledobject.yaml:7:7: ScaledObject/vllm: spec.triggers[0]: missing required field "metadata"',
        'syntax.yaml:6:1: document: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }',
        '4 objects: 0 valid, 4 invalid, 0 not checked',
      ]);
      const json = JSON.parse((await cli(['validate', '.', '--crds', crdDir, '--json'], dir)).stdout) as { counts: unknown };
      expect(json.counts).toEqual({ valid: 0, invalid: 4, unchecked: 0 });
    },
    60_000,
  );

  it.each([
    [['validate', 'no-such-dir'], 'scalebench: no-such-dir: no such file or directory: give manifest files or folders, such as manifests/examples'],
    [
      ['validate', 'manifests/examples', '--crds', 'no-such-crds'],
      'scalebench: --crds no-such-crds: no such file or directory: give a folder of CustomResourceDefinition YAML files (such as `kubectl get crd -o yaml` writes)',
    ],
    [['validate', 'docs'], 'scalebench: docs: no .yaml, .yml or .json files found'],
  ])('unusable input %j: exit 2 and one line', async (args, message) => {
    expect(expectUsageError(await cli(args), 2)).toBe(message);
  });
});

describe('scalebench generate', () => {
  it('writes a folder with deterministic names; a second run gives the same bytes; validate accepts it', async () => {
    const dir = scratch();
    const first = await cli(['generate', 'matrices/nightly.yaml', '--out', join(dir, 'out')]);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const a = snapshotDir(join(dir, 'out'));
    expect(Object.keys(a)).toEqual([
      'admission-policies.yaml',
      ...(['hpa-cpu', 'hpa-custom', 'keda'] as const).flatMap((s) => {
        const files = { 'hpa-cpu': ['hpa.yaml'], 'hpa-custom': ['adapter-rules.yaml', 'hpa.yaml'], keda: ['scaledobject.yaml'] }[s];
        return ['dashboard.yaml', 'deployment.yaml', ...files, 'prometheusrule.yaml', 'service.yaml', 'servicemonitor.yaml']
          .sort()
          .map((f) => `llama8b-h100/${s}/${f}`);
      }),
    ]);
    expect(first.stdout.split('\n').filter(Boolean)).toHaveLength(Object.keys(a).length);
    const second = await cli(['generate', 'matrices/nightly.yaml', '--out', join(dir, 'out')]);
    expect(second.code).toBe(0);
    expect(snapshotDir(join(dir, 'out'))).toEqual(a);
    const v = await cli(['validate', join(dir, 'out'), ...(haveCrds ? ['--crds', crdDir] : [])]);
    expect(v.code, v.stdout).toBe(0);
  }, 60_000);

  it('--deployment and --autoscaler select pairs; a narrower run removes what it no longer makes', async () => {
    const dir = scratch();
    const out = join(dir, 'out');
    expect((await cli(['generate', 'matrices/nightly.yaml', '--out', out])).code).toBe(0);
    const r = await cli(['generate', 'matrices/nightly.yaml', '--out', out, '--autoscaler', 'keda', '--deployment', 'llama8b-h100']);
    expect(r.code).toBe(0);
    expect(Object.keys(snapshotDir(out)).filter((p) => !p.startsWith('llama8b-h100/keda/'))).toEqual(['admission-policies.yaml']);
    expect(r.stderr).toMatch(/^scalebench: removed 13 file\(s\) of an earlier generate: /);
  }, 60_000);

  it('from a recommendation file, into a kubernetes namespace, served by KServe', async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'rec.yaml'),
      `recommendation:
  name: chat-llama8b
  namespace: chat
  slo: { ttft_ms_p95: 500ms }
  deployment: { name: llama8b, model: meta-llama/Llama-3.1-8B-Instruct, recipe: llama-3.1-8b-l4-fp8, gpu: { type: L4 }, replicas: { min: 1, max: 4 } }
  autoscalers: [ { name: keda, kind: keda, query: 'sum(vllm:num_requests_waiting{namespace="chat"})', threshold: 20 } ]
  cost_per_hour: 0.8
`,
    );
    const r = await cli(['generate', 'rec.yaml', '--out', 'out', '--serving', 'kserve'], dir);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(Object.keys(snapshotDir(join(dir, 'out')))).toEqual([
      'admission-policies.yaml',
      'llama8b/keda/dashboard.yaml',
      'llama8b/keda/inferenceservice.yaml',
      'llama8b/keda/podmonitor.yaml',
      'llama8b/keda/prometheusrule.yaml',
    ]);
    const isvc = readFileSync(join(dir, 'out', 'llama8b/keda/inferenceservice.yaml'), 'utf8');
    expect(isvc).toContain('# Generated by scalebench generate from rec.yaml: regenerate rather than edit.');
    expect(isvc).toContain('  namespace: chat\n');
    expect(isvc).toContain('serving.kserve.io/autoscalerClass: keda');
    expect(isvc).toContain('--quantization=fp8');
  }, 60_000);

  it('refuses an impossible configuration with the numbers, writing nothing', async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'm.yaml'),
      'name: too-big\ndeployments:\n  - { name: llama70b-l4, model: meta-llama/Llama-3.1-70B-Instruct, gpu: { type: L4 } }\nload: { shape: constant, users: [1], duration: 1m }\n',
    );
    const r = await cli(['generate', 'm.yaml', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toBe(
      'scalebench: m.yaml: the pre-deploy checks failed:\n  deployment "llama70b-l4": gpu.count: the weights of meta-llama/Llama-3.1-70B-Instruct (70.6 B parameters in bf16) need 141.2 GB, plus 2.0 GB runtime overhead, more than the 21.6 GB one L4 gives vLLM (24 GB × gpu_memory_utilization 0.9); it needs at least 8 L4 GPUs, or fp8 weights (--quantization=fp8)\n',
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  }, 60_000);

  it.each([
    [
      ['generate', 'matrices/missing.yaml'],
      'scalebench: matrices/missing.yaml: no such file: give the path of a matrix YAML file, such as matrices/nightly.yaml, or of a recommendation file written by `scalebench recommend`',
    ],
    [
      ['generate', 'matrices/nightly.yaml', '--deployment', 'llama70b'],
      'scalebench: --deployment llama70b: matrices/nightly.yaml has no deployment named "llama70b"; give one of: llama8b-h100',
    ],
    [
      ['generate', 'matrices/nightly.yaml', '--autoscaler', 'kedda'],
      'scalebench: --autoscaler kedda: matrices/nightly.yaml has no autoscaler named "kedda"; give one of: hpa-cpu, hpa-custom, keda',
    ],
    [['generate', 'matrices/nightly.yaml', '--label', 'run'], 'scalebench: --label run: expected key=value, such as scalebench.dev/run=nightly-1'],
  ])('bad input %j: exit 2 and one line naming the field and the fix', async (args, message) => {
    expect(expectUsageError(await cli(args), 2)).toBe(message);
  });

  it('an unknown autoscaler kind in the matrix is positioned in the file', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'm'));
    writeFileSync(
      join(dir, 'm', 'x.yaml'),
      'name: x\ndeployments:\n  - { name: d, model: meta-llama/Llama-3.2-1B-Instruct, gpu: { type: L4 } }\nautoscalers:\n  - { name: a, kind: hpa-memory }\nload: { shape: constant, users: [1], duration: 1m }\n',
    );
    const r = await cli(['generate', 'm/x.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scalebench: m\/x\.yaml:5:\d+: autoscalers\[0\]\.kind: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
