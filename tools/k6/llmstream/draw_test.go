package llmstream

import "testing"

// The expected numbers are what the scenario's JavaScript (rng and draw in
// scenarios/openai-chat.js) gives for the same seeds, computed with node.
func TestDrawMatchesTheScenario(t *testing.T) {
	g := newMulberry32(1*7919 + 3)
	prompt := Dist{Mean: 512, Stdev: 51.2, Min: 1, Max: 1024}
	output := Dist{Mean: 256, Stdev: 80, Min: 1, Max: 2048, Dist: "lognormal"}
	want := []int64{571, 202, 562, 303, 528, 323, 483, 236, 481, 236, 515, 268}
	for i := 0; i < len(want); i += 2 {
		if p, o := prompt.draw(g), output.draw(g); p != want[i] || o != want[i+1] {
			t.Fatalf("draw %d: got %d, %d; JavaScript drew %d, %d", i/2, p, o, want[i], want[i+1])
		}
	}
	n := newMulberry32(-5)
	if a, b := n.next(), n.next(); a != 0.48384718922898173 || b != 0.05296749505214393 {
		t.Fatalf("mulberry32(-5): %v, %v; JavaScript: 0.48384718922898173, 0.05296749505214393", a, b)
	}
	fixed := Dist{Mean: 16, Stdev: 0, Min: 16, Max: 16}
	if v := fixed.draw(g); v != 16 {
		t.Fatalf("a fixed count drew %d", v)
	}
}
