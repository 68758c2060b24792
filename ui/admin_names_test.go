package ui

import "testing"

// TestPlatformLabels: platforms with the same name are told apart by client
// ID; a name used once stays as it is.
func TestPlatformLabels(t *testing.T) {
	got := platformLabels([]platformRef{{1, "localhost:18080", "a"}, {2, "localhost:18080", "b"}, {3, "Demo LMS", "c"}, {1, "localhost:18080", "a"}})
	want := map[int64]string{1: "localhost:18080 (client a)", 2: "localhost:18080 (client b)", 3: "Demo LMS"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("label of %d = %q, want %q", id, got[id], w)
		}
	}
}
