// Package llmstream is scalebench's k6 extension for streaming LLM requests.
//
// It sends one OpenAI-compatible streaming request (chat/completions or
// completions with "stream": true), reads the Server-Sent Events as they
// arrive and times them with the monotonic clock: time to the first token of
// any kind, reasoning or content (TTFT), time to the first content token
// (TTFC), the gaps between token chunks (inter-token latency) and the end of
// the stream (E2E). Core k6 buffers whole responses and cannot do this.
//
// Each VU has its own HTTP client, made when the VU is made, so that
// llm.connect can open its keep-alive connection in the init context, before
// the test starts: no request of the load pays for a connection set-up. (k6's
// own transport exists only inside iterations; its TLS and --hosts settings
// are therefore not applied here.)
//
// JavaScript API (import llm from 'k6/x/llmstream'):
//
//	llm.connect(url) -> { ok, error }   open the VU's connection (init context or VU)
//	llm.chat(url, body, { headers: {...}, timeoutMs: 120000, points: writer, ... }) -> result
//	  with points (a writer from llm.open), the request's point line is written
//	  here, in Go: see PointOptions for the fields it carries.
//	llm.scenarioStartMs() -> ms since the epoch (µs precision) the running scenario started
//	llm.open(path) -> writer; writer.write(obj) appends obj as one JSON line
//	  ("-": standard output, a runner pod's log)
//	llm.clockOffsetMs() -> the wall clock minus the monotonic one (runner.go)
//	llm.waitStart(path, timeoutMs) -> the start barrier of a runner pod (runner.go)
//	llm.schedule(path) -> schedule   a schedule file, shared by the VUs (init context)
//	llm.next(schedule) -> { t_sched, prompt, output, session } | null
//	  takes the schedule's next request (due at the scenario's start + its t);
//	  null once the schedule is spent. chat's { waitUntil: t_sched } sends it
//	  when it is due, after the body is built.
package llmstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.k6.io/k6/js/modules"
	"go.k6.io/k6/lib"
)

func init() {
	modules.Register("k6/x/llmstream", new(RootModule))
}

// RootModule is the global module object; one instance per VU is made from it.
type RootModule struct{}

// ModuleInstance is the per-VU module.
type ModuleInstance struct {
	vu     modules.VU
	client *http.Client
	reader *bufio.Reader // reused from request to request
	body   []byte        // a built request body, reused
	line   []byte        // a point line, reused
	rnd    *rand.Rand    // the VU's generator for built bodies
}

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}
)

// NewModuleInstance implements modules.Module.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &ModuleInstance{vu: vu, client: newClient()}
}

// newClient is one VU's client: a VU has one request in flight at a time, so
// one or two idle connections suffice; idle connections live as long as the
// test (a VU added at a step edge finds the one it opened in init).
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     0,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		TLSHandshakeTimeout: 10 * time.Second,
	}}
}

// Exports implements modules.Instance.
func (m *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"chat":            m.chat,
		"sender":          m.sender,
		"connect":         m.connect,
		"scenarioStartMs": m.scenarioStartMs,
		"open":            m.open,
		"schedule":        m.schedule,
		"next":            m.next,
		"clockOffsetMs":   m.clockOffset,
		"waitStart":       m.waitStart,
	}}
}

// ChatOptions are the optional per-request settings.
type ChatOptions struct {
	Headers   map[string]string `js:"headers"`
	TimeoutMs float64           `js:"timeoutMs"`
	// WaitUntil (ms since the epoch; 0: none): send no earlier than this.
	WaitUntil float64 `js:"waitUntil"`
	// Collect: return the reply's content text (a conversation's next turn carries it).
	Collect bool `js:"collect"`
	// Build: the body is built here (body argument empty).
	Build *BuildOptions `js:"build"`
	PointOptions
}

// PointOptions describe the point line chat writes when Points is set: the
// phase is "warmup" for a request started within WarmupMs of the scenario's
// start, else "main"; SchedMs (0: none) is when an open-loop request was due.
type PointOptions struct {
	Points       *Writer `js:"points"`
	Session      string  `js:"session"`
	Turn         int64   `js:"turn"`
	WarmupMs     float64 `js:"warmupMs"`
	SchedMs      float64 `js:"schedMs"`
	VU           int64   `js:"vu"`
	TargetPrompt int64   `js:"targetPrompt"`
	TargetOutput int64   `js:"targetOutput"`
	// Clock: the point also carries "pod" (Pod, the runner pod's index) and
	// "clk", the clock offset at the request's start (clockOffsetMs).
	Clock bool  `js:"clock"`
	Pod   int64 `js:"pod"`
}

const defaultTimeout = 120 * time.Second

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// connect opens the VU's keep-alive connection to url's server with a GET of
// /v1/models (any answer will do: the connection is what is wanted), so that
// the first request of the load does not pay for it. Callable in the init
// context; never throws.
func (m *ModuleInstance) connect(url string) map[string]any {
	u, err := neturl.Parse(url)
	if err != nil || u.Host == "" {
		return map[string]any{"ok": false, "error": fmt.Sprintf("llmstream.connect: not a URL: %q", url)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	probe := u.Scheme + "://" + u.Host + "/v1/models"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
	if err != nil {
		return map[string]any{"ok": false, "error": err.Error()}
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return map[string]any{"ok": false, "error": err.Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return map[string]any{"ok": true, "error": ""}
}

// scenarioStartMs is when the running scenario started, ms since the epoch
// with microsecond precision (k6/execution's startTime is whole ms).
func (m *ModuleInstance) scenarioStartMs() float64 {
	if m.vu.State() == nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.scenarioStartMs can only be called in a VU, not in the init context")))
	}
	ss := lib.GetScenarioState(m.vu.Context())
	if ss == nil {
		return math.NaN()
	}
	return float64(ss.StartTime.UnixMicro()) / 1e3
}

// chat runs one streaming request to completion and returns its timings.
// It never throws for a failed request: the result carries ok=false and error.
func (m *ModuleInstance) chat(url, body string, opts *ChatOptions) map[string]any {
	if m.vu.State() == nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.chat can only be called in a VU, not in the init context")))
	}
	if opts == nil {
		opts = &ChatOptions{}
	}
	return m.do(url, body, opts).export()
}

// Sender is chat with a VU's fixed settings taken once (JavaScript:
// `const s = llm.sender(url, opts)` in the VU's first iteration, then
// `s.send(...)` for each request): the scenario's hot path, where a request
// passes scalars instead of an options object read by reflection and gets no
// result object back (measured: that conversion was a sixth of the
// extension's CPU per request).
type Sender struct {
	m    *ModuleInstance
	url  string
	opts ChatOptions
	// draw, when set, is what Next draws each request's token counts from.
	draw *DrawOptions
	rnd  *mulberry32
}

// sender binds url and opts (as chat's; build, when set, gives the model and
// seed of bodies built here) to this VU; with draw, Next draws the token
// counts too.
func (m *ModuleInstance) sender(url string, opts *ChatOptions, draw *DrawOptions) *Sender {
	if m.vu.State() == nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.sender can only be called in a VU, not in the init context")))
	}
	s := &Sender{m: m, url: url}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Build != nil {
		b := *s.opts.Build
		s.opts.Build = &b
	}
	if draw != nil {
		d := *draw
		s.draw, s.rnd = &d, newMulberry32(d.Seed)
	}
	return s
}

// Next sends one single-turn request whose prompt and output token counts it
// draws (prompt first, as the scenario does), due at schedMs (0: none; not
// waited for: an arrival-rate executor starts it on time).
func (s *Sender) Next(schedMs float64) {
	if s.draw == nil {
		panic(s.m.vu.Runtime().NewGoError(fmt.Errorf("llmstream: next() needs a sender made with distributions to draw from")))
	}
	p := s.draw.Prompt.draw(s.rnd)
	o := s.draw.Output.draw(s.rnd)
	s.Send(p, o, schedMs, false, "", 0, "")
}

// Send runs one request like chat and writes its point: promptTokens and
// outputTokens are the request's targets (and the built body's sizes when
// body is empty), schedMs when it was due (0: none; with wait, it is not sent
// before), session and turn a conversation's. It returns the reply's text
// when the sender collects it, else "".
func (s *Sender) Send(promptTokens, outputTokens int64, schedMs float64, wait bool, session string, turn int64, body string) string {
	o := &s.opts
	o.TargetPrompt, o.TargetOutput = promptTokens, outputTokens
	o.SchedMs, o.WaitUntil = schedMs, 0
	if wait {
		o.WaitUntil = schedMs
	}
	o.Session, o.Turn = session, turn
	if o.Build != nil {
		o.Build.PromptTokens, o.Build.MaxTokens = int(promptTokens), int(outputTokens)
	}
	res := s.m.do(s.url, body, o)
	if o.Collect {
		return res.content.String()
	}
	return ""
}

// do runs one request to completion (waiting for its due time first) and
// writes its point when opts name a points file.
func (m *ModuleInstance) do(url, body string, opts *ChatOptions) *result {
	timeout := defaultTimeout
	if opts.TimeoutMs > 0 {
		timeout = time.Duration(opts.TimeoutMs * float64(time.Millisecond))
	}
	if opts.WaitUntil > 0 {
		due := time.UnixMicro(int64(opts.WaitUntil * 1000))
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-m.vu.Context().Done():
				t.Stop()
				return newResult().fail(failure{sourceAborted, "aborted: the load ended before the request was due"})
			}
		}
	}
	var payload io.Reader = strings.NewReader(body)
	if opts.Build != nil && body == "" {
		m.body = m.buildBody(m.body[:0], opts.Build)
		payload = bytes.NewReader(m.body)
	}
	ctx, cancel := context.WithTimeoutCause(m.vu.Context(), timeout, errTimeout)
	defer cancel()
	res := m.stream(ctx, url, payload, opts.Headers, opts.Collect)
	if opts.Points != nil {
		phase := "main"
		if ss := lib.GetScenarioState(m.vu.Context()); ss != nil && res.tStartMs-float64(ss.StartTime.UnixMicro())/1e3 < opts.WarmupMs {
			phase = "warmup"
		}
		m.line = res.appendPoint(m.line[:0], phase, &opts.PointOptions)
		if err := opts.Points.writeLine(m.line); err != nil {
			panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream: writing the point: %w", err)))
		}
	}
	return res
}

func (m *ModuleInstance) stream(ctx context.Context, url string, body io.Reader, headers map[string]string, collect bool) *result {
	res := newResult()
	res.collect = collect
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return res.fail(failure{sourceConnection, err.Error()})
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}

	wall := time.Now()
	res.tStartMs = float64(wall.UnixNano()) / 1e6
	res.wall = wall
	start := time.Now()
	resp, err := m.client.Do(req)
	if err != nil {
		res.e2e = time.Since(start)
		return res.fail(transportError(ctx, err))
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		res.e2e = time.Since(start)
		return res.fail(httpError(resp, msg))
	}

	if m.reader == nil {
		m.reader = bufio.NewReaderSize(resp.Body, 64*1024)
	} else {
		m.reader.Reset(resp.Body)
	}
	rd := m.reader
	defer rd.Reset(nil)
	var last time.Time
	for {
		line, err := rd.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it whole.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = rd.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		now := time.Now()
		if len(line) > 0 {
			res.bytes += len(line)
			if done, perr := res.onLine(bytes.TrimSpace(line), now, start, &last); perr != nil {
				res.e2e = now.Sub(start)
				return res.fail(*perr)
			} else if done {
				res.done = true
			}
		}
		if err != nil {
			res.e2e = time.Since(start)
			if err == io.EOF {
				if !res.done {
					return res.fail(failure{sourceStream, "stream ended without [DONE]"})
				}
				return res.finish()
			}
			return res.fail(transportError(ctx, err))
		}
	}
}

var errTimeout = fmt.Errorf("request timeout")

// Where a failed request's error came from (the point's error_source).
const (
	sourceTimeout    = "timeout"    // the request's own time limit
	sourceAborted    = "aborted"    // k6 ended the iteration: the load's end after its graceful stop
	sourceConnection = "connection" // refused, reset or closed by the endpoint
	sourceNoReplica  = "no_replica" // the router had no ready replica (503)
	sourceUpstream   = "upstream"   // the router could not reach the replica (502)
	sourceHTTP       = "http"       // the server answered with an error status
	sourceStream     = "stream"     // the stream was malformed, reported an error or ended early
)

type failure struct{ source, message string }

// transportError names why a request ended early: its own timeout, k6
// ending the iteration (scenario end, graceful stop, test abort), or the
// connection.
func transportError(ctx context.Context, err error) failure {
	if ctx.Err() != nil {
		if context.Cause(ctx) == errTimeout {
			return failure{sourceTimeout, "timeout"}
		}
		return failure{sourceAborted, "aborted: the load ended"}
	}
	msg := err.Error()
	var ue *neturl.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error() // without the method and URL
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{sourceConnection, "connection refused: " + msg}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return failure{sourceConnection, "connection reset: " + msg}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failure{sourceConnection, "connection closed: " + msg}
	}
	return failure{sourceConnection, msg}
}

// httpError names an error status by who answered it: the router (its
// X-Scalebench-Router header) or the server.
func httpError(resp *http.Response, body []byte) failure {
	msg := fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	switch resp.Header.Get("X-Scalebench-Router") {
	case "unavailable":
		return failure{sourceNoReplica, msg}
	case "upstream":
		return failure{sourceUpstream, msg}
	}
	return failure{sourceHTTP, msg}
}

// chunk is the part of an OpenAI streaming chunk that matters here. Reasoning
// models stream their thinking in delta.reasoning_content (vLLM's reasoning
// parsers, DeepSeek) or delta.reasoning (OpenRouter, newer vLLM) before content.
type chunk struct {
	Choices []struct {
		Delta *struct {
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
			Reasoning        string `json:"reasoning"`
		} `json:"delta"`
		Text         string  `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int `json:"prompt_tokens"`
		CompletionTokens    int `json:"completion_tokens"`
		PromptTokensDetails *struct {
			CachedTokens int `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

type result struct {
	tStartMs         float64
	wall             time.Time // the request's start, wall and monotonic
	status           int
	ttft             time.Duration // first token of any kind
	ttfc             time.Duration // first content token
	e2e              time.Duration
	itl              []float64
	chunks           int
	tokenChunks      int // chunks carrying reasoning or content
	contentChunks    int
	promptTokens     int
	completionTokens int
	finishReason     string
	bytes            int
	done             bool
	ok               bool
	cachedTokens     int // -1: not reported
	collect          bool
	content          strings.Builder
	errMsg           string
	errSource        string
}

func newResult() *result { return &result{promptTokens: -1, completionTokens: -1, cachedTokens: -1} }

// onLine handles one SSE line; it reports whether the stream is done, or an error.
func (r *result) onLine(line []byte, now, start time.Time, last *time.Time) (bool, *failure) {
	if !bytes.HasPrefix(line, []byte("data:")) {
		return false, nil // comments, event names, blank separators
	}
	payload := bytes.TrimSpace(line[len("data:"):])
	if bytes.Equal(payload, []byte("[DONE]")) {
		return true, nil
	}
	r.chunks++
	if !r.collect {
		if k, ok := scanChunk(payload); ok {
			if k.usage {
				r.promptTokens, r.completionTokens = k.prompt, k.completion
				if k.cached >= 0 {
					r.cachedTokens = k.cached
				}
			}
			if k.finish != "" {
				r.finishReason = k.finish
			}
			r.onTokens(k.content, k.reasoning, now, start, last)
			return false, nil
		}
	}
	var c chunk
	if err := json.Unmarshal(payload, &c); err != nil {
		return false, &failure{sourceStream, "malformed stream chunk: " + err.Error()}
	}
	if c.Error != nil {
		return false, &failure{sourceStream, "server error in stream: " + c.Error.Message}
	}
	if c.Usage != nil {
		r.promptTokens = c.Usage.PromptTokens
		r.completionTokens = c.Usage.CompletionTokens
		if d := c.Usage.PromptTokensDetails; d != nil {
			r.cachedTokens = d.CachedTokens
		}
	}
	for _, ch := range c.Choices {
		content := ch.Text
		reasoning := ""
		if ch.Delta != nil {
			content += ch.Delta.Content
			reasoning = ch.Delta.ReasoningContent + ch.Delta.Reasoning
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			r.finishReason = *ch.FinishReason
		}
		r.onTokens(content != "", reasoning != "", now, start, last)
		if content != "" && r.collect {
			r.content.WriteString(content)
		}
	}
	return false, nil
}

// onTokens times a chunk that carries tokens: the first of any kind (TTFT),
// the first content (TTFC), and the gap since the previous one.
func (r *result) onTokens(content, reasoning bool, now, start time.Time, last *time.Time) {
	if !content && !reasoning {
		return
	}
	if r.tokenChunks == 0 {
		r.ttft = now.Sub(start)
	} else {
		r.itl = append(r.itl, round3(ms(now.Sub(*last))))
	}
	*last = now
	r.tokenChunks++
	if content {
		if r.contentChunks == 0 {
			r.ttfc = now.Sub(start)
		}
		r.contentChunks++
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func (r *result) fail(f failure) *result {
	r.errMsg = f.message
	r.errSource = f.source
	return r
}

func (r *result) finish() *result {
	if r.tokenChunks == 0 {
		return r.fail(failure{sourceStream, "stream carried no tokens"})
	}
	r.ok = true
	return r
}

// completion is the output token count: the usage chunk's
// (stream_options.include_usage), else one per token chunk; -1 when unknown.
func (r *result) completion() int {
	if r.completionTokens < 0 && r.tokenChunks > 0 {
		return r.tokenChunks
	}
	return r.completionTokens
}

// tpotMs is TPOT as vLLM defines it, (e2e - ttft) / (output tokens - 1); NaN when undefined.
func (r *result) tpotMs() float64 {
	if c := r.completion(); r.ok && c > 1 {
		return round3(ms(r.e2e-r.ttft) / float64(c-1))
	}
	return math.NaN()
}

// appendPoint appends the request's point line (compact JSON, no white
// space, the flat form scalebench's reader decodes fastest) and a newline.
func (r *result) appendPoint(b []byte, phase string, o *PointOptions) []byte {
	num := func(b []byte, key string, v float64) []byte {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		if math.IsNaN(v) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	str := func(b []byte, key, v string) []byte {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		if v == "" {
			return append(b, "null"...)
		}
		q, _ := json.Marshal(v)
		return append(b, q...)
	}
	count := func(v int) float64 {
		if v < 0 {
			return math.NaN()
		}
		return float64(v)
	}
	b = append(b, `{"t":`...)
	b = strconv.AppendFloat(b, math.Round(r.tStartMs*1000)/1000, 'f', -1, 64)
	if o.SchedMs > 0 {
		b = num(b, "t_sched", math.Round(o.SchedMs*1000)/1000)
	}
	b = append(b, `,"phase":"`...)
	b = append(b, phase...)
	b = append(b, `","vu":`...)
	b = strconv.AppendInt(b, o.VU, 10)
	b = append(b, `,"ok":`...)
	b = strconv.AppendBool(b, r.ok)
	b = num(b, "status", float64(r.status))
	b = str(b, "error", r.errMsg)
	b = str(b, "error_source", r.errSource)
	ttft, ttfc := math.NaN(), math.NaN()
	if r.tokenChunks > 0 {
		ttft = round3(ms(r.ttft))
	}
	if r.contentChunks > 0 {
		ttfc = round3(ms(r.ttfc))
	}
	b = num(b, "ttft_ms", ttft)
	b = num(b, "ttfc_ms", ttfc)
	b = num(b, "tpot_ms", r.tpotMs())
	b = num(b, "e2e_ms", round3(ms(r.e2e)))
	b = append(b, `,"itl_ms":[`...)
	for i, v := range r.itl {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	b = append(b, ']')
	b = num(b, "prompt_tokens", count(r.promptTokens))
	if r.cachedTokens >= 0 {
		b = num(b, "cached_tokens", float64(r.cachedTokens))
	}
	b = num(b, "output_tokens", count(r.completion()))
	if o.TargetPrompt > 0 {
		b = num(b, "target_prompt", float64(o.TargetPrompt))
	}
	if o.TargetOutput > 0 {
		b = num(b, "target_output", float64(o.TargetOutput))
	}
	if o.Session != "" {
		b = str(b, "session", o.Session)
	}
	if o.Turn > 0 {
		b = num(b, "turn", float64(o.Turn))
	}
	if o.Clock {
		b = num(b, "pod", float64(o.Pod))
		b = num(b, "clk", clockOffsetMs(r.wall))
	}
	return append(b, '}', '\n')
}

func (r *result) export() map[string]any {
	ok := r.ok
	out := map[string]any{
		"ok":             ok,
		"status":         r.status,
		"error":          r.errMsg,
		"error_source":   r.errSource,
		"t_start_ms":     math.Round(r.tStartMs*1000) / 1000,
		"e2e_ms":         round3(ms(r.e2e)),
		"chunks":         r.chunks,
		"token_chunks":   r.tokenChunks,
		"content_chunks": r.contentChunks,
		"finish_reason":  r.finishReason,
		"bytes":          r.bytes,
		"itl_ms":         r.itl,
	}
	if r.itl == nil {
		out["itl_ms"] = []float64{}
	}
	out["ttft_ms"], out["ttfc_ms"] = nil, nil
	if r.tokenChunks > 0 {
		out["ttft_ms"] = round3(ms(r.ttft))
	}
	if r.contentChunks > 0 {
		out["ttfc_ms"] = round3(ms(r.ttfc))
	}
	out["prompt_tokens"] = nilIfNeg(r.promptTokens)
	out["completion_tokens"] = nilIfNeg(r.completion())
	out["cached_tokens"] = nilIfNeg(r.cachedTokens)
	if r.collect {
		out["content"] = r.content.String()
	}
	out["tpot_ms"] = nil
	if tpot := r.tpotMs(); !math.IsNaN(tpot) {
		out["tpot_ms"] = tpot
	}
	return out
}

func nilIfNeg(v int) any {
	if v < 0 {
		return nil
	}
	return v
}

// Schedule is a schedule file read by every VU of the process, one request at
// a time: lines of {"t": ms from the scenario's start, "p": prompt tokens,
// "o": output tokens, "s": session}, in time order.
type Schedule struct {
	mu    sync.Mutex
	rd    *bufio.Reader
	f     *os.File
	taken int64
}

type scheduleEntry struct {
	T float64 `json:"t"`
	P int64   `json:"p"`
	O int64   `json:"o"`
	S *string `json:"s"`
}

var (
	schedulesMu sync.Mutex
	schedules   = map[string]*Schedule{}
)

func (m *ModuleInstance) schedule(path string) *Schedule {
	schedulesMu.Lock()
	defer schedulesMu.Unlock()
	if s, ok := schedules[path]; ok {
		return s
	}
	f, err := os.Open(path)
	if err != nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.schedule: %w", err)))
	}
	s := &Schedule{f: f, rd: bufio.NewReaderSize(f, 1<<16)}
	schedules[path] = s
	return s
}

// take reads the next entry; ok is false once the schedule is spent.
func (s *Schedule) take() (scheduleEntry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		line, err := s.rd.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var e scheduleEntry
			if jerr := json.Unmarshal(line, &e); jerr != nil {
				return e, false, fmt.Errorf("schedule line %d: %w", s.taken+1, jerr)
			}
			s.taken++
			return e, true, nil
		}
		if err != nil {
			return scheduleEntry{}, false, nil
		}
	}
}

// next takes the schedule's next request; nil when the schedule is spent.
func (m *ModuleInstance) next(s *Schedule) map[string]any {
	if m.vu.State() == nil || s == nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.next needs a schedule (llmstream.schedule) and can only be called in a VU")))
	}
	ctx := m.vu.Context()
	ss := lib.GetScenarioState(ctx)
	if ss == nil {
		return nil
	}
	e, ok, err := s.take()
	if err != nil {
		panic(m.vu.Runtime().NewGoError(err))
	}
	if !ok {
		return nil
	}
	due := ss.StartTime.Add(time.Duration(e.T * float64(time.Millisecond)))
	out := map[string]any{"t_sched": float64(due.UnixMicro()) / 1e3, "prompt": e.P, "output": e.O, "session": nil}
	if e.S != nil {
		out["session"] = *e.S
	}
	return out
}

// Writer appends JSON lines to one file shared by every VU of the process.
type Writer struct {
	mu sync.Mutex
	f  *os.File
}

var (
	writersMu sync.Mutex
	writers   = map[string]*Writer{}
)

func (m *ModuleInstance) open(path string) *Writer {
	writersMu.Lock()
	defer writersMu.Unlock()
	if w, ok := writers[path]; ok {
		return w
	}
	if path == "-" {
		// A runner pod's lines go to its standard output, which the kubelet keeps
		// as the container's log and scalebench reads through the API server.
		w := &Writer{f: os.Stdout}
		writers[path] = w
		return w
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.open: %w", err)))
	}
	w := &Writer{f: f}
	writers[path] = w
	return w
}

// Write appends v as one JSON line. Each line is one write(2) on an
// O_APPEND file, so nothing is buffered in the process and lost on a kill.
func (w *Writer) Write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.writeLine(append(b, '\n'))
}

// writeLine appends one complete line with one write(2).
func (w *Writer) writeLine(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err := w.f.Write(b)
	return err
}
