package main

import (
	"runtime/debug"
	"testing"
)

// TestSetGCPercent: without GOGC the collector's target becomes gcPercent;
// with GOGC set, the operator's value stays.
func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	if !setGCPercent(func(string) string { return "" }) {
		t.Error("GOGC unset: setGCPercent did not apply gcPercent")
	}
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, gcPercent)
	}
	if setGCPercent(func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	}) {
		t.Error("GOGC=50: setGCPercent overrode the environment")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=50: GC percent changed to %d", got)
	}
}
