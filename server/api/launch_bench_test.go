package api_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// BenchmarkLaunch measures one complete login → auth → launch over real HTTP:
// the tool (Fiber, SQLite file, JWT verification) and the emulator (which signs
// the id_token with RS256, about half of the total on its own).
func BenchmarkLaunch(b *testing.B) {
	h := newHarness(b)
	ctx := context.Background()
	spec := ltitest.LaunchSpec{UserID: "instructor", WithAGS: true, WithNRPS: true}
	launchOnce := func(client *http.Client) {
		resp, err := h.lms.Launch(ctx, client, spec)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("launch status %d", resp.StatusCode)
		}
	}
	launchOnce(h.browser()) // warm the JWKS cache and connections
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := h.browser()
		for pb.Next() {
			launchOnce(client)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "launches/s")
}
