// Package llmstream is scalebench's k6 extension for streaming LLM requests.
//
// It sends one OpenAI-compatible streaming request (chat/completions or
// completions with "stream": true), reads the Server-Sent Events as they
// arrive and times them with the monotonic clock: time to the first
// non-empty content chunk (TTFT), the gaps between content chunks
// (inter-token latency) and the end of the stream (E2E). Core k6 buffers
// whole responses and cannot do this.
//
// JavaScript API (import llm from 'k6/x/llmstream'):
//
//	llm.chat(url, body, { headers: {...}, timeoutMs: 120000 }) -> result
//	llm.open(path) -> writer; writer.write(obj) appends obj as one JSON line
package llmstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.k6.io/k6/js/modules"
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
}

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}
)

// NewModuleInstance implements modules.Module.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &ModuleInstance{vu: vu}
}

// Exports implements modules.Instance.
func (m *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"chat": m.chat,
		"open": m.open,
	}}
}

// ChatOptions are the optional per-request settings.
type ChatOptions struct {
	Headers   map[string]string `js:"headers"`
	TimeoutMs float64           `js:"timeoutMs"`
}

const defaultTimeout = 120 * time.Second

func (m *ModuleInstance) httpClient() *http.Client {
	if m.client != nil {
		return m.client
	}
	// Prefer k6's own transport (its dialer honours --hosts, blocked
	// hostnames and the VU's TLS settings); it exists only outside init.
	var rt http.RoundTripper = http.DefaultTransport
	if st := m.vu.State(); st != nil && st.Transport != nil {
		rt = st.Transport
	}
	m.client = &http.Client{Transport: rt}
	return m.client
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// chat runs one streaming request to completion and returns its timings.
// It never throws for a failed request: the result carries ok=false and error.
func (m *ModuleInstance) chat(url, body string, opts *ChatOptions) map[string]any {
	if m.vu.State() == nil {
		panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.chat can only be called in a VU, not in the init context")))
	}
	timeout := defaultTimeout
	headers := map[string]string{}
	if opts != nil {
		if opts.TimeoutMs > 0 {
			timeout = time.Duration(opts.TimeoutMs * float64(time.Millisecond))
		}
		for k, v := range opts.Headers {
			headers[k] = v
		}
	}
	ctx, cancel := context.WithTimeoutCause(m.vu.Context(), timeout, errTimeout)
	defer cancel()
	return m.stream(ctx, url, body, headers)
}

func (m *ModuleInstance) stream(ctx context.Context, url, body string, headers map[string]string) map[string]any {
	res := newResult()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return res.fail(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}

	wall := time.Now()
	res.tStartMs = float64(wall.UnixNano()) / 1e6
	start := time.Now()
	resp, err := m.httpClient().Do(req)
	if err != nil {
		res.e2e = time.Since(start)
		return res.fail(transportError(ctx, err))
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		res.e2e = time.Since(start)
		return res.fail(fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg))))
	}

	rd := bufio.NewReaderSize(resp.Body, 64*1024)
	var last time.Time
	for {
		line, err := rd.ReadBytes('\n')
		now := time.Now()
		if len(line) > 0 {
			res.bytes += len(line)
			if done, perr := res.onLine(bytes.TrimSpace(line), now, start, &last); perr != "" {
				res.e2e = now.Sub(start)
				return res.fail(perr)
			} else if done {
				res.done = true
			}
		}
		if err != nil {
			res.e2e = time.Since(start)
			if err == io.EOF {
				if !res.done {
					return res.fail("stream ended without [DONE]")
				}
				return res.finish()
			}
			return res.fail(transportError(ctx, err))
		}
	}
}

var errTimeout = fmt.Errorf("request timeout")

// transportError names why a request ended early: its own timeout, or k6
// ending the iteration (scenario end, graceful stop, test abort).
func transportError(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		if context.Cause(ctx) == errTimeout {
			return "timeout"
		}
		return "aborted: the scenario ended"
	}
	return err.Error()
}

// chunk is the part of an OpenAI streaming chunk that matters here.
type chunk struct {
	Choices []struct {
		Delta *struct {
			Content string `json:"content"`
		} `json:"delta"`
		Text         string  `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

type result struct {
	tStartMs         float64
	status           int
	ttft             time.Duration
	e2e              time.Duration
	itl              []float64
	chunks           int
	contentChunks    int
	promptTokens     int
	completionTokens int
	finishReason     string
	bytes            int
	done             bool
	errMsg           string
}

func newResult() *result { return &result{promptTokens: -1, completionTokens: -1} }

// onLine handles one SSE line; it reports whether the stream is done, or an error.
func (r *result) onLine(line []byte, now, start time.Time, last *time.Time) (bool, string) {
	if !bytes.HasPrefix(line, []byte("data:")) {
		return false, "" // comments, event names, blank separators
	}
	payload := bytes.TrimSpace(line[len("data:"):])
	if bytes.Equal(payload, []byte("[DONE]")) {
		return true, ""
	}
	r.chunks++
	var c chunk
	if err := json.Unmarshal(payload, &c); err != nil {
		return false, "malformed stream chunk: " + err.Error()
	}
	if c.Error != nil {
		return false, "server error in stream: " + c.Error.Message
	}
	if c.Usage != nil {
		r.promptTokens = c.Usage.PromptTokens
		r.completionTokens = c.Usage.CompletionTokens
	}
	for _, ch := range c.Choices {
		text := ch.Text
		if ch.Delta != nil {
			text += ch.Delta.Content
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			r.finishReason = *ch.FinishReason
		}
		if text == "" {
			continue
		}
		if r.contentChunks == 0 {
			r.ttft = now.Sub(start)
		} else {
			r.itl = append(r.itl, round3(ms(now.Sub(*last))))
		}
		*last = now
		r.contentChunks++
	}
	return false, ""
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func (r *result) fail(msg string) map[string]any {
	r.errMsg = msg
	return r.export(false)
}

func (r *result) finish() map[string]any {
	if r.contentChunks == 0 {
		return r.fail("stream carried no content")
	}
	return r.export(true)
}

func (r *result) export(ok bool) map[string]any {
	out := map[string]any{
		"ok":             ok,
		"status":         r.status,
		"error":          r.errMsg,
		"t_start_ms":     math.Round(r.tStartMs*1000) / 1000,
		"e2e_ms":         round3(ms(r.e2e)),
		"chunks":         r.chunks,
		"content_chunks": r.contentChunks,
		"finish_reason":  r.finishReason,
		"bytes":          r.bytes,
		"itl_ms":         r.itl,
	}
	if r.itl == nil {
		out["itl_ms"] = []float64{}
	}
	if r.contentChunks > 0 {
		out["ttft_ms"] = round3(ms(r.ttft))
	} else {
		out["ttft_ms"] = nil
	}
	// Token counts come from the usage chunk (stream_options.include_usage);
	// without it, each content chunk is taken as one token.
	out["prompt_tokens"] = nilIfNeg(r.promptTokens)
	completion := r.completionTokens
	if completion < 0 && r.contentChunks > 0 {
		completion = r.contentChunks
	}
	out["completion_tokens"] = nilIfNeg(completion)
	// TPOT as vLLM defines it: (e2e - ttft) / (output tokens - 1).
	if ok && completion > 1 {
		out["tpot_ms"] = round3(ms(r.e2e-r.ttft) / float64(completion-1))
	} else {
		out["tpot_ms"] = nil
	}
	return out
}

func nilIfNeg(v int) any {
	if v < 0 {
		return nil
	}
	return v
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
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.f.Write(b)
	return err
}
