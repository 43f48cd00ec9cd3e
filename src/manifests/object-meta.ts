/**
 * The checks the API server makes on every object's metadata, whatever its
 * kind (k8s.io/apimachinery pkg/api/validation/objectmeta.go and
 * pkg/util/validation/validation.go): names, namespaces, label and annotation
 * keys and values. kubernetes-models and CRD schemas type metadata only.
 */

import { isPlainObject } from '../util/is-object.js';

/** One problem at a path into the object. */
export interface PathIssue {
  path: (string | number)[];
  message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kinds whose names must be DNS-1035 labels (ValidateServiceName). */
const DNS1035_KINDS = new Set(['Service']);

/** Why a label or annotation key is invalid (IsQualifiedName), or undefined. */
export function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'expected at most one "/" (an optional DNS prefix, then a name)';
  const name = parts[parts.length - 1]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
    return `prefix "${prefix}" must be a DNS subdomain (lower case, at most 253)`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) return `name "${name}" must be 1 to 63 of [A-Za-z0-9-_.], alphanumeric at both ends`;
  return undefined;
}

function stringMap(meta: Record<string, unknown>, field: 'labels' | 'annotations', issues: PathIssue[]): void {
  const map = meta[field];
  if (map === undefined) return;
  if (!map || typeof map !== 'object' || Array.isArray(map)) {
    issues.push({ path: ['metadata', field], message: 'must be a mapping of strings to strings' });
    return;
  }
  let size = 0;
  for (const [k, v] of Object.entries(map)) {
    const at = ['metadata', field, k];
    const bad = keyProblem(k);
    if (bad) issues.push({ path: at, message: `invalid key: ${bad}` });
    if (typeof v !== 'string') {
      issues.push({ path: at, message: `must be a string, got ${JSON.stringify(v)} (quote it in YAML)` });
      continue;
    }
    size += k.length + v.length;
    if (field === 'labels' && (v.length > 63 || !LABEL_VALUE.test(v))) {
      issues.push({ path: at, message: `invalid label value ${JSON.stringify(v)}: at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends` });
    }
  }
  // ValidateAnnotations: the total size is at most 256 KiB.
  if (field === 'annotations' && size > 256 * 1024) issues.push({ path: ['metadata', field], message: `total size ${size} B is over 262144 B` });
}

/** The metadata checks for one object; `namespaced` false for cluster-scoped kinds. */
export function objectMetaIssues(obj: Record<string, unknown>, kind: string): PathIssue[] {
  const issues: PathIssue[] = [];
  const meta = obj.metadata;
  if (!isPlainObject(meta)) return [{ path: ['metadata'], message: 'missing required field "metadata"' }];
  const m = meta;
  const name = m.name;
  if (typeof name !== 'string' || name === '') {
    if (typeof m.generateName !== 'string') issues.push({ path: ['metadata'], message: 'missing required field "name"' });
  } else if (DNS1035_KINDS.has(kind)) {
    if (name.length > 63 || !DNS1035_LABEL.test(name))
      issues.push({ path: ['metadata', 'name'], message: `a ${kind} name must be a DNS-1035 label (a letter, then [a-z0-9-], at most 63), got "${name}"` });
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    issues.push({
      path: ['metadata', 'name'],
      message: `must be a DNS subdomain (lower case [a-z0-9-.], alphanumeric at both ends, at most 253), got "${name}"`,
    });
  }
  if (m.namespace !== undefined && (typeof m.namespace !== 'string' || m.namespace.length > 63 || !DNS1123_LABEL.test(m.namespace))) {
    issues.push({ path: ['metadata', 'namespace'], message: `must be a DNS label (lower case [a-z0-9-], at most 63), got ${JSON.stringify(m.namespace)}` });
  }
  stringMap(m, 'labels', issues);
  stringMap(m, 'annotations', issues);
  return issues;
}
