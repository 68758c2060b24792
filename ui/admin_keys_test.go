package ui

import "testing"

// TestOverlapWords: the Keys page says the overlap window as the CLI does
// ("7 days"), not "168 hours".
func TestOverlapWords(t *testing.T) {
	for hours, want := range map[int]string{168: "7 days", 24: "1 day", 36: "36 hours", 1: "1 hour", 0: "0 hours"} {
		if got := overlapWords(hours); got != want {
			t.Errorf("overlapWords(%d) = %q, want %q", hours, got, want)
		}
	}
}
