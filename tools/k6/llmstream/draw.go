package llmstream

import "math"

// The token counts of a request drawn here, with the very numbers the
// scenario's JavaScript draws (scenarios/openai-chat.js, draw and rng): one
// generator, mulberry32 (src/util/random.ts), seeded the same way, and the same
// Box-Muller step, so moving a draw from JavaScript to Go changes no run.

// Dist is a token count distribution (the workload's prompt or output).
type Dist struct {
	Mean  float64 `js:"mean"`
	Stdev float64 `js:"stdev"`
	Min   float64 `js:"min"`
	Max   float64 `js:"max"`
	// Dist is "normal" (or empty) or "lognormal" (mean and stdev of the counts).
	Dist string `js:"dist"`
}

// DrawOptions give the distributions a Sender draws from and its seed.
type DrawOptions struct {
	Prompt Dist    `js:"prompt"`
	Output Dist    `js:"output"`
	Seed   float64 `js:"seed"`
}

// mulberry32 is the project's seeded uniform generator in [0, 1).
type mulberry32 struct{ a uint32 }

// newMulberry32 seeds it as JavaScript's `seed >>> 0` does.
func newMulberry32(seed float64) *mulberry32 {
	return &mulberry32{a: uint32(int64(math.Trunc(seed)))}
}

func (g *mulberry32) next() float64 {
	g.a += 0x6d2b79f5
	t := g.a
	t = (t ^ (t >> 15)) * (t | 1)
	t ^= t + (t^(t>>7))*(t|61)
	return float64(t^(t>>14)) / 4294967296
}

// draw is one count: normal (or lognormal) by Box-Muller, rounded as
// JavaScript's Math.round does (half up), clamped to [Min, Max].
func (d *Dist) draw(g *mulberry32) int64 {
	u := math.Max(g.next(), 1e-12)
	z := math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*g.next())
	v := d.Mean + z*d.Stdev
	if d.Dist == "lognormal" && d.Mean > 0 {
		s2 := math.Log(1 + (d.Stdev*d.Stdev)/(d.Mean*d.Mean))
		v = math.Exp(math.Log(d.Mean) - s2/2 + math.Sqrt(s2)*z)
	}
	return int64(math.Min(d.Max, math.Max(d.Min, math.Floor(v+0.5))))
}
