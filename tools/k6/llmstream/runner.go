package llmstream

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// What a load runner pod (scalebench's Indexed Job) needs beyond a local run:
// a start barrier every pod waits on, and each point's clock offset so that
// scalebench can merge the pods' points on one time line.

// clockBase is the process's monotonic zero: Go's time.Time carries a
// monotonic reading, and t.Sub(clockBase) uses it (package time: "Monotonic
// Clocks"), so wall-clock steps and slews do not move it.
var clockBase = time.Now()

// clockOffsetMs is t's wall-clock time minus its monotonic time since the
// process started, ms since the epoch (µs precision): the wall time of the
// monotonic zero as the wall clock reads it at t. It stays the same while the
// wall clock runs with the monotonic one; a step of the wall clock (NTP,
// settimeofday) moves it by the step.
func clockOffsetMs(t time.Time) float64 {
	return math.Round(float64(t.UnixMicro())-float64(t.Sub(clockBase).Microseconds())) / 1e3
}

// clockOffset is clockOffsetMs now (JavaScript: llm.clockOffsetMs()).
func (m *ModuleInstance) clockOffset() float64 { return clockOffsetMs(time.Now()) }

// waitStart is the start barrier (JavaScript: llm.waitStart(path, timeoutMs),
// called in setup()): it polls the file at path until it holds a start
// instant, ms since the epoch, then sleeps until that instant on this pod's
// wall clock and returns it. scalebench writes the instant once every pod of
// the Job runs (a pod annotation, seen through a downward API volume). A
// timeout, or the test being stopped, throws.
func (m *ModuleInstance) waitStart(path string, timeoutMs float64) float64 {
	deadline := time.Now().Add(time.Duration(timeoutMs * float64(time.Millisecond)))
	ctx := m.vu.Context()
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			if at, perr := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); perr == nil && at > 0 {
				due := time.UnixMicro(int64(at * 1000))
				if wait := time.Until(due); wait > 0 {
					t := time.NewTimer(wait)
					select {
					case <-t.C:
					case <-ctx.Done():
						t.Stop()
						panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.waitStart: stopped before the start")))
					}
				}
				return at
			}
		}
		if time.Now().After(deadline) {
			panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.waitStart: no start instant in %s after %.0f s (is scalebench still running?)", path, timeoutMs/1000)))
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			panic(m.vu.Runtime().NewGoError(fmt.Errorf("llmstream.waitStart: stopped before the start")))
		}
	}
}
