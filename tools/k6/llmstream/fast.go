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

// scanned is what scanChunk read of a chunk: its tokens and, in the last
// chunk of a stream asked with include_usage, the usage (-1: not given).
type scanned struct {
	tokenKind
	usage                      bool
	prompt, completion, cached int
}

// scanChunk reads a streaming chunk in one pass over its bytes, without
// encoding/json: the keys that matter (a choice's delta content, reasoning,
// text and finish_reason; usage and its token counts; error; index), each
// string read whole so that a key inside a string value never matches. ok is
// false for what it does not read, which the caller then gives to
// encoding/json: an error, tool calls, more than one choice, a value of an
// unexpected type, a number that is not a plain integer, anything malformed.
func scanChunk(p []byte) (s scanned, ok bool) {
	s.prompt, s.completion, s.cached = -1, -1, -1
	if len(p) == 0 || p[0] != '{' {
		return s, false
	}
	choices := 0
	for i := 0; i < len(p); {
		q := bytes.IndexByte(p[i:], '"')
		if q < 0 {
			break
		}
		i += q
		end, escaped := stringEnd(p, i+1)
		if end < 0 {
			return s, false
		}
		key := p[i+1 : end]
		j := skipSpace(p, end+1)
		if j >= len(p) || p[j] != ':' || escaped {
			i = end + 1 // a string value (or a key with escapes: none of those read here)
			continue
		}
		j = skipSpace(p, j+1)
		if j >= len(p) {
			return s, false
		}
		v := p[j]
		str, null := v == '"', bytes.HasPrefix(p[j:], []byte("null"))
		nonEmpty := str && j+1 < len(p) && p[j+1] != '"'
		switch string(key) {
		case "content", "text", "reasoning_content", "reasoning":
			if !str && !null {
				return s, false
			}
			if string(key) == "text" {
				choices++
			}
			if string(key) == "reasoning_content" || string(key) == "reasoning" {
				s.reasoning = s.reasoning || nonEmpty
			} else {
				s.content = s.content || nonEmpty
			}
		case "delta":
			choices++
		case "finish_reason":
			if str {
				e, esc := stringEnd(p, j+1)
				if e < 0 || esc {
					return s, false
				}
				s.finish = string(p[j+1 : e])
			} else if !null {
				return s, false
			}
		case "tool_calls", "error":
			if !null {
				return s, false
			}
		case "usage":
			if v == '{' {
				s.usage, s.prompt, s.completion = true, 0, 0
			} else if !null {
				return s, false
			}
		case "prompt_tokens_details":
			if v == '{' {
				s.cached = 0
			} else if !null {
				return s, false
			}
		case "prompt_tokens", "completion_tokens", "cached_tokens", "index":
			n, e := plainInt(p, j)
			if e < 0 {
				if null && string(key) != "index" {
					break
				}
				return s, false
			}
			switch string(key) {
			case "prompt_tokens":
				s.prompt = n
			case "completion_tokens":
				s.completion = n
			case "cached_tokens":
				s.cached = n
			case "index":
				if n != 0 {
					return s, false
				}
			}
		}
		i = j
	}
	if choices > 1 {
		return s, false
	}
	return s, true
}

// stringEnd is the index of the quote that closes the string whose first
// byte is at i, and whether it holds an escape; -1 when it does not close.
func stringEnd(p []byte, i int) (int, bool) {
	escaped := false
	for {
		q := bytes.IndexByte(p[i:], '"')
		if q < 0 {
			return -1, escaped
		}
		k := i + q
		if bytes.IndexByte(p[i:k], '\\') < 0 {
			return k, escaped
		}
		escaped = true
		// Count the backslashes before the quote: an odd number escapes it.
		n := 0
		for b := k - 1; b >= i && p[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return k, escaped
		}
		i = k + 1
	}
}

func skipSpace(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

// plainInt reads a non-negative integer of at most nine digits at i, followed
// by a delimiter; e is -1 for anything else.
func plainInt(p []byte, i int) (n, e int) {
	k := i
	for k < len(p) && p[k] >= '0' && p[k] <= '9' && k-i < 10 {
		n = n*10 + int(p[k]-'0')
		k++
	}
	if k == i || k-i > 9 || k >= len(p) || (p[k] != ',' && p[k] != '}' && p[k] != ']' && p[k] != ' ') {
		return 0, -1
	}
	return n, k
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
