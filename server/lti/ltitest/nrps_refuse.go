package ltitest

import "net/http"

// refusal is a RefuseMemberships rule: the course's roster answers 403 with
// reason once after pages have been served.
type refusal struct {
	reason string
	after  int // pages still served before refusing
}

// RefuseMemberships makes the NRPS service of courseID answer 403 Forbidden
// with reason in plain text (as Moodle words it) after afterPages more pages
// have been served, and from then on until cleared with an empty reason. It
// models a teacher or admin switching the roster off for the tool, possibly
// in the middle of a long listing.
func (p *Platform) RefuseMemberships(courseID, reason string, afterPages int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refusals == nil {
		p.refusals = map[string]*refusal{}
	}
	if reason == "" {
		delete(p.refusals, courseID)
		return
	}
	p.refusals[courseID] = &refusal{reason: reason, after: afterPages}
}

// refused writes the 403 for a refused roster and reports whether it did.
func (p *Platform) refused(w http.ResponseWriter, courseID string) bool {
	p.mu.Lock()
	r, ok := p.refusals[courseID]
	if ok && r.after > 0 {
		r.after--
		ok = false
	}
	var reason string
	if ok {
		reason = r.reason
	}
	p.mu.Unlock()
	if !ok {
		return false
	}
	serviceError(w, http.StatusForbidden, reason)
	return true
}
