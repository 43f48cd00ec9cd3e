/**
 * How KEDA's Prometheus scaler turns an instant-query result into a trigger
 * value, after kedacore/keda pkg/scalers/prometheus_scaler.go (ExecutePromQuery,
 * GetMetricsAndActivity) and pkg/scalers/scaler.go (GenerateMetricInMili,
 * quantityFromFloat64).
 */

/** One element of an instant vector: `{ metric, value: [unixSeconds, "1.5"] }`. */
export interface PromVectorElement {
  metric?: Readonly<Record<string, string>>;
  value?: ReadonlyArray<number | string | null>;
}

/** The outcome of one query: the result array, or a transport/HTTP error. */
export type PromQueryOutcome = { result: readonly PromVectorElement[] } | { error: string };

/** The value the scaler reports, or why it failed. */
export type TriggerValue = { value: number } | { error: string };

/**
 * ExecutePromQuery's checks: 0 elements → 0 with ignoreNullValues else an error;
 * more than 1 → "returned multiple elements"; NaN or ±Inf → 0 with
 * ignoreNullValues else an error. A null sample value stays at upstream's -1.
 */
export function promTriggerValue(outcome: PromQueryOutcome, query: string, ignoreNullValues = true): TriggerValue {
  if ('error' in outcome) return { error: outcome.error };
  const elements = outcome.result;
  if (elements.length === 0) {
    return ignoreNullValues ? { value: 0 } : { error: "prometheus metrics 'prometheus' target may be lost, the result is empty" };
  }
  if (elements.length > 1) return { error: `prometheus query ${query} returned multiple elements` };
  const pair = elements[0]!.value ?? [];
  if (pair.length === 0) {
    return ignoreNullValues ? { value: 0 } : { error: "prometheus metrics 'prometheus' target may be lost, the value list is empty" };
  }
  if (pair.length < 2) return { error: `prometheus query ${query} didn't return enough values` };
  const raw = pair[1];
  let v = -1;
  if (raw !== null && raw !== undefined) {
    const parsed = parseGoFloat(String(raw));
    if (parsed === undefined) return { error: `strconv.ParseFloat: parsing "${String(raw)}": invalid syntax` };
    v = parsed;
  }
  if (!Number.isFinite(v)) return ignoreNullValues ? { value: 0 } : { error: `prometheus query returns ${goFloatText(v)}` };
  return { value: v };
}

/** GetMetricsAndActivity: active only when the value is strictly greater than activationThreshold. */
export function isTriggerActive(value: number, activationThreshold: number): boolean {
  return value > activationThreshold;
}

/**
 * quantityFromFloat64: what the external metrics API serves, formatted "%.3f";
 * NaN, ±Inf and negative values become 0. (Go rounds an exact tie half to even,
 * toFixed half up; ties need a binary value exactly at .0005 and do not occur in practice.)
 */
export function metricQuantity(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Number(value.toFixed(3));
}

/** The decimal, NaN and Inf forms of strconv.ParseFloat that Prometheus emits. */
function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function goFloatText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}
