import { describe, expect, it } from 'vitest';
import { CrdSchemas } from '../../src/manifests/crd-schemas.js';
import { validateText } from '../../src/manifests/validate-files.js';
import { crdDir, haveCrds as haveCrdsHere } from '../prerequisites.js';

/** The real upstream CRDs, read by path: test data, never copied into the project. */
const haveCrds = haveCrdsHere();
if (!haveCrds) process.stdout.write(`broken custom resources skipped: no ${crdDir} (the shared/ folder beside the clone)\n`);
const crds = haveCrds ? CrdSchemas.fromPath(crdDir) : CrdSchemas.none();

/** Each problem as `validate` prints it, less the file name: positioned at the value at fault (at the mapping of a missing field). */
async function errors(text: string, schemas: CrdSchemas = CrdSchemas.none()): Promise<string[]> {
  const results = await validateText(text, 'f.yaml', schemas);
  return results.flatMap((o) => o.issues.map((i) => `${i.line}:${i.col}: ${o.kind || 'document'}: ${i.path ? `${i.path}: ` : ''}${i.message}`));
}

const deployment = (spec: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
${spec}
  selector:
    matchLabels: { app: vllm }
  template:
    metadata:
      labels: { app: vllm }
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
`;

describe('broken built-in objects (kubernetes-models and the API field names)', () => {
  it.each([
    ['a Deployment with replicas as a string', deployment('  replicas: "two"'), ['6:13: Deployment: spec.replicas: must be integer, got "two"']],
    [
      'a Deployment with a misspelt field',
      deployment('  replica: 2'),
      ['6:12: Deployment: spec.replica: unknown field "replica" (the API server drops it, or refuses it with strict field validation)'],
    ],
    [
      'a container with an unknown field deep in the pod template',
      deployment('  replicas: 1').replace('image: vllm', 'gpus: 1\n          image: vllm'),
      ['15:17: Deployment: spec.template.spec.containers[0].gpus: unknown field "gpus" (the API server drops it, or refuses it with strict field validation)'],
    ],
    [
      'an HPA with an unknown field',
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: vllm }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: vllm }
  maxReplicas: 4
  targetCPUUtilizationPercentage: 70
`,
      [
        '7:35: HorizontalPodAutoscaler: spec.targetCPUUtilizationPercentage: unknown field "targetCPUUtilizationPercentage" (the API server drops it, or refuses it with strict field validation)',
      ],
    ],
    [
      'an HPA without maxReplicas, its metric target of the wrong type',
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: vllm }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: vllm }
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: "70%" } }
`,
      [
        '5:3: HorizontalPodAutoscaler: spec: missing required field "maxReplicas"',
        '8:79: HorizontalPodAutoscaler: spec.metrics[0].resource.target.averageUtilization: must be integer, got "70%"',
      ],
    ],
    [
      'a Service name that is not a DNS-1035 label',
      'apiVersion: v1\nkind: Service\nmetadata: { name: 8b-vllm }\nspec: { ports: [{ port: 80 }] }\n',
      ['3:19: Service: metadata.name: a Service name must be a DNS-1035 label (a letter, then [a-z0-9-], at most 63), got "8b-vllm"'],
    ],
    [
      'an unknown apiVersion of a built-in kind',
      'apiVersion: apps/v2\nkind: Deployment\nmetadata: { name: a }\n',
      ['2:7: Deployment: kind: no kind "Deployment" in apps/v2 (not a built-in kind that kubernetes-models knows)'],
    ],
    [
      'an unknown kind',
      'apiVersion: v1\nkind: Deploymnet\nmetadata: { name: a }\n',
      ['2:7: Deploymnet: kind: no kind "Deploymnet" in v1 (not a built-in kind that kubernetes-models knows)'],
    ],
    ['no apiVersion', 'kind: ConfigMap\nmetadata: { name: a }\n', ['1:1: ConfigMap: missing required field "apiVersion"']],
    [
      'a YAML syntax error',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: { a: b\nspec: {}\n',
      ['6:1: document: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }'],
    ],
    ['a list where an object should be', '- apiVersion: v1\n  kind: ConfigMap\n', ['1:1: document: expected a Kubernetes object (a mapping), got a list']],
  ])('%s', async (_, text, expected) => {
    expect(await errors(text)).toEqual(expected);
  });

  it('names the document of a multi-document file by its line', async () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: bad }\ndata: { a: 1 }\n';
    expect(await errors(text)).toEqual(['8:12: ConfigMap: data.a: must be string, got 1']);
  });
});

describe.skipIf(!haveCrds)('broken custom resources, against the upstream CRDs', () => {
  it.each([
    [
      'a ScaledObject trigger without metadata',
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: vllm }
spec:
  scaleTargetRef: { name: vllm }
  triggers:
    - type: prometheus
`,
      ['7:7: ScaledObject: spec.triggers[0]: missing required field "metadata"'],
    ],
    [
      'a ScaledObject with a threshold as a number and an unknown field',
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: vllm }
spec:
  scaleTargetRef: { name: vllm }
  minReplicas: 1
  triggers:
    - type: prometheus
      metadata: { serverAddress: "http://prometheus:9090", query: "sum(x)", threshold: 5 }
`,
      [
        '6:16: ScaledObject: spec.minReplicas: unknown field "minReplicas" (the API server drops it, or refuses it with strict field validation)',
        '9:88: ScaledObject: spec.triggers[0].metadata.threshold: must be string, got 5',
      ],
    ],
    [
      'an InferenceService with an unknown field and a wrong type',
      `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: vllm }
spec:
  predictor:
    minReplicas: "one"
    gpuCount: 1
    model:
      modelFormat: { name: huggingface }
`,
      [
        '6:18: InferenceService: spec.predictor.minReplicas: must be integer, got "one"',
        '7:15: InferenceService: spec.predictor.gpuCount: unknown field "gpuCount" (the API server drops it, or refuses it with strict field validation)',
      ],
    ],
    [
      'an InferenceService with an unknown top-level spec field',
      'apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: { name: vllm }\nspec:\n  predictor: {}\n  autoscaling: keda\n',
      ['6:16: InferenceService: spec.autoscaling: unknown field "autoscaling" (the API server drops it, or refuses it with strict field validation)'],
    ],
    [
      'a ServiceMonitor with a bad scheme and interval',
      `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: vllm }
spec:
  selector: { matchLabels: { app: vllm } }
  endpoints:
    - port: http
      interval: 15
      scheme: htps
`,
      [
        '8:17: ServiceMonitor: spec.endpoints[0].interval: must be string, got 15',
        '9:15: ServiceMonitor: spec.endpoints[0].scheme: must be one of "http" | "https" | "HTTP" | "HTTPS", got "htps"',
      ],
    ],
    [
      'a PrometheusRule whose rule has no expr',
      'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: { name: vllm }\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n',
      ['8:11: PrometheusRule: spec.groups[0].rules[0]: missing required field "expr"'],
    ],
  ])('%s', async (_, text, expected) => {
    expect(await errors(text, crds)).toEqual(expected);
  });
});

describe('a CRD given inline (what --crds reads), and a kind with no schema', () => {
  const widgets = CrdSchemas.fromObjects(
    [
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          names: { kind: 'Widget', plural: 'widgets' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['size'],
                      properties: { size: { type: 'integer', minimum: 1 }, port: { 'x-kubernetes-int-or-string': true } },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    ],
    'inline',
  );

  it.each([
    [
      'spec: { size: 0, colour: red, port: [1] }',
      [
        '5:15: Widget: spec.size: must be >= 1, got 0',
        '5:26: Widget: spec.colour: unknown field "colour" (the API server drops it, or refuses it with strict field validation)',
        '5:37: Widget: spec.port: must be integer or string, got a list',
      ],
    ],
    ['spec: { port: http }', ['5:7: Widget: spec: missing required field "size"']],
    ['spec: { size: 2, port: 8080 }', []],
  ])('%s', async (spec, expected) => {
    expect(await errors(`apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n${spec}\n`, widgets)).toEqual(expected);
  });

  it("a CRD whose fields are of the wrong type is one line naming the file, the CRD and the field (a List's items too); other kinds are ignored", () => {
    const crd = {
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: { group: 'example.com', names: { kind: 'Gadget' }, versions: 3 },
    };
    expect(() => CrdSchemas.fromObjects([{ kind: 'CustomResourceDefinitionList', items: [crd] }], 'crds.yaml')).toThrow(
      /^crds\.yaml: CustomResourceDefinition gadgets\.example\.com: spec\.versions: .*expected array.*: give the CRD as the API server serves it/,
    );
    expect(CrdSchemas.fromObjects([null, 5, { kind: 'ConfigMap' }, { kind: 'List', items: [] }], 'crds.yaml').kinds()).toEqual([]);
  });

  it('a custom resource without its CRD is not checked, and says how to supply one', async () => {
    const [r] = await validateText('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: { size: 0 }\n', 'f.yaml', CrdSchemas.none());
    expect([r?.status, r?.hint]).toEqual([
      'unchecked',
      "no schema for Widget (example.com/v1): give --crds <dir> holding its CustomResourceDefinition, or write the cluster's with `kubectl get crd -o yaml > <dir>/crds.yaml`",
    ]);
  });
});
