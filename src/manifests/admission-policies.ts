import { admissionPolicyPair, vllmValidations, vllmVariables, type Validation } from './admission-policy.js';
import type { K8sObject } from './types.js';

/**
 * The four ValidatingAdmissionPolicies (and bindings) scalebench emits: the
 * vLLM Deployment, the InferenceService, the HPA and the ScaledObject. One
 * per kind, so each expression is type-checked against one schema.
 */

const rule = (group: string, version: string, resource: string): Record<string, unknown> => ({
  apiGroups: [group],
  apiVersions: [version],
  operations: ['CREATE', 'UPDATE'],
  resources: [resource],
});

/** A non-negative, non-zero quantity, for int-or-string fields: "5", "500m", 2. */
const positiveQuantity = (v: string): string => `!string(${v}).startsWith('-') && !string(${v}).matches('^[+]?0*[.]?0*([eE].*)?[a-zA-Z]*$')`;

const replicaBounds = (min: string, max: string, what: string): Validation => ({
  expression: `!has(${min}) || !has(${max}) || ${min} <= ${max}`,
  message: `${what}: the minimum replicas must not exceed the maximum`,
  messageExpression: `'${what}: minimum replicas ' + string(${min}) + ' is more than the maximum ' + string(${max})`,
});

const hpaValidations: Validation[] = [
  {
    // minReplicas 0 needs the HPAScaleToZero gate and an Object/External metric (reference/autoscaling.md).
    expression: '!has(object.spec.minReplicas) || object.spec.minReplicas >= 1',
    message: 'an HPA on CPU or Pods metrics cannot scale to zero: minReplicas must be at least 1',
    messageExpression: `'minReplicas must be at least 1 (an HPA cannot scale to zero; KEDA can), got ' + string(object.spec.minReplicas)`,
  },
  replicaBounds('object.spec.minReplicas', 'object.spec.maxReplicas', 'HPA'),
  {
    expression:
      "!has(object.spec.metrics) || object.spec.metrics.all(m, m.type != 'Resource' || !has(m.resource.target.averageUtilization) || m.resource.target.averageUtilization > 0)",
    message: 'the CPU utilisation target must be positive',
  },
  // A Pods metric's averageValue needs no rule: the HPA API refuses one that is not positive
  // (pkg/apis/autoscaling/validation validateMetricTarget), and CEL does not type Quantity fields of built-in kinds.
];

const aggregated = '^\\s*\\(*\\s*(sum|avg|min|max|count|group|stddev|stdvar|quantile|scalar|vector|absent|histogram_quantile)\\s*\\(';

const scaledObjectValidations: Validation[] = [
  replicaBounds('object.spec.minReplicaCount', 'object.spec.maxReplicaCount', 'ScaledObject'),
  {
    // KEDA's admission webhook makes the same rule.
    expression: '!has(object.spec.idleReplicaCount) || (has(object.spec.minReplicaCount) && object.spec.idleReplicaCount < object.spec.minReplicaCount)',
    message: 'idleReplicaCount must be less than minReplicaCount',
  },
  {
    expression: "object.spec.triggers.all(t, !has(t.metadata) || !('threshold' in t.metadata) || double(t.metadata.threshold) > 0.0)",
    message: 'every trigger threshold must be positive',
    messageExpression:
      "'trigger thresholds must be positive, got ' + object.spec.triggers.filter(t, has(t.metadata) && 'threshold' in t.metadata).map(t, t.metadata.threshold).join(', ')",
  },
  {
    expression: "object.spec.triggers.all(t, !has(t.metadata) || !('activationThreshold' in t.metadata) || double(t.metadata.activationThreshold) >= 0.0)",
    message: 'every trigger activationThreshold must be 0 or more',
  },
  {
    // kedacore/keda prometheus_scaler.go: a query returning more than one element is an error.
    expression: `object.spec.triggers.all(t, t.type != 'prometheus' || !has(t.metadata) || !('query' in t.metadata) || t.metadata.query.matches('${aggregated.replaceAll('\\', '\\\\')}'))`,
    message: "a Prometheus trigger's query must be aggregated to one element, such as sum(...)",
  },
];

const isvc = 'object.spec.predictor';
const isvcValidations: Validation[] = [
  replicaBounds(`${isvc}.minReplicas`, `${isvc}.maxReplicas`, 'InferenceService predictor'),
  {
    expression: `!has(${isvc}.autoScaling) || !has(${isvc}.autoScaling.metrics) || ${isvc}.autoScaling.metrics.all(m, m.type != 'External' || !has(m.external.target.value) || (${positiveQuantity('m.external.target.value')}))`,
    message: 'the External (KEDA) metric target value must be positive',
  },
];

/** Every policy and binding, in a fixed order. */
export function admissionPolicies(): K8sObject[] {
  const deploymentContainer = "object.spec.template.spec.containers.filter(c, c.name == 'vllm')";
  const isvcContainer = `has(${isvc}.containers) ? ${isvc}.containers.filter(c, c.name == 'kserve-container') : []`;
  const fromContainer = (c: string, field: 'args' | 'limits', empty: string): string =>
    field === 'args'
      ? `${c}.size() > 0 && has(${c}[0].args) ? ${c}[0].args : ${empty}`
      : `${c}.size() > 0 && has(${c}[0].resources) && has(${c}[0].resources.limits) ? ${c}[0].resources.limits : ${empty}`;
  const model = `${isvc}.model`;
  return [
    ...admissionPolicyPair(
      'scalebench-vllm-deployment',
      rule('apps', 'v1', 'deployments'),
      [
        { name: 'c', expression: deploymentContainer },
        ...vllmVariables(fromContainer('variables.c', 'args', '[]'), fromContainer('variables.c', 'limits', '{}')),
      ],
      vllmValidations(),
    ),
    ...admissionPolicyPair(
      'scalebench-vllm-inferenceservice',
      rule('serving.kserve.io', 'v1beta1', 'inferenceservices'),
      [
        { name: 'c', expression: isvcContainer },
        ...vllmVariables(
          `has(${model}) && has(${model}.args) ? ${model}.args : (${fromContainer('variables.c', 'args', '[]')})`,
          `has(${model}) && has(${model}.resources) && has(${model}.resources.limits) ? ${model}.resources.limits : (${fromContainer('variables.c', 'limits', '{}')})`,
        ),
      ],
      [...vllmValidations(), ...isvcValidations],
    ),
    ...admissionPolicyPair('scalebench-hpa', rule('autoscaling', 'v2', 'horizontalpodautoscalers'), [], hpaValidations),
    ...admissionPolicyPair('scalebench-scaledobject', rule('keda.sh', 'v1alpha1', 'scaledobjects'), [], scaledObjectValidations),
  ];
}
