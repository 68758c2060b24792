package sqlite

import (
	"testing"
	"time"
)

// A miss read before a write commits must not be cached after the write
// reset the cache: the old status would be served for the whole TTL.
func TestPlatformCache_FillOlderThanResetIsDropped(t *testing.T) {
	var c platformCache
	now := time.Now()
	key := deploymentKey{1, "d"}
	cached := func() bool {
		var ok bool
		c.lookup(now, func() { _, ok = c.deployments[key] })
		return ok
	}
	gen := c.lookup(now, func() {})
	c.reset() // a write committed while the miss was being read
	c.put(now, gen, func() { c.deployments[key] = "pending" })
	if cached() {
		t.Fatal("a value read before a write was cached after it")
	}
	gen = c.lookup(now, func() {})
	c.put(now, gen, func() { c.deployments[key] = "active" })
	if !cached() {
		t.Fatal("a fill with no write in between was not cached")
	}
}
