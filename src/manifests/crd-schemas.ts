import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { isPlainObject } from '../util/is-object.js';

/**
 * Custom resource schemas: the openAPIV3Schema of each served version of
 * each CustomResourceDefinition (read from files, or handed over by the
 * kubernetes target from the cluster), compiled with ajv as the API server
 * applies it: unknown fields are errors (kubectl's default
 * --validate=strict, server-side field validation), int-or-string,
 * embedded resources, list-map keys and sets are honoured, int32/int64 ranges
 * checked. metadata is left to object-meta.ts. CEL rules
 * (x-kubernetes-validations) are not evaluated: they are counted.
 */

type Schema = Record<string, unknown>;
/** ajv's code.regExp option: a RegExp factory. */
type RegExpEngine = ((pattern: string, u: string) => { test: (s: string) => boolean }) & { code: string };

/** One kind's schema, ready to validate. */
export interface CrdKind {
  group: string;
  version: string;
  kind: string;
  /** `scaledobjects.keda.sh` */
  crdName: string;
  /** Where the CRD came from: a file path, or "the cluster". */
  origin: string;
  /** x-kubernetes-validations rules in the schema (not evaluated here). */
  celRules: number;
  /** The schema's errors for an object ([] when valid). */
  errors(obj: Record<string, unknown>): ErrorObject[];
}

const COMBINATORS = ['anyOf', 'allOf', 'oneOf', 'not'];

/** The structural schema as ajv should apply it; `branch` inside anyOf/allOf/oneOf/not (value validations only). */
export function toAjvSchema(s: Schema, branch = false, root = false): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description' || k === 'example' || k === 'default') continue;
    // A sub-schema that is no mapping is left as it is: ajv refuses it when it compiles.
    if (k === 'properties' && isPlainObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, isPlainObject(sub) ? toAjvSchema(sub) : sub]));
    } else if ((k === 'items' || k === 'additionalProperties') && isPlainObject(v)) {
      out[k] = toAjvSchema(v, branch);
    } else if (COMBINATORS.includes(k)) {
      const one = (sub: unknown): unknown => (isPlainObject(sub) ? toAjvSchema(sub, true) : sub);
      out[k] = Array.isArray(v) ? v.map(one) : one(v);
    } else out[k] = v;
  }
  if (s['x-kubernetes-int-or-string'] === true && !s.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  if (s['x-kubernetes-embedded-resource'] === true) {
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...(isPlainObject(out.properties) ? out.properties : {}),
    };
  }
  if (root)
    out.properties = {
      ...(isPlainObject(out.properties) ? out.properties : {}),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
    };
  // Structural schemas prune unknown fields; a strict client (kubectl's default) is told about them: here, an error.
  if (!branch && out.properties && out.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true)
    out.additionalProperties = false;
  return out;
}

function countCel(s: unknown): number {
  if (!s || typeof s !== 'object') return 0;
  const rules = isPlainObject(s) ? s['x-kubernetes-validations'] : undefined;
  const own = Array.isArray(rules) ? rules.length : 0;
  return own + Object.values(s).reduce<number>((n, v) => n + countCel(v), 0);
}

/**
 * CRD patterns are Go RE2 (the API server's regexp): the inline `(?i)` flag
 * becomes JavaScript's `i`; a pattern JavaScript cannot compile is not checked.
 */
const re2: RegExpEngine = Object.assign(
  (pattern: string, u: string) => {
    const insensitive = pattern.includes('(?i)');
    const source = pattern.replaceAll('(?i)', '');
    for (const flags of [`${u}${insensitive ? 'i' : ''}`, insensitive ? 'i' : '']) {
      try {
        return new RegExp(source, flags);
      } catch {
        // try without the unicode flag, then give up on this pattern
      }
    }
    return { test: () => true };
  },
  { code: 'new RegExp' },
);

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, logger: false, code: { regExp: re2 } });
  const range = (min: number, max: number) => ({ type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= min && n <= max });
  ajv.addFormat('int32', range(-(2 ** 31), 2 ** 31 - 1));
  ajv.addFormat('int64', range(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  for (const f of ['int-or-string', 'double', 'float', 'password', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'date', 'duration'])
    ajv.addFormat(f, true);
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-map-keys',
    type: 'array',
    schemaType: 'array',
    errors: false,
    // A list-map's entries are unique by their keys (apiextensions: x-kubernetes-list-type: map).
    validate: (keys: string[], data: unknown[]) =>
      new Set(data.map((e) => JSON.stringify(keys.map((k) => (isPlainObject(e) ? e[k] : undefined))))).size === data.length,
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    schemaType: 'string',
    errors: false,
    validate: (kind: string, data: unknown[]) => kind !== 'set' || new Set(data.map((e) => JSON.stringify(e))).size === data.length,
  });
  for (const k of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-int-or-string',
    'x-kubernetes-map-type',
    'x-kubernetes-validations',
  ])
    ajv.addKeyword(k);
  return ajv;
}

interface Entry {
  group: string;
  version: string;
  kind: string;
  crdName: string;
  origin: string;
  schema: Schema;
}

/** A List (`kubectl get crd -o yaml`): its items are read one by one. */
const listSchema = z.looseObject({ kind: z.string().endsWith('List'), items: z.array(z.unknown()) });
const isCrd = z.looseObject({ kind: z.literal('CustomResourceDefinition') });
const crdName = z.looseObject({ metadata: z.looseObject({ name: z.string() }) });
/** What is read of a CustomResourceDefinition (apiextensions.k8s.io/v1): its group, kind, and each version's schema. */
const crdSchema = z.looseObject({
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.looseObject({ name: z.string().optional() }).optional(),
  spec: z.looseObject({
    group: z.string().min(1),
    names: z.looseObject({ kind: z.string().min(1) }),
    versions: z
      .array(
        z.looseObject({
          name: z.string().min(1),
          schema: z.looseObject({ openAPIV3Schema: z.record(z.string(), z.unknown()).optional() }).optional(),
        }),
      )
      .optional(),
  }),
});

/** The CRD schemas scalebench validates custom resources against; compiled lazily, once per kind. */
export class CrdSchemas {
  private readonly compiled = new Map<string, ValidateFunction>();
  private ajv: Ajv | undefined;

  private constructor(private readonly entries: Map<string, Entry>) {}

  /** From CustomResourceDefinition objects (or Lists of them); anything else is ignored. */
  static fromObjects(objects: readonly unknown[], origin: string): CrdSchemas {
    const entries = new Map<string, Entry>();
    const add = (o: unknown): void => {
      const list = listSchema.safeParse(o);
      if (list.success) {
        for (const item of list.data.items) add(item);
        return;
      }
      if (!isCrd.safeParse(o).success) return; // not a CRD: ignored
      const r = crdSchema.safeParse(o);
      if (!r.success) {
        const issue = r.error.issues[0];
        const name = crdName.safeParse(o);
        throw new UserError(
          `${origin}: CustomResourceDefinition ${name.success ? name.data.metadata.name : '(no name)'}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unreadable'}: give the CRD as the API server serves it (kubectl get crd <name> -o yaml)`,
        );
      }
      const crd = r.data;
      for (const v of crd.spec.versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        entries.set(key, { group: crd.spec.group, version: v.name, kind: crd.spec.names.kind, crdName: crd.metadata?.name ?? key, origin, schema });
      }
    };
    objects.forEach(add);
    return new CrdSchemas(entries);
  }

  /** Every CRD in the YAML/JSON files of a directory (recursively) or one file; a missing path is a UserError. */
  static fromPath(path: string): CrdSchemas {
    if (!existsSync(path))
      throw new UserError(
        `--crds ${path}: no such file or directory: give a folder of CustomResourceDefinition YAML files (such as \`kubectl get crd -o yaml\` writes)`,
      );
    const files = statSync(path).isDirectory() ? listFiles(path) : [path];
    const all = new CrdSchemas(new Map());
    for (const f of files) {
      const docs = parseAllDocuments(readFileSync(f, 'utf8'));
      const objects = (Array.isArray(docs) ? docs : []).map((d) => d.toJS({ maxAliasCount: -1 }) as unknown);
      for (const [k, e] of CrdSchemas.fromObjects(objects, f).entries) all.entries.set(k, e);
    }
    return all;
  }

  /** No schemas: custom resources are reported as not checked. */
  static none(): CrdSchemas {
    return new CrdSchemas(new Map());
  }

  /** `group/version/Kind` of every schema held, sorted. */
  kinds(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The schema of a kind, or undefined when none was given. */
  lookup(apiVersion: string, kind: string): CrdKind | undefined {
    const key = `${apiVersion}/${kind}`;
    const known = this.kindsSeen.get(key);
    if (known) return known;
    const e = this.entries.get(key);
    if (!e) return undefined;
    // Prepared once per kind: the structural schema and the CEL count walk the whole (large) schema.
    const structural = toAjvSchema(e.schema, false, true);
    const k: CrdKind = {
      group: e.group,
      version: e.version,
      kind: e.kind,
      crdName: e.crdName,
      origin: e.origin,
      celRules: countCel(e.schema),
      errors: (obj) => this.run(key, structural, obj),
    };
    this.kindsSeen.set(key, k);
    return k;
  }

  private readonly kindsSeen = new Map<string, CrdKind>();

  /**
   * Validates against the schema cut down to the top-level and spec fields
   * the object has (a field it lacks cannot be wrong; one the schema lacks is
   * still unknown): compiling KServe's whole InferenceService schema takes
   * seconds, its predictor alone a third of that. Compiled once per shape.
   */
  private run(key: string, structural: Schema, obj: Record<string, unknown>): ErrorObject[] {
    const spec = obj.spec && typeof obj.spec === 'object' && !Array.isArray(obj.spec) ? Object.keys(obj.spec).sort() : [];
    const shape = `${key}|${Object.keys(obj).sort().join(',')}|${spec.join(',')}`;
    let validate = this.compiled.get(shape);
    if (!validate) {
      const pick = (props: unknown, keys: string[]): Schema | undefined =>
        props && typeof props === 'object' ? Object.fromEntries(Object.entries(props).filter(([k]) => keys.includes(k))) : undefined;
      const root = { ...structural, properties: pick(structural.properties, ['apiVersion', 'kind', 'metadata', ...Object.keys(obj)]) };
      const specSchema = root.properties?.spec;
      if (root.properties && isPlainObject(specSchema) && specSchema.properties)
        root.properties.spec = { ...specSchema, properties: pick(specSchema.properties, spec) };
      this.ajv ??= newAjv();
      validate = this.ajv.compile(root);
      this.compiled.set(shape, validate);
    }
    return validate(obj) ? [] : [...(validate.errors ?? [])];
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return listFiles(path);
      return /\.(ya?ml|json)$/.test(name) ? [path] : [];
    });
}
