package llmstream

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// slowChunk is what encoding/json reads of a chunk (onLine's own slow path):
// the reference scanChunk must agree with.
func slowChunk(t *testing.T, payload string) scanned {
	t.Helper()
	r := newResult()
	var last time.Time
	now := time.Now()
	r.collect = true // the slow path
	if _, f := r.onLine([]byte("data: "+payload), now, now, &last); f != nil {
		t.Fatalf("encoding/json refused %s: %s", payload, f.message)
	}
	return scanned{
		tokenKind: tokenKind{content: r.contentChunks > 0, reasoning: r.tokenChunks > r.contentChunks, finish: r.finishReason},
		usage:     r.promptTokens >= 0, prompt: r.promptTokens, completion: r.completionTokens, cached: r.cachedTokens,
	}
}

func TestScanChunkAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{
		// llm-d-inference-sim v0.10.2's chunks, as it writes them
		`{"id":"chatcmpl-f21a08d2","model":"m","object":"chat.completion.chunk","created":1796020023,"usage":null,"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant"}}]}`,
		`{"id":"chatcmpl-f21a08d2","model":"m","object":"chat.completion.chunk","created":1796020023,"usage":null,"choices":[{"index":0,"finish_reason":null,"delta":{"content":"Today "}}]}`,
		`{"id":"chatcmpl-1","created":1,"model":"m","object":"chat.completion.chunk","usage":null,"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`,
		`{"id":"chatcmpl-1","created":1,"model":"m","object":"chat.completion.chunk","usage":{"prompt_tokens":21,"completion_tokens":4,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":0}},"choices":[]}`,
		// vLLM's usage chunk
		`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":512,"total_tokens":768,"completion_tokens":256,"prompt_tokens_details":{"cached_tokens":496}}}`,
		`{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}`,
		`{"choices":[],"usage": {"prompt_tokens": 3 , "completion_tokens":4,"prompt_tokens_details":null}}`,
		// reasoning models
		`{"choices":[{"index":0,"delta":{"reasoning_content":"Let me"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"reasoning":"think"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content":null,"reasoning_content":"x"}}]}`,
		// completions
		`{"choices":[{"index":0,"text":"hi","finish_reason":null}]}`,
		`{"choices":[{"index":0,"text":"","finish_reason":"stop"}]}`,
		// text that looks like a key, escaped inside a string; escapes; spaces
		`{"choices":[{"index":0,"delta":{"content":"say \"content\":\"\" and \"usage\":{\"prompt_tokens\":9}"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content":"\u00e9\n\\"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content": "spaced"}}]}`,
		`{"choices":[{"index":0,"delta":{"content":"\\"},"finish_reason":"stop"}]}`,
	}
	for _, p := range cases {
		want := slowChunk(t, p)
		got, ok := scanChunk([]byte(p))
		if !ok {
			t.Errorf("left to encoding/json: %s", p)
			continue
		}
		if got != want {
			t.Errorf("%s\nscan %+v, encoding/json %+v", p, got, want)
		}
	}
}

func TestScanChunkLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, p := range []string{
		`{"usage":null,"error":{"message":"x"}}`,
		`{"error":{"message":"boom"}}`,
		`{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}`,
		`{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"x"}]}}]}`,
		`{"choices":[{"index":0,"delta":{"content":5}}]}`,
		`{"choices":[],"usage":{"prompt_tokens":3.5,"completion_tokens":4}}`,
		`{"choices":[],"usage":{"prompt_tokens":-3,"completion_tokens":4}}`,
		`{"choices":[{"index":0,"delta":{"content":"unterminated}}]}`,
		`{"choices":[{"index":0,"logprobs":{"content":[{"token":"a"}]},"delta":{"content":"a"}}]}`,
		`[1,2]`,
		``,
	} {
		if _, ok := scanChunk([]byte(p)); ok {
			t.Errorf("scanned, not left to encoding/json: %s", p)
		}
	}
}

// A chunk's scan costs no allocation (the finish reason's string aside).
func TestScanChunkDoesNotAllocate(t *testing.T) {
	p := []byte(`{"id":"chatcmpl-f21a08d2","model":"m","object":"chat.completion.chunk","created":1796020023,"usage":null,"choices":[{"index":0,"finish_reason":null,"delta":{"content":"Today "}}]}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = scanChunk(p) }); n != 0 {
		t.Fatalf("%v allocations per chunk", n)
	}
}

func BenchmarkScanChunk(b *testing.B) {
	p := []byte(`{"id":"chatcmpl-f21a08d2","model":"m","object":"chat.completion.chunk","created":1796020023,"usage":null,"choices":[{"index":0,"finish_reason":null,"delta":{"content":"Today "}}]}`)
	for b.Loop() {
		_, _ = scanChunk(p)
	}
}

func TestBuiltBodyIsTheRequestAsked(t *testing.T) {
	m := &ModuleInstance{}
	b := m.buildBody(nil, &BuildOptions{Model: `m"1`, PromptTokens: 50, MaxTokens: 7, Seed: 3})
	var req struct {
		Model         string `json:"model"`
		Stream        bool   `json:"stream"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
		MaxTokens int  `json:"max_tokens"`
		IgnoreEOS bool `json:"ignore_eos"`
		Messages  []struct {
			Role, Content string
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	if req.Model != `m"1` || !req.Stream || !req.StreamOptions.IncludeUsage || req.MaxTokens != 7 || !req.IgnoreEOS || len(req.Messages) != 1 || req.Messages[0].Role != "user" {
		t.Fatalf("unexpected body %s", b)
	}
	if n := len(strings.Fields(req.Messages[0].Content)); n != 50 {
		t.Fatalf("%d prompt words, want 50", n)
	}
	// The same VU's next body differs; another VU with the same seed repeats the first.
	next := string(m.buildBody(nil, &BuildOptions{Model: "m", PromptTokens: 50, MaxTokens: 7, Seed: 3}))
	again := string((&ModuleInstance{}).buildBody(nil, &BuildOptions{Model: `m"1`, PromptTokens: 50, MaxTokens: 7, Seed: 3}))
	if again != string(b) || strings.Contains(next, req.Messages[0].Content) {
		t.Fatalf("bodies not reproducible per VU seed")
	}
}
