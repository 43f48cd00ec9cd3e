import type { ErrorObject } from 'ajv';
import { isPlainObject } from '../util/is-object.js';
import { describeValue, formatPath, valueAt } from '../matrix/issues.js';
import { isBuiltInGroup, kindModel, modelErrors } from './core-kinds.js';
import type { CrdSchemas } from './crd-schemas.js';
import { knownFieldsSource, unknownField, unknownFields } from './known-fields.js';
import { objectMetaIssues, type PathIssue } from './object-meta.js';

/**
 * Validates one object: metadata as the API server checks it, built-in and
 * prometheus-operator kinds with their kubernetes-models (and the field
 * names of built-in kinds, see known-fields.ts), custom resources
 * (KServe, KEDA, prometheus-operator too when given) against CRD schemas.
 * A custom resource with no schema is "unchecked", with how to supply one.
 */

export type ObjectStatus = 'valid' | 'invalid' | 'unchecked';

export interface ObjectVerdict {
  status: ObjectStatus;
  /** What checked it: "kubernetes-models 4.5.0", "CRD scaledobjects.keda.sh (<file>)". */
  checkedWith: string[];
  issues: PathIssue[];
  /** For unchecked objects: how to supply a schema. */
  hint?: string;
}

/** Where the CRDs of well-known groups are published, for the hint. */
const CRD_SOURCES: Record<string, string> = {
  'keda.sh': 'kedacore/keda config/crd/bases/',
  'serving.kserve.io': 'kserve/kserve config/crd/full/',
  'monitoring.coreos.com': 'prometheus-operator/prometheus-operator example/prometheus-operator-crd/',
};

function segments(instancePath: string, data: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let node = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const key = Array.isArray(node) && /^\d+$/.test(seg) ? Number(seg) : seg;
    out.push(key);
    node = Array.isArray(node) && typeof key === 'number' ? node[key] : isPlainObject(node) ? node[key] : undefined;
  }
  return out;
}

/** ajv's error as "path: what was expected, got what": one per problem, anyOf branches folded. */
export function fromAjvErrors(errors: readonly ErrorObject[], data: unknown): PathIssue[] {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: PathIssue[] = [];
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && /\/anyOf\/\d+\//.test(e.schemaPath) && anyOfAt.has(e.instancePath)) continue;
    const path = segments(e.instancePath, data);
    const got = `got ${describeValue(valueAt(data, path))}`;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push({ path, message: `missing required field "${String(p.missingProperty)}"` });
        break;
      case 'additionalProperties':
        out.push(unknownField(path, String(p.additionalProperty)));
        break;
      case 'enum':
        out.push({ path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(' | ')}, ${got}` });
        break;
      case 'anyOf': {
        const types = ((e.parentSchema as { anyOf?: Array<{ type?: string }> } | undefined)?.anyOf ?? []).map((b) => b.type).filter(Boolean);
        out.push({ path, message: types.length ? `must be ${types.join(' or ')}, ${got}` : `${e.message ?? 'is invalid'}, ${got}` });
        break;
      }
      case 'x-kubernetes-list-map-keys':
        out.push({ path, message: 'has entries with the same key: each must be unique (x-kubernetes-list-type: map)' });
        break;
      default:
        out.push({ path, message: `${e.message ?? 'is invalid'}, ${got}` });
    }
  }
  return dedupe(out);
}

function hintFor(apiVersion: string, kind: string): string {
  const group = apiVersion.split('/')[0]!;
  const from = CRD_SOURCES[group] ? ` (its CRD file is published in ${CRD_SOURCES[group]})` : '';
  return `no schema for ${kind} (${apiVersion}): give --crds <dir> holding its CustomResourceDefinition${from}, or write the cluster's with \`kubectl get crd -o yaml > <dir>/crds.yaml\``;
}

/** Validates one parsed object. */
export async function validateObject(value: unknown, schemas: CrdSchemas): Promise<ObjectVerdict> {
  if (!isPlainObject(value)) {
    return { status: 'invalid', checkedWith: [], issues: [{ path: [], message: `expected a Kubernetes object (a mapping), got ${describeValue(value)}` }] };
  }
  const obj = value;
  const { apiVersion: av, kind: k } = obj;
  if (typeof av !== 'string' || typeof k !== 'string') {
    const missing = [typeof av === 'string' ? '' : 'apiVersion', typeof k === 'string' ? '' : 'kind'].filter(Boolean);
    return { status: 'invalid', checkedWith: [], issues: missing.map((f) => ({ path: [], message: `missing required field "${f}"` })) };
  }
  const issues = objectMetaIssues(obj, k);
  const checkedWith: string[] = [];
  const crd = schemas.lookup(av, k);
  if (crd) {
    checkedWith.push(`CRD ${crd.crdName} (${crd.origin})${crd.celRules ? `, ${crd.celRules} CEL rule${crd.celRules > 1 ? 's' : ''} not evaluated` : ''}`);
    issues.push(...fromAjvErrors(crd.errors(obj), obj));
  }
  const model = await kindModel(av, k);
  if (model) {
    checkedWith.push(model.source);
    issues.push(...fromAjvErrors(modelErrors(model, obj), obj));
    const unknown = await unknownFields(av, k, obj); // built-in kinds only
    if (unknown) {
      checkedWith.push(knownFieldsSource());
      issues.push(...unknown);
    }
  }
  const unique = dedupe(issues);
  if (checkedWith.length === 0) {
    const group = av.includes('/') ? av.split('/')[0]! : '';
    if (isBuiltInGroup(group)) {
      return {
        status: 'invalid',
        checkedWith,
        issues: [...unique, { path: ['kind'], message: `no kind "${k}" in ${av} (not a built-in kind that kubernetes-models knows)` }],
      };
    }
    return { status: unique.length ? 'invalid' : 'unchecked', checkedWith: ['metadata only'], issues: unique, hint: hintFor(av, k) };
  }
  return { status: unique.length ? 'invalid' : 'valid', checkedWith, issues: unique };
}

/** Each path and message once (a model and a CRD often report the same thing). */
function dedupe(issues: PathIssue[]): PathIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${formatPath(i.path)}\u0000${i.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
