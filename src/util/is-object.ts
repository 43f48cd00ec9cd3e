/**
 * Whether a value read from JSON or YAML is an object (not null, not a list):
 * then its members are `unknown` and each is checked where it is read. For
 * hot paths (a line of a trace or a pod's log) where a zod parse per line
 * would cost; elsewhere parsed data goes through its zod schema.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
