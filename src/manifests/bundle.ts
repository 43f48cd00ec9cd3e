import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedAutoscaler, ResolvedDeployment } from '../matrix/types.js';
import { gpuRequest } from '../sizing/accelerators.js';
import { checkAutoscaler } from '../recommend/autoscaler-checks.js';
import { checkDeployment, type CheckIssue } from '../sizing/checks.js';
import { UserError } from '../util/errors.js';
import { adapterRulesConfigMap } from './adapter-rules.js';
import { admissionPolicies } from './admission-policies.js';
import { hpaObject, scaledObject } from './autoscalers.js';
import { dashboardConfigMap } from './dashboard.js';
import { inferenceService, kserveNotes } from './kserve.js';
import { monitorKind, monitorObject, prometheusRule } from './monitoring.js';
import type { K8sObject, ManifestFile, ManifestOptions, ServingSpec } from './types.js';
import { deploymentObject, serviceObject } from './workload.js';

/**
 * A generated set: every deployment × autoscaler, after the pre-deploy
 * checks, as files with deterministic paths:
 *   admission-policies.yaml                  the checks as ValidatingAdmissionPolicies (once)
 *   <deployment>/<autoscaler>/deployment.yaml, service.yaml | inferenceservice.yaml
 *                             hpa.yaml, adapter-rules.yaml | scaledobject.yaml   (as the autoscaler needs)
 *                             servicemonitor.yaml | podmonitor.yaml, prometheusrule.yaml, dashboard.yaml
 */

/** What to generate: resolved deployments and autoscalers (a matrix's, or a recommendation's). */
export interface GenerateInput {
  deployments: readonly ResolvedDeployment[];
  autoscalers: readonly ResolvedAutoscaler[];
  options: ManifestOptions;
  catalog: Catalog;
}

export interface GeneratedSet {
  files: ManifestFile[];
  /** Warnings of the checks and what a form cannot express: for stderr. */
  notes: string[];
}

/** The MIG profile a deployment runs on (its gpu.sharing; resolve puts a MIG recipe's slice there). */
export function migOf(d: ResolvedDeployment): string | undefined {
  return d.gpu.sharing?.mode === 'mig' ? d.gpu.sharing.profile : undefined;
}

/** Everything the generators need for one deployment × autoscaler. */
export function servingSpec(catalog: Catalog, d: ResolvedDeployment, a: ResolvedAutoscaler, options: ManifestOptions): ServingSpec {
  const model = catalog.models[d.model];
  return { deployment: d, autoscaler: a, gpu: gpuRequest(catalog, d.gpu.type, d.gpu.count, d.gpu.sharing), ...(model ? { model } : {}), options };
}

/** The objects of one deployment × autoscaler, by file name. */
export function pairFiles(s: ServingSpec): Array<[string, K8sObject]> {
  const files: Array<[string, K8sObject]> = [];
  const deploymentForm = s.options.serving === 'deployment';
  if (deploymentForm) files.push(['deployment.yaml', deploymentObject(s)], ['service.yaml', serviceObject(s)]);
  else files.push(['inferenceservice.yaml', inferenceService(s)]);
  const a = s.autoscaler;
  switch (a.kind) {
    case 'fixed':
      break;
    case 'hpa-cpu':
      // KServe's hpa class makes this HPA itself.
      if (deploymentForm) files.push(['hpa.yaml', hpaObject(s, a)]);
      break;
    case 'hpa-custom':
      files.push(['hpa.yaml', hpaObject(s, a)], ['adapter-rules.yaml', adapterRulesConfigMap(s, a)]);
      break;
    case 'keda':
      // KServe's keda class makes the ScaledObject from the InferenceService.
      if (deploymentForm) files.push(['scaledobject.yaml', scaledObject(s, a)]);
      break;
  }
  files.push([`${monitorKind(s).toLowerCase()}.yaml`, monitorObject(s)], ['prometheusrule.yaml', prometheusRule(s)], ['dashboard.yaml', dashboardConfigMap(s)]);
  return files;
}

/** One line per issue: `deployment "d": field: message` or `autoscaler "a" on deployment "d": field: message`. */
function describe(where: string, issues: readonly CheckIssue[]): string[] {
  return issues.map((i) => `${where}: ${i.field}: ${i.message}`);
}

/** The pre-deploy checks of every pair: errors and warnings, one line each, deployments first. */
export function preDeployIssues(input: Omit<GenerateInput, 'options'>): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const d of input.deployments) {
    const issues = checkDeployment(input.catalog, d);
    errors.push(
      ...describe(
        `deployment "${d.name}"`,
        issues.filter((i) => i.severity === 'error'),
      ),
    );
    warnings.push(
      ...describe(
        `deployment "${d.name}"`,
        issues.filter((i) => i.severity === 'warning'),
      ),
    );
    for (const a of input.autoscalers) errors.push(...describe(`autoscaler "${a.name}" on deployment "${d.name}"`, checkAutoscaler(a, d)));
  }
  return { errors, warnings };
}

/**
 * Generates the set (pure: returns data). Throws a UserError (exit code 2)
 * listing every failed check, with its field and numbers, when any fails:
 * nothing is generated for an impossible configuration.
 */
export function generateSet(input: GenerateInput): GeneratedSet {
  const { errors, warnings } = preDeployIssues(input);
  if (errors.length) {
    const where = input.options.source ? `${input.options.source}: ` : '';
    throw new UserError(`${where}the pre-deploy checks failed:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  }
  const files: ManifestFile[] = [{ path: 'admission-policies.yaml', objects: admissionPolicies() }];
  const notes = [...warnings];
  for (const d of input.deployments) {
    for (const a of input.autoscalers) {
      const s = servingSpec(input.catalog, d, a, input.options);
      for (const [name, object] of pairFiles(s)) files.push({ path: `${d.name}/${a.name}/${name}`, objects: [object] });
      if (input.options.serving !== 'deployment') notes.push(...kserveNotes(s));
    }
  }
  return { files, notes };
}
