import { z } from 'zod';
import { didYouMean } from '../util/did-you-mean.js';
import { isPlainObject } from '../util/is-object.js';

/** A path into the matrix document: keys and list indexes. */
export type DocPath = (string | number)[];

/**
 * One problem with a matrix, before it is given a file position. The message
 * says what was expected and what was found ("expected …, got …").
 */
export interface MatrixIssue {
  path: DocPath;
  message: string;
  /** Point at the key of the last path element, not its value (unknown fields). */
  atKey?: boolean;
}

/** `a.b[1].c` */
export function formatPath(path: DocPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The value at a path of plain data, or undefined when any step is missing. */
export function valueAt(data: unknown, path: DocPath): unknown {
  let v = data;
  for (const key of path) {
    if (Array.isArray(v) && typeof key === 'number') v = v[key];
    else if (isPlainObject(v)) v = v[key];
    else return undefined;
  }
  return v;
}

/** What was found, for "got …": `"five"`, `-3`, `a list`, `nothing`. */
export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** `"a" | "b"` */
export function oneOf(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(' | ');
}

type Schema = z.core.$ZodType;

function unwrap(s: Schema): Schema {
  return s instanceof z.ZodOptional ? unwrap(s.unwrap()) : s;
}

/** The option of a discriminated union that the data selects. */
function pick(s: Schema, data: unknown): Schema | undefined {
  if (!(s instanceof z.ZodDiscriminatedUnion)) return s;
  const key = s.def.discriminator;
  const tag = valueAt(data, [key]);
  return s.options.find((o) => {
    const lit = o instanceof z.ZodObject ? unwrap(o.shape[key] as Schema) : undefined;
    return lit instanceof z.ZodLiteral && lit.values.has(tag as z.core.util.Literal);
  });
}

/** The schema that validates the value at `path` of `data`, if it can be told. */
export function schemaAt(root: Schema, data: unknown, path: DocPath): Schema | undefined {
  let s: Schema | undefined = root;
  for (let i = 0; i <= path.length && s; i++) {
    const here = unwrap(s);
    s = pick(here, valueAt(data, path.slice(0, i)));
    // A union with nothing to pick by still describes the missing value ("a mapping").
    if (i === path.length) return s ?? here;
    if (!s) break;
    const key = path[i]!;
    if (s instanceof z.ZodObject && typeof key === 'string') s = s.shape[key] as Schema | undefined;
    else if (s instanceof z.ZodArray && typeof key === 'number') s = s.element as Schema;
    else s = undefined;
  }
  return s;
}

function jsonSchema(s: Schema): Record<string, unknown> {
  try {
    return z.toJSONSchema(s) as Record<string, unknown>;
  } catch {
    return {}; // not representable: describe it without its bounds
  }
}

function describeNumber(s: Schema): string {
  const js = jsonSchema(s) as { type?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number };
  const int = js.type === 'integer';
  const max = js.maximum !== undefined && js.maximum < Number.MAX_SAFE_INTEGER ? js.maximum : undefined;
  const noun = int ? 'an integer' : 'a number';
  if (js.minimum !== undefined && max !== undefined) return `${noun} from ${js.minimum} to ${max}`;
  if (max !== undefined && js.exclusiveMinimum !== undefined) return `${noun} > ${js.exclusiveMinimum} and <= ${max}`;
  if (js.exclusiveMinimum === 0 || (int && js.minimum === 1)) return int ? 'a positive integer' : 'a positive number';
  if (js.exclusiveMinimum !== undefined) return `${noun} > ${js.exclusiveMinimum}`;
  if (js.minimum !== undefined) return `${noun} >= ${js.minimum}`;
  return noun;
}

/** What a schema accepts, in words: "a positive integer", "a list", `one of "a" | "b"`. */
export function describeSchema(s: Schema | undefined): string | undefined {
  if (!s) return undefined;
  s = unwrap(s);
  if (s instanceof z.ZodNumber) return describeNumber(s);
  if (s instanceof z.ZodURL) return 'a URL';
  if (s instanceof z.ZodString) return (s.minLength ?? 0) > 0 ? 'a non-empty string' : 'a string';
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodArray) return ((jsonSchema(s).minItems as number | undefined) ?? 0) > 0 ? 'a non-empty list' : 'a list';
  if (s instanceof z.ZodObject || s instanceof z.ZodDiscriminatedUnion) return 'a mapping';
  if (s instanceof z.ZodEnum) return `one of ${oneOf(s.options)}`;
  if (s instanceof z.ZodLiteral) return oneOf([...s.values]);
  if (s instanceof z.ZodUnion) return s.options.map((o: Schema) => describeSchema(o) ?? 'something else').join(', or ');
  return undefined;
}

/** The literal alternatives of a union schema (`"until-idle"`), for messages on its other branch. */
function literalAlternatives(s: Schema | undefined): string {
  const u = s && unwrap(s);
  if (!(u instanceof z.ZodUnion) || u instanceof z.ZodDiscriminatedUnion) return '';
  const lits = u.options.flatMap((o: Schema) => (o instanceof z.ZodLiteral ? [...o.values] : []));
  return lits.length ? `, or ${oneOf(lits)}` : '';
}

const own = (m: string): string | undefined => (m.startsWith('expected ') ? m : undefined);

/** "expected …" for one branch issue of a failed plain union. */
function branchExpectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return oneOf(issue.values);
  return own(issue.message)?.slice('expected '.length) ?? issue.message;
}

/**
 * Turns zod's issues about `data` into matrix issues with readable messages:
 * one per unknown key, each "expected …, got <the value found in data>".
 */
export function fromZodIssues(root: Schema, data: unknown, issues: readonly z.core.$ZodIssue[]): MatrixIssue[] {
  const out: MatrixIssue[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    // One problem per value: "50 ms" is not a duration, whether or not it is greater than zero.
    const where = issue.code === 'unrecognized_keys' ? undefined : JSON.stringify(path);
    if (where !== undefined && seen.has(where)) continue;
    if (where !== undefined) seen.add(where);
    const got = `got ${describeValue(valueAt(data, path))}`;
    const schema = schemaAt(root, data, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
        const here = valueAt(data, path);
        const present = isPlainObject(here) ? Object.keys(here) : [];
        const free = allowed.filter((k) => !present.includes(k));
        for (const key of issue.keys) {
          out.push({ path: [...path, key], atKey: true, message: `unknown field "${key}"${didYouMean(key, free)}` });
        }
        break;
      }
      case 'invalid_union': {
        const value = valueAt(data, path);
        if ('discriminator' in issue && issue.discriminator !== undefined) {
          const options = (issue as { options?: unknown[] }).options ?? [];
          const hint = typeof value === 'string' ? didYouMean(value, options.map(String)) : '';
          out.push({ path, message: `expected ${issue.discriminator} to be one of ${oneOf(options)}, ${got}${hint}` });
        } else {
          const alternatives = issue.errors.map((branch) => branch.map(branchExpectation).join(' and '));
          out.push({ path, message: `expected ${alternatives.join(', or ')}, ${got}` });
        }
        break;
      }
      case 'invalid_value': {
        const value = valueAt(data, path);
        const hint = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : '';
        const expected = issue.values.length === 1 ? oneOf(issue.values) : `one of ${oneOf(issue.values)}`;
        out.push({ path, message: `expected ${expected}, ${got}${hint}` });
        break;
      }
      default: {
        const expected = own(issue.message) ?? `expected ${describeSchema(schema) ?? issue.message}`;
        const more = issue.code === 'custom' || issue.code === 'invalid_format' ? literalAlternatives(schema) : '';
        out.push({ path, message: `${expected}${more}, ${got}` });
      }
    }
  }
  return out;
}
