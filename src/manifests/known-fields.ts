import { MissingToolError } from '../util/errors.js';
import { pinnedVersion } from '../util/package-json.js';
import type { PathIssue } from './object-meta.js';

/**
 * Unknown fields of built-in kinds. kubernetes-models' validators check
 * types but let any field through, while the API server refuses an unknown
 * field under strict field validation (kubectl's default) and drops it
 * otherwise: a misspelt `replica:` would pass unnoticed. The field names
 * come from @kubernetes/client-node's models (generated from the same
 * Kubernetes OpenAPI), walked along the object.
 */

interface Attribute {
  baseName: string;
  type: string;
}
type Models = Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;

const PACKAGE = '@kubernetes/client-node';

/** What checked the field names, for reports (its pinned version, from package.json). */
export const knownFieldsSource = (): string => `${PACKAGE} ${pinnedVersion(PACKAGE)} (field names)`;

let models: Promise<Models> | undefined;
// Only the generated models: the client itself (HTTP, auth) is not needed here.
const loadModels = (): Promise<Models> =>
  (models ??= (import(`${PACKAGE}/dist/gen/models/all.js`) as Promise<Models>).catch(() => {
    throw new MissingToolError(PACKAGE, `not installed (validate reads the Kubernetes API's field names from it)`);
  }));

/** An unknown field, as the CRD schemas and the built-in models both report it. */
export function unknownField(path: (string | number)[], name: string): PathIssue {
  return { path: [...path, name], message: `unknown field "${name}" (the API server drops it, or refuses it with strict field validation)` };
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The model of a kind: `V1Deployment` for apps/v1 Deployment; where two
 * groups share a kind the generator prefixes the group (`CoreV1Event`,
 * `EventsV1Event`).
 */
function rootModel(all: Models, apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const plain = `${capitalise(version!)}${kind}`;
  const prefixed = `${capitalise(group ? group.split('.')[0]! : 'core')}${plain}`;
  return [prefixed, plain].find((name) => all[name]?.getAttributeTypeMap?.().some((a) => a.baseName === 'kind'));
}

function walk(all: Models, type: string, value: unknown, path: (string | number)[], out: PathIssue[]): void {
  if (value === null || typeof value !== 'object') return; // wrong types are the validators' to report
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(all, array[1]!, v, [...path, i], out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(all, map[1]!, v, [...path, k], out);
    return;
  }
  const attributes = all[type]?.getAttributeTypeMap?.();
  if (!attributes || Array.isArray(value)) return; // a primitive, IntOrString, Date, any: nothing to walk
  const byName = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const sub = byName.get(k);
    if (sub === undefined) out.push(unknownField(path, k));
    else walk(all, sub, v, [...path, k], out);
  }
}

/** The unknown fields of a built-in object, or undefined when the package has no model of its kind. */
export async function unknownFields(apiVersion: string, kind: string, obj: Record<string, unknown>): Promise<PathIssue[] | undefined> {
  const all = await loadModels();
  const root = rootModel(all, apiVersion, kind);
  if (!root) return undefined;
  const out: PathIssue[] = [];
  walk(all, root, obj, [], out);
  return out;
}
