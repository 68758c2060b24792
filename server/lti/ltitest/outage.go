package ltitest

import "strings"

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
