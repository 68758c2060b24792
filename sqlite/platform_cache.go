package sqlite

import (
	"sync"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// platformCache keeps registrations and deployment statuses, which every launch
// reads and which change rarely. Every write through this DB resets it, so a
// change made in this process is seen at once; a change made by another process
// (the CLI on the same file) is seen within platformCacheTTL.
//
// A read that misses fills the cache after its query. If a write committed
// and reset the cache while that query ran, the value read may predate it:
// gen, bumped by every reset, tells the fill to keep its value to itself.
type platformCache struct {
	mu          sync.Mutex
	gen         uint64
	loadedAt    time.Time
	byIssuer    map[string][]*lti.Registration
	byID        map[int64]*lti.Registration
	deployments map[deploymentKey]string // "" = not found
}

type deploymentKey struct {
	registrationID int64
	deploymentID   string
}

const platformCacheTTL = 5 * time.Second

// fresh returns the cache maps, emptied when older than the TTL. Call with mu held.
func (c *platformCache) fresh(now time.Time) {
	if c.byIssuer == nil || now.Sub(c.loadedAt) > platformCacheTTL || now.Before(c.loadedAt) {
		c.byIssuer = map[string][]*lti.Registration{}
		c.byID = map[int64]*lti.Registration{}
		c.deployments = map[deploymentKey]string{}
		c.loadedAt = now
	}
}

func (c *platformCache) reset() {
	c.mu.Lock()
	c.byIssuer = nil
	c.gen++
	c.mu.Unlock()
}

// lookup runs get on the fresh maps and returns the generation a fill after
// a miss must present to put.
func (c *platformCache) lookup(now time.Time, get func()) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fresh(now)
	get()
	return c.gen
}

// put runs set on the fresh maps, unless a write reset the cache since the
// lookup of generation gen.
func (c *platformCache) put(now time.Time, gen uint64, set func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	c.fresh(now)
	set()
}

// copies keep callers from mutating cached registrations.
func copyRegs(in []*lti.Registration) []*lti.Registration {
	out := make([]*lti.Registration, len(in))
	for i, r := range in {
		cp := *r
		out[i] = &cp
	}
	return out
}
