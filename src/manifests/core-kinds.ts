import type { ErrorObject } from 'ajv';
import { pinnedVersion } from '../util/package-json.js';

/**
 * Typed models for built-in kinds (kubernetes-models, generated from the
 * Kubernetes OpenAPI) and prometheus-operator kinds
 * (@kubernetes-models/prometheus-operator, from its v0.90 CRDs), loaded by
 * apiVersion and kind. Their validate() checks types, required fields,
 * enums and formats; it does not reject unknown fields.
 */

interface Model {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Model;

/** A loaded model and what it is, for reports. */
export interface KindModel {
  create: ModelClass;
  /** "kubernetes-models 4.5.0", "@kubernetes-models/prometheus-operator 5.0.1". */
  source: string;
}

/** The model packages; their pinned versions (package.json) are read when a report names them. */
const PACKAGES = {
  core: { name: 'kubernetes-models', version: () => pinnedVersion('kubernetes-models') },
  prometheusOperator: { name: '@kubernetes-models/prometheus-operator', version: () => pinnedVersion('@kubernetes-models/prometheus-operator') },
};

const cache = new Map<string, KindModel | null>();

/** Whether an API group is Kubernetes' own ("" core, apps, autoscaling, *.k8s.io). */
export function isBuiltInGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

/** The module a kind's model would be in, or undefined when no package has it. */
function modulePath(apiVersion: string, kind: string): { path: string; pkg: { name: string; version: () => string } } | undefined {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind) || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) return undefined;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  if (group === 'monitoring.coreos.com') return { path: `${PACKAGES.prometheusOperator.name}/${apiVersion}/${kind}`, pkg: PACKAGES.prometheusOperator };
  if (isBuiltInGroup(group)) return { path: `${PACKAGES.core.name}/${apiVersion}/${kind}`, pkg: PACKAGES.core };
  return undefined;
}

/** The model class for an apiVersion and kind, or undefined when no installed package has one. */
export async function kindModel(apiVersion: string, kind: string): Promise<KindModel | undefined> {
  const key = `${apiVersion}/${kind}`;
  if (cache.has(key)) return cache.get(key) ?? undefined;
  const where = modulePath(apiVersion, kind);
  let found: KindModel | null = null;
  if (where) {
    try {
      const mod = (await import(where.path)) as Record<string, unknown>;
      const create = mod[kind];
      if (typeof create === 'function') found = { create: create as ModelClass, source: `${where.pkg.name} ${where.pkg.version()}` };
    } catch {
      found = null; // not in the package: the kind does not exist at this version
    }
  }
  cache.set(key, found);
  return found ?? undefined;
}

/** Validates with a model: the ajv errors it reports, [] when valid. */
export function modelErrors(model: KindModel, obj: Record<string, unknown>): ErrorObject[] {
  try {
    new model.create(obj).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors;
    if (Array.isArray(errors)) return errors;
    return [{ instancePath: '', schemaPath: '', keyword: 'model', params: {}, message: (err as Error).message }];
  }
}
