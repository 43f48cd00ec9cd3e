package llmstream

import (
	"encoding/json"
	"strings"
	"testing"
)

// slowChunk is what encoding/json reads of a chunk: the reference fastChunk must agree with.
func slowChunk(t *testing.T, payload string) tokenKind {
	t.Helper()
	var c chunk
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		t.Fatalf("not JSON: %s", payload)
	}
	var k tokenKind
	for _, ch := range c.Choices {
		if ch.Text != "" || (ch.Delta != nil && ch.Delta.Content != "") {
			k.content = true
		}
		if ch.Delta != nil && ch.Delta.ReasoningContent+ch.Delta.Reasoning != "" {
			k.reasoning = true
		}
		if ch.FinishReason != nil {
			k.finish = *ch.FinishReason
		}
	}
	return k
}

func TestFastChunkAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{
		// llm-d-inference-sim v0.10.2's chunks, as it writes them
		`{"id":"chatcmpl-f21a08d2","model":"m","object":"chat.completion.chunk","created":1796020023,"usage":null,"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant"}}]}`,
		`{"id":"chatcmpl-f21a08d2","model":"m","object":"chat.completion.chunk","created":1796020023,"usage":null,"choices":[{"index":0,"finish_reason":null,"delta":{"content":"Today "}}]}`,
		`{"id":"chatcmpl-1","created":1,"model":"m","object":"chat.completion.chunk","usage":null,"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`,
		// reasoning models
		`{"choices":[{"index":0,"delta":{"reasoning_content":"Let me"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"reasoning":"think"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content":null,"reasoning_content":"x"}}]}`,
		// completions
		`{"choices":[{"index":0,"text":"hi","finish_reason":null}]}`,
		`{"choices":[{"index":0,"text":"","finish_reason":"stop"}]}`,
		// text that looks like a key, escaped inside a string
		`{"choices":[{"index":0,"delta":{"content":"say \"content\":\"\" and \"usage\""},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content":"\u00e9\n"},"finish_reason":null}]}`,
	}
	for _, p := range cases {
		want := slowChunk(t, p)
		got, ok := fastChunk([]byte(p))
		if !ok {
			continue // left to encoding/json: fine
		}
		if got != want {
			t.Errorf("%s\nfast %+v, encoding/json %+v", p, got, want)
		}
	}
	// The simulator's own chunks must take the fast path.
	for _, p := range cases[:3] {
		if _, ok := fastChunk([]byte(p)); !ok {
			t.Errorf("not on the fast path: %s", p)
		}
	}
}

func TestFastChunkLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, p := range []string{
		`{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}`,
		`{"choices":[],"usage": {"prompt_tokens":3}}`,
		`{"usage":null,"error":{"message":"x"}}`,
		`{"error":{"message":"boom"}}`,
		`{"choices":[{"index":0,"delta":{"content": "spaced"}}]}`,
		`{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"x"}]}}]}`,
		`[1,2]`,
	} {
		if _, ok := fastChunk([]byte(p)); ok {
			t.Errorf("fast path taken for %s", p)
		}
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
