import { normal, rng } from '../load/arrivals.js';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import type { Sample } from '../results/samples.js';
import type { PodInfo, PodSamples } from '../targets/local/autoscalers/pods.js';
import { SimAutoscaler, type ClusterView, type Gauge } from './autoscaler.js';
import { EventHeap, type SimEvent } from './heap.js';
import type { SimLoad } from './load.js';
import { ReplicaPhase, SimReplica, type SimRequest } from './replica.js';
import type { ServiceModel } from './service.js';
import { simTimingDefaults, type SimTiming } from './timing.js';
import type { EventInput, RunEvent } from '../results/events.js';

/**
 * One cell of a matrix as a discrete-event simulation of the local target:
 * replicas (replica.ts) behind the router's least-requests spread, started
 * and drained as the ReplicaSet would, scraped by a Prometheus every
 * scrape interval, scaled by the autoscaler's loops (autoscaler.ts, the
 * decision cores unchanged) on their sync and polling periods, driven by the
 * load k6 would offer (load.ts), observed by the sampler. The runner's
 * sequence is followed: deploy, wait ready, load (k6 a moment after), settle,
 * two scrapes, stop. Pure: what it observes goes to the sink's callbacks.
 */

/** A finished request as the scenario would write it (times in simulated ms since the epoch). */
export interface SimPoint {
  t: number;
  tSched: number;
  main: boolean;
  ok: boolean;
  status: number;
  errorSource: string | null;
  error: string | null;
  ttftMs: number;
  tpotMs: number;
  e2eMs: number;
  prompt: number;
  output: number;
}

export interface SimSink {
  /** Every request, once it ended (the object is reused: copy what you keep). */
  point?(p: SimPoint): void;
  sample?(s: Sample): void;
  event?(e: RunEvent): void;
}

export interface SimCellOptions {
  cell: Cell;
  matrix: Pick<ResolvedMatrix, 'slo' | 'sampleIntervalMs' | 'controllers' | 'target'>;
  service: ServiceModel;
  load: SimLoad;
  /** Simulated ms since the epoch at which the cell is deployed. */
  startMs: number;
  timing?: Partial<SimTiming>;
  /** How long the deployed replicas take to be ready, when known (calibration: the measured cell's first). */
  deployReadyMs?: number;
  sink?: SimSink;
}

/** What a simulated cell did, besides what went to the sink. */
export interface SimCellOutcome {
  loadStart: number;
  scenarioStartMs: number;
  k6EndMs: number;
  endMs: number;
  /** Open-loop arrivals dropped for want of a free VU. */
  dropped: number;
  /** Replicas that existed (starting or ready), integrated over the main phase, seconds. */
  mainReplicaSeconds: number;
  /** Same from the load's start to the end (settle included). */
  replicaSeconds: number;
  maxReplicas: number;
  events: number;
}

const E = {
  arrival: 0,
  prefillDone: 1,
  decodeDone: 2,
  ready: 3,
  scrape: 4,
  hpaSync: 5,
  kedaPoll: 6,
  sample: 7,
  loadTick: 8,
  drainCheck: 9,
  settlePoll: 10,
  failReply: 11,
  scenarioStart: 12,
  stop: 13,
  userSend: 14,
} as const;
type EventType = (typeof E)[keyof typeof E];

interface Ev extends SimEvent {
  type: EventType;
  rep?: SimReplica;
  req?: SimRequest;
  version?: number;
  /** The closed-loop user of a userSend. */
  vu?: number;
}

const LOAD_TICK_MS = 100;
const DRAIN_POLL_MS = 100;
const SETTLE_POLL_MS = 250;

export function simulateCell(o: SimCellOptions): SimCellOutcome {
  const { cell, service, load } = o;
  const timing: SimTiming = { ...simTimingDefaults, ...o.timing };
  const sink = o.sink ?? {};
  const d = cell.deployment;
  const scrapeMs = o.matrix.target.kind === 'local' ? o.matrix.target.scrapeIntervalMs : 15_000;
  const heap = new EventHeap<Ev>();
  const at = (t: number, type: EventType, extra?: Partial<Ev>): void => heap.push({ t, seq: 0, type, ...extra });
  const noise = rng(cell.repeat * 7 + 3);
  const ttftNoise = (): number => (service.ttftStdevMs > 0 ? service.ttftStdevMs * normal(noise) : 0);

  let now = o.startMs;
  let events = 0;
  const replicas: SimReplica[] = [];
  let seq = 0;
  let desired = d.replicas.start;
  let rr = 0;
  let loadStart = NaN;
  let scenarioStart = NaN;
  let k6End = NaN;
  let stopAt = NaN;
  let phase = 'deploy';
  let autoscaler: SimAutoscaler | undefined;
  const emit = (e: EventInput): void => sink.event?.({ t: Math.round(now), ...e });

  // Prometheus: each pod's gauges at the last scrape.
  const scraped = new Map<string, { running: number; waiting: number }>();
  const tokenHistory = new Map<string, Array<{ t: number; tokens: number }>>();
  const cpuWindowMs = o.matrix.controllers.cpuWindowMs;

  // Replica-seconds, integrated exactly as the count of starting + ready replicas changes.
  let live = 0;
  let liveSince = now;
  let rsAll = 0;
  let rsMain = 0;
  let maxLive = 0;
  const accrue = (): void => {
    if (Number.isFinite(loadStart)) {
      const from = Math.max(liveSince, loadStart);
      if (now > from) rsAll += (live * (now - from)) / 1000;
      const mainFrom = loadStart + cell.load.warmupMs;
      const a = Math.max(liveSince, mainFrom);
      const b = Math.min(now, mainFrom + cell.load.durationMs);
      if (b > a) rsMain += (live * (b - a)) / 1000;
    }
    liveSince = now;
  };
  const setLive = (): void => {
    accrue();
    live = 0;
    for (const r of replicas) if (r.phase === ReplicaPhase.starting || r.phase === ReplicaPhase.ready) live++;
    if (live > maxLive) maxLive = live;
  };

  const counts = (): { desired: number; current: number; ready: number } => {
    let current = 0;
    let ready = 0;
    for (const r of replicas) {
      if (r.phase === ReplicaPhase.starting || r.phase === ReplicaPhase.ready) current++;
      if (r.phase === ReplicaPhase.ready) ready++;
    }
    return { desired, current, ready };
  };

  // Prometheus's discovery ticks (timing.ts discoveryTickMs): a target file written at t is sent at the next tick.
  const promStart = timing.prometheusStartMs ?? o.startMs - 100;
  const nextDiscoveryTick = (t: number): number => promStart + Math.floor((t - promStart) / timing.discoveryTickMs + 1) * timing.discoveryTickMs;

  const startReplica = (): void => {
    const r = new SimReplica(`${d.name}-sim-${seq++}`, now, service);
    r.discoveredAt = nextDiscoveryTick(now);
    replicas.push(r);
    emit({ kind: 'replica-started', pod: r.name });
    at(now + (deploying && o.deployReadyMs !== undefined ? o.deployReadyMs : d.simulator.startupMs + timing.readyOverheadMs), E.ready, { rep: r });
    setLive();
  };

  const gone = (r: SimReplica): void => {
    r.phase = ReplicaPhase.gone;
    const i = replicas.indexOf(r);
    if (i >= 0) replicas.splice(i, 1);
    tokenHistory.delete(r.name);
    emit({ kind: 'replica-stopped', pod: r.name });
    setLive();
  };

  // As the local target reconciles (a ReplicaSet): start the missing, drain the extra — not-ready first, then the newest.
  const reconcile = (): void => {
    const alive = (): SimReplica[] => replicas.filter((r) => r.phase === ReplicaPhase.starting || r.phase === ReplicaPhase.ready);
    while (alive().length < desired) startReplica();
    const extra = alive().length - desired;
    if (extra <= 0) return;
    const victims = alive()
      .sort((a, b) => Number(a.phase === ReplicaPhase.ready) - Number(b.phase === ReplicaPhase.ready) || b.startedAt - a.startedAt)
      .slice(0, extra);
    for (const v of victims) {
      emit({ kind: 'replica-draining', pod: v.name });
      v.phase = ReplicaPhase.draining;
      at(now, E.drainCheck, { rep: v, version: now + timing.drainGraceMs });
    }
    setLive();
  };

  const scale = (to: number, reason: string): void => {
    if (to === desired) return;
    emit({ kind: 'scale', from: desired, to, reason });
    desired = to;
    reconcile();
  };

  const view: ClusterView = {
    pods: (): PodInfo[] =>
      replicas.map((r) => ({
        name: r.name,
        phase: r.phase === ReplicaPhase.draining ? 'Deleted' : 'Running',
        ready: r.phase === ReplicaPhase.ready,
        startTime: r.startedAt,
        ...(Number.isFinite(r.readyAt) ? { lastReadyTransition: r.readyAt } : {}),
        everReady: Number.isFinite(r.readyAt),
      })),
    counts,
    podGauges: (g: Gauge, names: readonly string[]): PodSamples => {
      const out: Record<string, { value: number; timestamp: number; window: number }> = {};
      for (const n of names) {
        const s = scraped.get(n);
        if (s) out[n] = { value: s[g], timestamp: now, window: 0 };
      }
      return out;
    },
    sumGauge: (g: Gauge): number | undefined => {
      if (scraped.size === 0) return undefined;
      let sum = 0;
      for (const s of scraped.values()) sum += s[g];
      return sum;
    },
    cpuUsage: (): PodSamples => {
      const out: Record<string, { value: number; timestamp: number; window: number }> = {};
      for (const r of replicas) {
        if (r.phase !== ReplicaPhase.starting && r.phase !== ReplicaPhase.ready) continue;
        const h = tokenHistory.get(r.name);
        if (!h || h.length === 0) continue;
        const base = h.find((x) => x.t >= now - cpuWindowMs) ?? h[0]!;
        if (now <= base.t) continue;
        const perS = ((r.tokens - base.tokens) * 1000) / (now - base.t);
        out[r.name] = {
          value: Math.min(timing.cpuMillisPerTokenPerSLow * perS, timing.cpuBaseMillis + timing.cpuMillisPerTokenPerS * perS),
          timestamp: now,
          window: now - base.t,
        };
      }
      return out;
    },
  };

  // The client side.
  const point: SimPoint = {
    t: 0,
    tSched: NaN,
    main: false,
    ok: true,
    status: 200,
    errorSource: null,
    error: null,
    ttftMs: NaN,
    tpotMs: NaN,
    e2eMs: NaN,
    prompt: 0,
    output: 0,
  };
  let clientInFlight = 0;
  let dropped = 0;
  let mainRequests = 0;
  let mainErrors = 0;
  let loadOver = false;
  // Closed loop, as k6's ramping-vus runs it: VU i is active while i < active. Going down, the newest VUs
  // are deactivated at once, whatever they are doing: each finishes its request in flight (gracefulRampDown)
  // and sends no other (k6 lib/executor/ramping_vus.go; scenarios/openai-chat.js sends one request an
  // iteration). A VU still busy when it is activated again goes on with its loop.
  let active = 0;
  const vuBusy: boolean[] = [];
  const mainFromMs = (): number => scenarioStart + cell.load.warmupMs;
  const isMain = (t: number): boolean => t >= mainFromMs();

  const report = (req: SimRequest, ok: boolean, end: number, source: string | null, status: number, error: string | null): void => {
    point.t = req.start;
    point.tSched = req.sched;
    point.main = req.main;
    point.ok = ok;
    point.status = status;
    point.errorSource = source;
    point.error = error;
    point.prompt = req.prompt;
    point.output = ok ? req.output : 0;
    point.e2eMs = end - req.start + timing.clientOverheadMs;
    point.ttftMs = ok ? req.firstToken - req.start + timing.clientOverheadMs : NaN;
    point.tpotMs = ok && req.output > 1 ? (end - req.firstToken) / (req.output - 1) : NaN;
    if (req.main) {
      mainRequests++;
      if (!ok) mainErrors++;
    }
    sink.point?.(point);
    clientInFlight--;
    if (req.vu >= 0) userNext(end, req.vu);
    else if (backlog.length > backlogHead) sendBacklog(end);
  };

  const send = (t: number, prompt: number, output: number, sched: number, vu: number): void => {
    const req: SimRequest = { start: t, sched, prompt, output, main: isMain(t), firstToken: NaN, replica: undefined, vu };
    clientInFlight++;
    // The router: least requests in flight among ready replicas, ties in turn.
    let best: SimReplica | undefined;
    const n = replicas.length;
    for (let k = 0; k < n; k++) {
      const r = replicas[(rr + k) % n]!;
      if (r.phase !== ReplicaPhase.ready) continue;
      if (!best || r.routed < best.routed) best = r;
    }
    rr = n ? (rr + 1) % n : 0;
    if (!best) {
      at(t + timing.noReplicaMs, E.failReply, { req });
      return;
    }
    if (d.simulator.maxWaiting !== undefined && best.running >= service.maxNumSeqs && best.waiting >= d.simulator.maxWaiting) {
      req.replica = undefined;
      at(t + timing.noReplicaMs, E.failReply, { req, version: 429 });
      return;
    }
    const ttft = best.accept(req, t, ttftNoise());
    if (ttft !== undefined) at(t + ttft, E.prefillDone, { req });
  };

  // A scheduled load's VU pool (scenarios/openai-chat.js with llm.next): each VU takes the schedule's next
  // request when its last one ended and sends it when due, so with every VU busy a due request waits for
  // the next free one, in order, and goes late (t_sched stays its due time). k6 takes none after the end.
  const backlog: Array<{ t: number; prompt: number; output: number }> = [];
  let backlogHead = 0;
  const sendBacklog = (t: number): void => {
    const a = backlog[backlogHead]!;
    backlog[backlogHead++] = undefined as unknown as (typeof backlog)[number];
    if (backlogHead > 1024 && backlogHead * 2 > backlog.length) {
      backlog.splice(0, backlogHead);
      backlogHead = 0;
    }
    send(t, a.prompt, a.output, a.t, -1);
  };

  const lengths = load.kind === 'closed' ? load.lengths : undefined;
  // A user whose request ended sends the next one after the iteration's overhead (userSend decides).
  const userNext = (t: number, vu: number): void => {
    clientInFlight++; // held until userSend, so the load is not taken for over
    at(t + timing.iterationOverheadMs, E.userSend, { vu });
  };

  const reschedule = (r: SimReplica): void => {
    r.version++;
    const next = r.nextDecodeEnd(now);
    if (next !== Infinity) at(next, E.decodeDone, { rep: r, version: r.version });
  };

  const admitQueued = (r: SimReplica): void => {
    for (let a = r.admitNext(now, ttftNoise); a; a = r.admitNext(now, ttftNoise)) at(now + a.ttftMs, E.prefillDone, { req: a.req });
  };

  const done: SimRequest[] = [];
  const complete = (r: SimReplica, req: SimRequest): void => {
    r.release(req, now);
    admitQueued(r);
    report(req, true, now, null, 200, null);
  };

  // A draining replica is stopped by its own 100 ms poll of the router's count (drainCheck).
  const afterRelease = reschedule;

  // Open loop: the next arrival is always one event ahead.
  let nextArrival: { t: number; prompt: number; output: number } | undefined;
  const perSecond: number[] = [];
  const pullArrival = (): void => {
    if (load.kind !== 'open') return;
    const it = load.arrivals.next();
    if (it.done) {
      nextArrival = undefined;
      return;
    }
    nextArrival = it.value;
    const sec = Math.floor(it.value.t / 1000);
    perSecond[sec] = (perSecond[sec] ?? 0) + 1;
    at(scenarioStart + it.value.t, E.arrival);
  };
  // Samples of a scheduled load wait until their second's arrivals are all known.
  const pendingSamples: Sample[] = [];
  const flushSamples = (force: boolean): void => {
    while (pendingSamples.length > 0) {
      const s = pendingSamples[0]!;
      const sec = Math.floor((s.elapsed_s * 1000) / 1000);
      if (!force && nextArrival && nextArrival.t < (sec + 1) * 1000) return;
      s.offered = perSecond[sec] ?? 0;
      pendingSamples.shift(); // not inside sink.sample?.(…): an absent sink would skip it
      sink.sample?.(s);
    }
  };

  const endMs = cell.load.warmupMs + cell.load.durationMs;
  const finishLoad = (): void => {
    if (Number.isFinite(k6End)) return;
    k6End = Math.max(now, scenarioStart + endMs) + timing.k6ExitMs;
    phase = 'settle';
    const s = cell.load.settle;
    if (s.kind === 'fixed') scheduleStop(k6End + s.ms);
    else at(k6End, E.settlePoll, { version: k6End + s.timeoutMs });
  };
  const scheduleStop = (settled: number): void => {
    // The runner waits for two scrapes past the load's end before stopping the autoscaler and the sampler.
    stopAt = Math.max(settled, k6End + 2 * scrapeMs + 100);
    at(stopAt, E.stop);
  };

  const maybeStartLoad = (): void => {
    if (Number.isFinite(loadStart) || counts().ready < desired) return;
    // The runner: ready, then the autoscaler, then k6 (its scenario a moment later).
    loadStart = now;
    liveSince = now;
    phase = cell.load.warmupMs > 0 ? 'warmup' : 'load';
    const a = cell.autoscaler;
    if (a.kind !== 'fixed') {
      autoscaler = new SimAutoscaler(a, d, o.matrix.controllers, now, (rec, before, after) => {
        emit(rec);
        if (after !== before) scale(after, `${a.name} (${String(rec.loop)})`);
      });
      // Each tick's decision lands a query's time after the tick (the sampler, reading the target at once, goes first).
      at(now + a.syncPeriodMs + timing.queryMs, E.hpaSync);
      if (a.kind === 'keda') at(now + a.pollingIntervalMs + timing.queryMs, E.kedaPoll);
    }
    at(now, E.sample);
    at(now + timing.k6StartMs, E.scenarioStart);
  };

  // Deploy.
  let deploying = true;
  reconcile();
  deploying = false;
  at(now + scrapeMs, E.scrape);
  maybeStartLoad();

  for (let ev = heap.pop(); ev; ev = heap.pop()) {
    now = ev.t;
    events++;
    switch (ev.type) {
      case E.prefillDone: {
        const req = ev.req!;
        const r = req.replica!;
        req.firstToken = now;
        if (req.output <= 1) {
          complete(r, req);
          afterRelease(r);
        } else {
          r.startDecode(req, now);
          reschedule(r);
        }
        break;
      }
      case E.decodeDone: {
        const r = ev.rep!;
        if (ev.version !== r.version) break;
        done.length = 0;
        r.finished(now, done);
        for (const req of done) complete(r, req);
        afterRelease(r);
        break;
      }
      case E.arrival: {
        const a = nextArrival!;
        if (load.kind === 'open' && load.scheduled && clientInFlight + backlog.length - backlogHead >= load.maxVus) {
          backlog.push({ t: now, prompt: a.prompt, output: a.output });
        } else if (load.kind === 'open' && clientInFlight >= load.maxVus) {
          if (isMain(now)) dropped++;
        } else {
          send(now, a.prompt, a.output, now, -1);
        }
        pullArrival();
        if (!nextArrival) loadOver = true;
        flushSamples(false);
        break;
      }
      case E.userSend: {
        clientInFlight--;
        const vu = ev.vu!;
        if (loadOver || vu >= active) {
          vuBusy[vu] = false;
          if (loadOver && clientInFlight === 0) finishLoad();
          break;
        }
        const l = lengths!();
        send(now, l.prompt, l.output, NaN, vu);
        break;
      }
      case E.failReply: {
        const req = ev.req!;
        if (ev.version === 429) report(req, false, now, 'http', 429, 'HTTP 429');
        else report(req, false, now, 'no_replica', 503, 'router: no ready replica');
        break;
      }
      case E.loadTick: {
        const elapsed = now - scenarioStart;
        if (elapsed >= endMs) {
          loadOver = true;
          backlog.length = backlogHead = 0; // never taken by a VU
          if (clientInFlight === 0) finishLoad();
          break;
        }
        if (load.kind === 'closed') {
          const target = load.usersAt(elapsed);
          for (; active < target; active++) {
            if (vuBusy[active]) continue;
            vuBusy[active] = true;
            const l = load.lengths();
            send(now, l.prompt, l.output, NaN, active);
          }
          if (target < active) active = target;
        }
        at(Math.min(now + LOAD_TICK_MS, scenarioStart + endMs), E.loadTick);
        break;
      }
      case E.ready: {
        const r = ev.rep!;
        if (r.phase !== ReplicaPhase.starting) break;
        r.phase = ReplicaPhase.ready;
        r.readyAt = now;
        emit({ kind: 'replica-ready', pod: r.name, startupMs: Math.round(now - r.startedAt) });
        maybeStartLoad();
        break;
      }
      case E.scenarioStart: {
        scenarioStart = now;
        if (load.kind === 'closed') at(now, E.loadTick);
        else {
          pullArrival();
          at(now + endMs, E.loadTick);
        }
        break;
      }
      case E.drainCheck: {
        const r = ev.rep!;
        if (r.phase !== ReplicaPhase.draining) break;
        if (r.routed === 0 || now >= ev.version!) gone(r);
        else at(now + DRAIN_POLL_MS, E.drainCheck, { rep: r, version: ev.version! });
        break;
      }
      case E.scrape: {
        scraped.clear();
        for (const r of replicas) {
          if (r.phase === ReplicaPhase.gone || now < r.discoveredAt) continue;
          scraped.set(r.name, { running: r.running, waiting: r.waiting });
          const h = tokenHistory.get(r.name) ?? [];
          h.push({ t: now, tokens: r.tokens });
          while (h.length > 2 && h[1]!.t <= now - cpuWindowMs) h.shift();
          tokenHistory.set(r.name, h);
        }
        if (!Number.isFinite(stopAt) || now < stopAt) at(now + scrapeMs, E.scrape);
        break;
      }
      case E.hpaSync: {
        if (Number.isFinite(stopAt) && now >= stopAt) break;
        autoscaler!.hpaSync(now, view);
        at(now + autoscaler!.a.syncPeriodMs, E.hpaSync);
        break;
      }
      case E.kedaPoll: {
        if (Number.isFinite(stopAt) && now >= stopAt) break;
        autoscaler!.kedaPoll(now, view);
        const a = autoscaler!.a;
        if (a.kind === 'keda') at(now + a.pollingIntervalMs, E.kedaPoll);
        break;
      }
      case E.sample: {
        if (Number.isFinite(stopAt) && now > stopAt) break;
        const elapsed = now - loadStart;
        let running = 0;
        let waiting = 0;
        for (const s of scraped.values()) {
          running += s.running;
          waiting += s.waiting;
        }
        let inFlight = 0;
        for (const r of replicas) inFlight += r.routed;
        const s: Sample = {
          t: Math.round(now),
          elapsed_s: Math.round(elapsed / 10) / 100,
          phase: phase === 'settle' ? 'settle' : elapsed < cell.load.warmupMs ? 'warmup' : 'load',
          offered: 0,
          replicas: counts(),
          requests: mainRequests,
          failures: mainErrors,
          in_flight: inFlight,
          ...(autoscaler ? { autoscaler: { ...autoscaler.seen } } : {}),
          server: scraped.size ? { running, waiting } : { running: null, waiting: null },
        };
        const k6Elapsed = Number.isFinite(scenarioStart) ? elapsed : 0;
        if (load.kind === 'open' && load.scheduled) {
          pendingSamples.push(s);
          flushSamples(loadOver);
        } else {
          s.offered = load.kind === 'closed' ? load.usersAt(k6Elapsed) : elapsedLevel(k6Elapsed);
          sink.sample?.(s);
        }
        at(now + o.matrix.sampleIntervalMs, E.sample);
        break;
      }
      case E.settlePoll: {
        let busy = clientInFlight;
        for (const s of scraped.values()) busy += s.running + s.waiting;
        if (busy === 0 || now >= ev.version!) scheduleStop(now);
        else at(now + SETTLE_POLL_MS, E.settlePoll, { version: ev.version! });
        break;
      }
      case E.stop: {
        accrue();
        flushSamples(true);
        return {
          loadStart,
          scenarioStartMs: scenarioStart,
          k6EndMs: k6End,
          endMs: now,
          dropped,
          mainReplicaSeconds: rsMain,
          replicaSeconds: rsAll,
          maxReplicas: maxLive,
          events,
        };
      }
    }
    if (loadOver && load.kind === 'open' && clientInFlight === 0 && now >= scenarioStart + endMs) finishLoad();
  }
  throw new Error(`simulation of cell ${cell.id} ran out of events before its end (phase ${phase})`);

  function elapsedLevel(elapsed: number): number {
    return elapsed >= 0 && elapsed < endMs ? cell.level : 0;
  }
}
