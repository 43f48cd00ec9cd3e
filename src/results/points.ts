import { z } from 'zod';

/**
 * Where a failed request's error came from (tools/k6/llmstream): its own
 * timeout; the load's end cutting it after the graceful stop; the connection
 * (refused, reset, closed); the router with no ready replica, or unable to
 * reach one; the server's error status; a malformed or early-ended stream.
 */
export const ERROR_SOURCES = ['timeout', 'aborted', 'connection', 'no_replica', 'upstream', 'http', 'stream'] as const;
export type ErrorSource = (typeof ERROR_SOURCES)[number];

const ms = z.number().nullable();

/**
 * One request as the scenario writes it to points.jsonl (one line each). `t`,
 * `phase` and `ok` are required; the rest default as older files lacked them.
 * The hot reader (point-lines.ts) decodes the common line itself and checks
 * the same rules byte by byte; a line it leaves comes here.
 */
export const pointSchema = z.object({
  /** Start (sent), ms since the epoch. */
  t: z.number(),
  /** When an open-loop request was due, ms since the epoch; null for closed-loop loads. */
  t_sched: ms.default(null),
  phase: z.string().min(1),
  ok: z.boolean(),
  status: z.number().default(0),
  error: z.string().nullable().default(null),
  /** One of ERROR_SOURCES for a failed request (older files: absent). */
  error_source: z.string().nullable().default(null),
  /** Time to the first token of any kind (reasoning or content). */
  ttft_ms: ms.default(null),
  /** Time to the first content token (equal to ttft_ms unless the model reasons first). */
  ttfc_ms: ms.default(null),
  tpot_ms: ms.default(null),
  /** NaN when the line has none (a request that never ended). */
  e2e_ms: ms.default(null).transform((v) => v ?? NaN),
  itl_ms: z.array(z.number()).default([]),
  prompt_tokens: ms.default(null),
  output_tokens: ms.default(null),
  /** Prompt tokens the server found in its prefix cache (usage.prompt_tokens_details.cached_tokens), when it reports them. */
  cached_tokens: ms.default(null),
  /** The k6 VU that sent it, and, for a scheduled load, what the schedule asked for and the conversation turn. */
  vu: z.number().optional(),
  target_prompt: z.number().optional(),
  target_output: z.number().optional(),
  session: z.string().optional(),
  turn: z.number().optional(),
});
type Parsed = z.output<typeof pointSchema>;
/** Fields older files lack: a point made in code (tests, the simulator) may leave them out too. */
type Later = 't_sched' | 'error' | 'error_source' | 'ttfc_ms' | 'cached_tokens';
/** A point as the analysis reads it: what pointSchema gives, or the same without the later fields. */
export type RawPoint = Omit<Parsed, Later> & Partial<Pick<Parsed, Later>>;
