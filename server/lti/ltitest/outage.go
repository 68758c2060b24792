package ltitest

import (
	"strings"
	"sync"
)

// outage is a SetOutage rule: every request under prefix fails until EndOutage.
type outage struct {
	prefix string
	status int
}

// SetOutage makes every request whose path starts with pathPrefix answer
// status (503 and 429 with Retry-After: 1) until EndOutage: an LMS that is down
// for as long as a test needs, not for a fixed number of requests. pathPrefix
// is handler-relative ("/ags/", "/token") or an absolute URL under BaseURL.
func (p *Platform) SetOutage(pathPrefix string, status int) {
	if rest, ok := strings.CutPrefix(pathPrefix, p.baseURL); ok {
		pathPrefix = rest
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outages = append(p.outages, outage{prefix: pathPrefix, status: status})
}

// EndOutage ends every SetOutage rule.
func (p *Platform) EndOutage() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outages = nil
}

// outageStatusLocked is the status an outage imposes on path, or 0.
func (p *Platform) outageStatusLocked(path string) int {
	for _, o := range p.outages {
		if strings.HasPrefix(path, o.prefix) {
			return o.status
		}
	}
	return 0
}

// hold is a Hold rule: requests under prefix wait until released is closed.
type hold struct {
	prefix   string
	released chan struct{}
}

// Hold makes every request whose path starts with pathPrefix wait, unanswered,
// until release is called (or its client gives up): an LMS that takes as long
// as a test needs to answer, so what a tool shows meanwhile can be checked
// without racing a timer. SetOutage and failure rules are read as the request
// arrives, before it waits.
func (p *Platform) Hold(pathPrefix string) (release func()) {
	if rest, ok := strings.CutPrefix(pathPrefix, p.baseURL); ok {
		pathPrefix = rest
	}
	h := hold{prefix: pathPrefix, released: make(chan struct{})}
	p.mu.Lock()
	p.holds = append(p.holds, h)
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			for i := range p.holds {
				if p.holds[i].released == h.released {
					p.holds = append(p.holds[:i], p.holds[i+1:]...)
					break
				}
			}
			p.mu.Unlock()
			close(h.released)
		})
	}
}

// holdLocked is the channel a request to path waits on, or nil.
func (p *Platform) holdLocked(path string) <-chan struct{} {
	for _, h := range p.holds {
		if strings.HasPrefix(path, h.prefix) {
			return h.released
		}
	}
	return nil
}
