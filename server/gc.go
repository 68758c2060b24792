package main

import "runtime/debug"

// gcPercent is the garbage collector's target when GOGC is not set. ltibox's
// live heap is small (10–20 MB under load), so Go's default of 100 collects
// every few hundred launches. 200 halves that work: in the load run it cut
// the tool's CPU per launch by 10–15% at 16 and 64 browsers (end to end
// 0.48 → 0.40 ms at 16) for about 3 MB more peak RSS (45 → 48 MB, against a
// 60 MB budget). A GOGC in the environment still wins.
const gcPercent = 200

// setGCPercent applies gcPercent unless the environment sets GOGC, and says
// whether it did.
func setGCPercent(getenv func(string) string) bool {
	if getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(gcPercent)
	return true
}
