import { z } from 'zod';

/** One element of an instant vector (or a scalar, with no labels). */
export interface PromSample {
  labels: Record<string, string>;
  /** NaN stays NaN: an idle replica's quantile is "no sample", never zero. */
  value: number;
}

const sampleValue = z.tuple([z.number(), z.string()]);
const response = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue })) }),
      z.object({ resultType: z.literal('scalar'), result: sampleValue }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleValue) })) }),
      z.object({ resultType: z.literal('string'), result: sampleValue }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** A Prometheus API failure: unreachable, timed out, or an error answer. */
export class PromError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'timeout' | 'query' | 'protocol',
  ) {
    super(message);
    this.name = 'PromError';
  }
}

/** A small client for the Prometheus HTTP API, its answers checked at the boundary. */
export class PromClient {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** Instant query at `time` (ms since the epoch; default now). */
  async query(promql: string, time?: number): Promise<PromSample[]> {
    const params = new URLSearchParams({ query: promql });
    if (time !== undefined) params.set('time', (time / 1000).toFixed(3));
    let res: Response;
    try {
      res = await fetch(`${this.url}/api/v1/query`, {
        method: 'POST',
        body: params,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError') throw new PromError(`prometheus at ${this.url} did not answer within ${this.timeoutMs} ms`, 'timeout');
      throw new PromError(`prometheus at ${this.url} is unreachable: ${(e.cause as Error | undefined)?.message ?? e.message}`, 'unreachable');
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new PromError(`prometheus at ${this.url} answered HTTP ${res.status} without JSON`, 'protocol');
    }
    const parsed = response.safeParse(body);
    if (!parsed.success) throw new PromError(`prometheus at ${this.url}: unexpected answer shape`, 'protocol');
    const answer = parsed.data;
    if (answer.status === 'error') throw new PromError(`prometheus rejected the query ${promql}: ${answer.error}`, 'query');
    const data = answer.data;
    switch (data.resultType) {
      case 'vector':
        return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
      case 'scalar':
        return [{ labels: {}, value: Number(data.result[1]) }];
      case 'matrix':
      case 'string':
        throw new PromError(`query ${promql} returned a ${data.resultType}, expected an instant vector`, 'protocol');
    }
  }

  /** The single value of a query expected to return at most one element; undefined when empty or NaN. */
  async scalar(promql: string, time?: number): Promise<number | undefined> {
    const result = await this.query(promql, time);
    const v = result[0]?.value;
    return v === undefined || Number.isNaN(v) ? undefined : v;
  }
}
