// Command k6 is k6 with scalebench's streaming extension (k6/x/llmstream)
// compiled in, the same two-file module xk6 would generate.
package main

import (
	k6cmd "go.k6.io/k6/cmd"

	_ "scalebench.local/k6/llmstream"
)

func main() { k6cmd.Execute() }
