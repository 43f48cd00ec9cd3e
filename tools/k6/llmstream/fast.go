package llmstream

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
)

// The hot path, kept out of JavaScript and out of reflection: the request body
// built here, and the common stream chunk read without encoding/json.

// tokenKind is what a chunk's delta carries.
type tokenKind struct {
	content, reasoning bool
	finish             string
}

var (
	keyContent   = []byte(`"content":`)
	keyReasoning = []byte(`"reasoning_content":`)
	keyReasonAlt = []byte(`"reasoning":`)
	keyText      = []byte(`"text":`)
	keyFinish    = []byte(`"finish_reason":`)
	// Chunks these appear in are read by encoding/json (rare: one a request, or errors).
	slowKeys = [][]byte{[]byte(`"tool_calls"`), []byte(`"index":1`)}
	// These too, unless null (llm-d-inference-sim writes "usage":null in every chunk).
	slowUnlessNull = [][2][]byte{{[]byte(`"usage"`), []byte(`"usage":null`)}, {[]byte(`"error"`), []byte(`"error":null`)}}
)

// stringValue reports, for the first `key` in payload, whether its value is a
// non-empty string; ok is false when the value is neither a string nor null
// (the caller then reads the chunk with encoding/json). A key inside a string
// value cannot match: there its quotes are escaped.
func stringValue(payload, key []byte) (present, nonEmpty, ok bool) {
	i := bytes.Index(payload, key)
	if i < 0 {
		return false, false, true
	}
	v := payload[i+len(key):]
	switch {
	case bytes.HasPrefix(v, []byte(`null`)):
		return true, false, true
	case bytes.HasPrefix(v, []byte(`""`)):
		return true, false, true
	case len(v) > 1 && v[0] == '"':
		return true, true, true
	}
	return true, false, false
}

// fastChunk reads a one-choice streaming chunk with no usage, error or tool
// calls; ok is false for anything else.
func fastChunk(payload []byte) (k tokenKind, ok bool) {
	if len(payload) == 0 || payload[0] != '{' {
		return k, false
	}
	for _, s := range slowKeys {
		if bytes.Contains(payload, s) {
			return k, false
		}
	}
	for _, s := range slowUnlessNull {
		if n := bytes.Count(payload, s[0]); n > 0 && n != bytes.Count(payload, s[1]) {
			return k, false
		}
	}
	var present, nonEmpty bool
	if _, nonEmpty, ok = stringValue(payload, keyContent); !ok {
		return k, false
	}
	k.content = nonEmpty
	if _, nonEmpty, ok = stringValue(payload, keyText); !ok {
		return k, false
	}
	k.content = k.content || nonEmpty
	for _, key := range [][]byte{keyReasoning, keyReasonAlt} {
		if _, nonEmpty, ok = stringValue(payload, key); !ok {
			return k, false
		}
		k.reasoning = k.reasoning || nonEmpty
	}
	if present, _, ok = stringValue(payload, keyFinish); !ok {
		return k, false
	}
	if present {
		i := bytes.Index(payload, keyFinish) + len(keyFinish)
		if payload[i] == '"' {
			end := bytes.IndexByte(payload[i+1:], '"')
			if end < 0 || bytes.IndexByte(payload[i+1:i+1+end], '\\') >= 0 {
				return k, false
			}
			k.finish = string(payload[i+1 : i+1+end])
		}
	}
	return k, true
}

// BuildOptions describe a request body built here instead of in JavaScript:
// a chat completion streaming its usage, `PromptTokens` words drawn from a
// small vocabulary with the VU's own generator, `MaxTokens` output tokens
// with ignore_eos (the simulator and vLLM then produce exactly that many).
type BuildOptions struct {
	Model        string `js:"model"`
	PromptTokens int    `js:"promptTokens"`
	MaxTokens    int    `js:"maxTokens"`
	Seed         uint64 `js:"seed"`
}

var words = []string{"the", "model", "serves", "a", "request", "with", "tokens", "from", "cache", "and", "queue", "batch"}

// buildBody writes the request body into b (reused from request to request).
func (m *ModuleInstance) buildBody(b []byte, o *BuildOptions) []byte {
	if m.rnd == nil {
		m.rnd = rand.New(rand.NewPCG(o.Seed, 0x5ca1eb))
	}
	model, _ := json.Marshal(o.Model)
	b = append(b, `{"model":`...)
	b = append(b, model...)
	b = append(b, `,"stream":true,"stream_options":{"include_usage":true},"max_tokens":`...)
	b = strconv.AppendInt(b, int64(o.MaxTokens), 10)
	b = append(b, `,"ignore_eos":true,"messages":[{"role":"user","content":"`...)
	for i := 0; i < o.PromptTokens; i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, words[m.rnd.IntN(len(words))]...)
	}
	return append(b, `"}]}`...)
}
