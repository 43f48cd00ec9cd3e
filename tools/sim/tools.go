//go:build tools

// Package tools pins llm-d-inference-sim for scripts/setup, which builds
// its command with CGO_ENABLED=0 from this module.
package tools

import _ "github.com/llm-d/llm-d-inference-sim/cmd/llm-d-inference-sim"
