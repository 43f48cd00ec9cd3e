// scalebench k6 scenario: OpenAI-compatible /v1/chat/completions with stream: true.
//
// The load shape (executors, stages, durations) comes from the options file scalebench
// passes with --config; this script only makes requests. Its settings come from the JSON
// file named by SCALEBENCH_WORKLOAD:
//   { url, model, prompt: {mean, stdev, min, max}, output: {...}, seed, timeoutMs,
//     maxRequests, warmupMs, ratePerS, schedule, conversation, points, meta, summary }
// Per request the extension writes one JSON line to `points` (the raw points scalebench
// analyses): TTFT (first token, reasoning or content), TTFC (first content token),
// inter-token latency, TPOT, E2E, prompt and output tokens, and errors with their
// source. Nothing is added to k6's own metrics: scalebench reads only the points, and
// every k6 sample costs the load generator CPU while it measures.
//
// The load is one scenario from start to end: the warm-up is its first warmupMs, and
// a request belongs to the phase in which it started (nothing is cut at the edge).
// With ratePerS (an open-loop, constant-arrival-rate load) the k-th iteration of the
// scenario was due at start + k / ratePerS: each point carries that scheduled time,
// t_sched (exact while k6 drops no iteration; with drops it is early by the dropped
// ones, and the cell is invalid anyway). With a schedule (a replayed trace, or an
// arrival process), each VU of a pool takes the schedule's next request when it is due
// (llm.next) with its own prompt and output lengths; t_sched is its due time.
// With a conversation ({ turns, thinkTimeMs, systemPromptTokens }), each VU runs sessions:
// every turn sends a shared system prompt, the session's history so far (its user
// messages and the replies) and a new user message; the think time passes between turns.
//
// A runner pod of scalebench's Indexed Job (target.load.runner: job) runs the same
// scenario with `runner`: { count, segments, sequence, barrierTimeoutMs }. Its
// index is JOB_COMPLETION_INDEX; it runs its k6 execution segment of the load; points,
// meta lines and the end line go to standard output ("-"), each point carrying the pod's
// index and clock offset; setup() waits at the start barrier so that every pod starts
// at one instant: it waits until the file SCALEBENCH_BARRIER names holds that instant.
import llm from 'k6/x/llmstream';
import exec from 'k6/execution';
import { sleep } from 'k6';

const cfg = JSON.parse(open(__ENV.SCALEBENCH_WORKLOAD));
const runner = cfg.runner || null;
const pod = runner ? Number(__ENV.JOB_COMPLETION_INDEX || 0) : 0;
// Script options take precedence over the --config file's (k6's option order), so each pod
// runs its own segment of the one load (k6 execution segments: users, rates and iterations
// are split among the segments of the sequence).
export const options = runner
  ? {
      executionSegment: runner.segments[pod],
      executionSegmentSequence: runner.sequence,
      setupTimeout: `${Math.ceil((runner.barrierTimeoutMs || 0) / 1000) + 30}s`,
    }
  : {};
const points = cfg.points ? llm.open(cfg.points) : null;
const meta = cfg.meta ? llm.open(cfg.meta) : null;
const schedule = cfg.schedule ? llm.schedule(cfg.schedule) : null;
// Open this VU's connection now, in init, so the load's first request does not pay for it.
llm.connect(cfg.url);
const warmupMs = cfg.warmupMs || 0;
let scenarioStart = NaN;

// A small deterministic generator per VU (mulberry32), seeded from the run's seed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let random = null;

// A length: normal (Box-Muller), or lognormal with d's mean and stdev; rounded and clamped to [min, max].
// (src/load/arrivals.ts drawLength is the same rule for scheduled loads.)
function draw(d) {
  const u = Math.max(random(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  let v = d.mean + z * d.stdev;
  if (d.dist === 'lognormal' && d.mean > 0) {
    const s2 = Math.log(1 + (d.stdev * d.stdev) / (d.mean * d.mean));
    v = Math.exp(Math.log(d.mean) - s2 / 2 + Math.sqrt(s2) * z);
  }
  return Math.min(d.max, Math.max(d.min, Math.round(v)));
}

const WORDS = ['the', 'model', 'serves', 'a', 'request', 'with', 'tokens', 'from', 'cache', 'and', 'queue', 'batch'];
function prompt(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = WORDS[Math.floor(random() * WORDS.length)];
  return out.join(' ');
}

// The system prompt every session shares: the same words for every VU (seeded by the run only).
let systemPrompt = null;
const conv = cfg.conversation || null;
let history = [];
let turn = 0;
let sessions = 0;
// This VU's id, read once: every read of k6/execution's vu makes a new object.
let vu = 0;
// The VU's request sender (the extension's), made in its first iteration.
let sender = null;
// A single-turn request with drawn token counts, no schedule and no budget: the
// sender draws the counts and sends it in Go, with the same generator and seed
// as draw() here, so that an iteration costs little JavaScript.
const simple = !schedule && !conv && !cfg.maxRequests;

export default function () {
  if (simple && sender !== null) {
    sender.next(cfg.ratePerS ? scenarioStart + (exec.scenario.iterationInTest * 1000) / cfg.ratePerS : 0);
    return;
  }
  if (random === null) {
    if (conv && conv.systemPromptTokens > 0) {
      random = rng(cfg.seed * 31 + 1);
      systemPrompt = prompt(conv.systemPromptTokens);
    }
    // With execution segments, idInTest is unique across the runner pods too.
    vu = exec.vu.idInTest;
    random = rng(cfg.seed * 7919 + vu);
  }
  const iteration = cfg.maxRequests || cfg.ratePerS ? exec.scenario.iterationInTest : 0;
  if (cfg.maxRequests && iteration >= cfg.maxRequests) {
    sleep(1); // the request budget is spent: idle until the executor ends
    return;
  }
  let promptLen;
  let outputLen;
  let tSched;
  let session = '';
  if (schedule) {
    const due = llm.next(schedule);
    if (due === null) {
      sleep(1); // the schedule is spent: idle until the load ends
      return;
    }
    promptLen = Math.max(1, due.prompt);
    outputLen = Math.max(1, due.output);
    tSched = due.t_sched;
    session = due.session || '';
  } else if (!simple) {
    promptLen = draw(cfg.prompt);
    outputLen = draw(cfg.output);
  }
  // A single-turn request's body is built by the extension, in Go (promptLen words of the VU's
  // own seeded draw); a conversation's, carrying its history, here.
  let body = '';
  let userText;
  if (conv) {
    if (turn === 0) {
      history = [];
      sessions++;
    }
    userText = prompt(promptLen);
    body = JSON.stringify({
      model: cfg.model,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: outputLen,
      ignore_eos: true,
      messages: [...(systemPrompt ? [{ role: 'system', content: systemPrompt }] : []), ...history, { role: 'user', content: userText }],
    });
    session = `${vu}-${sessions}`;
  }
  if (Number.isNaN(scenarioStart)) {
    // Users do not all arrive in the same microsecond: the first requests of the VUs are spread
    // over a few milliseconds (0.25 ms apart, at most 16 ms), so that their first tokens do not all
    // reach the router and k6 in one instant and queue behind each other (+6 ms at 32 users).
    if (!schedule && !cfg.ratePerS) sleep((((vu - 1) % 64) * 0.25) / 1000);
    scenarioStart = llm.scenarioStartMs();
    // Each VU's first iteration says when the load started (the same instant for all).
    if (meta) meta.write(runner ? { scenario_start_ms: scenarioStart, vu, pod, clk: llm.clockOffsetMs() } : { scenario_start_ms: scenarioStart, vu });
  }
  if (cfg.ratePerS) tSched = scenarioStart + (iteration * 1000) / cfg.ratePerS;
  if (sender === null) {
    // The VU's fixed settings, handed over once; each request then passes scalars.
    sender = llm.sender(
      cfg.url,
      {
        timeoutMs: cfg.timeoutMs,
        build: conv ? null : { model: cfg.model, seed: cfg.seed * 7919 + vu },
        collect: conv !== null,
        points,
        warmupMs,
        vu,
        clock: runner !== null,
        pod,
      },
      simple ? { prompt: cfg.prompt, output: cfg.output, seed: cfg.seed * 7919 + vu } : null,
    );
  }
  if (simple) {
    sender.next(tSched || 0);
    return;
  }
  const content = sender.send(promptLen, outputLen, tSched || 0, schedule !== null, session, conv ? turn + 1 : 0, body);
  if (conv) {
    history.push({ role: 'user', content: userText }, { role: 'assistant', content });
    turn = (turn + 1) % conv.turns;
    if (turn !== 0 && conv.thinkTimeMs > 0) sleep(conv.thinkTimeMs / 1000);
  }
}

// A runner pod waits here until every pod of the Job runs (the start barrier).
export function setup() {
  if (runner && __ENV.SCALEBENCH_BARRIER) llm.waitStart(__ENV.SCALEBENCH_BARRIER, runner.barrierTimeoutMs);
}

export function handleSummary(data) {
  const out = { stdout: '' };
  if (runner) {
    // The pod's last line: what it dropped, and that nothing follows.
    const dropped = data.metrics.dropped_iterations ? data.metrics.dropped_iterations.values.count : 0;
    out.stdout = `${JSON.stringify({ end: true, pod, dropped_iterations: dropped, clk: llm.clockOffsetMs() })}\n`;
  } else if (cfg.summary) out[cfg.summary] = JSON.stringify(data, null, 1);
  return out;
}
