import { NumberHeap } from './heap.js';
import type { ServiceModel } from './service.js';

/**
 * One simulated replica as llm-d-inference-sim serves: max_num_seqs slots
 * and a FIFO queue. A request admitted with r running waits its TTFT
 * (computed once, at admission, with r itself included, as the simulator's
 * GetTimeToFirstToken does), then decodes its other tokens; every decoding
 * request advances one token per ITL(r) where r is the running count of the
 * moment (the simulator draws each inter-token wait with the count of its
 * start: here the count is followed continuously). All decoding requests on a
 * replica move at the same pace, so one token clock V (tokens per request so
 * far) serves them all: a request ends when V reaches its own finish point.
 */

export const ReplicaPhase = { starting: 0, ready: 1, draining: 2, gone: 3 } as const;
export type ReplicaPhaseCode = (typeof ReplicaPhase)[keyof typeof ReplicaPhase];

export interface SimRequest {
  /** Sent, simulated ms. */
  start: number;
  /** When an open-loop request was due; NaN for closed loops. */
  sched: number;
  prompt: number;
  output: number;
  main: boolean;
  /** First token, simulated ms (NaN until then). */
  firstToken: number;
  replica: SimReplica | undefined;
  /** The closed-loop user that sent it, or -1. */
  vu: number;
}

export class SimReplica {
  phase: ReplicaPhaseCode = ReplicaPhase.starting;
  readyAt = NaN;
  /** When Prometheus's discovery hands it to the scrape manager (scraped from the next scrape on). */
  discoveredAt = NaN;
  /** Requests admitted (prefill or decode), as vllm:num_requests_running. */
  running = 0;
  /** Requests the router sent and not yet answered (running + waiting). */
  routed = 0;
  private readonly queue: SimRequest[] = [];
  private qHead = 0;
  /** Output tokens produced so far (the CPU model's input). */
  tokens = 0;
  /** The token clock: tokens each decoding request has produced since V = 0. */
  private v = 0;
  private lastT: number;
  /** Tokens per ms per decoding request. */
  private rate: number;
  private readonly decoding = new NumberHeap<SimRequest>();
  /** Bumped on every reschedule; a decode event of an older version is stale. */
  version = 0;

  constructor(
    readonly name: string,
    readonly startedAt: number,
    private readonly service: ServiceModel,
  ) {
    this.lastT = startedAt;
    this.rate = 1 / Math.max(1e-9, service.itlMs(1));
  }

  get waiting(): number {
    return this.queue.length - this.qHead;
  }

  /** Takes a request: admitted (returns its TTFT) or queued (returns undefined). */
  accept(req: SimRequest, t: number, ttftNoise: number): number | undefined {
    this.routed++;
    req.replica = this;
    if (this.running < this.service.maxNumSeqs) return this.admit(req, t, ttftNoise);
    this.queue.push(req);
    return undefined;
  }

  private admit(req: SimRequest, t: number, ttftNoise: number): number {
    this.advance(t);
    this.running++;
    this.rate = 1 / Math.max(1e-9, this.service.itlMs(this.running));
    return Math.max(0, this.service.ttftMs(this.running, req.prompt) + ttftNoise);
  }

  /** The next queued request, admitted now, with its TTFT; undefined when none waits or no slot is free. */
  admitNext(t: number, ttftNoise: () => number): { req: SimRequest; ttftMs: number } | undefined {
    if (this.waiting === 0 || this.running >= this.service.maxNumSeqs) return undefined;
    const req = this.queue[this.qHead]!;
    this.queue[this.qHead++] = undefined as unknown as SimRequest;
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
    return { req, ttftMs: this.admit(req, t, ttftNoise()) };
  }

  /** The first token is out: the request decodes its other output − 1 tokens. */
  startDecode(req: SimRequest, t: number): void {
    this.advance(t);
    this.decoding.push(this.v + (req.output - 1), req);
  }

  /** A request has ended here (answered, or cut off): frees its slot. */
  release(req: SimRequest, t: number): void {
    this.advance(t);
    this.running--;
    this.routed--;
    this.tokens += req.output;
    this.rate = 1 / Math.max(1e-9, this.service.itlMs(Math.max(1, this.running)));
  }

  /** When the next decoding request ends at the current pace (Infinity: none decoding). */
  nextDecodeEnd(t: number): number {
    if (this.decoding.size === 0) return Infinity;
    this.advance(t);
    return t + Math.max(0, (this.decoding.minKey() - this.v) / this.rate);
  }

  /** Requests whose last token is out by `t`, removed from decoding. */
  finished(t: number, out: SimRequest[]): void {
    this.advance(t);
    // Within a microsecond of decoding counts as done: simulated times are epoch ms, whose ulp is about 0.2 µs.
    const eps = this.rate * 0.001 + 1e-9 * Math.max(1, Math.abs(this.v));
    while (this.decoding.size > 0 && this.decoding.minKey() <= this.v + eps) out.push(this.decoding.pop());
  }

  private advance(t: number): void {
    if (t > this.lastT) {
      this.v += (t - this.lastT) * this.rate;
      this.lastT = t;
    }
  }
}
