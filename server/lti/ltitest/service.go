package ltitest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Media types of the AGS and NRPS resources.
const (
	MediaLineItem          = "application/vnd.ims.lis.v2.lineitem+json"
	MediaLineItemContainer = "application/vnd.ims.lis.v2.lineitemcontainer+json"
	MediaScore             = "application/vnd.ims.lis.v1.score+json"
	MediaResultContainer   = "application/vnd.ims.lis.v2.resultcontainer+json"
	MediaMembership        = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
)

// writeJSON writes v with the given content type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
}

// serviceError answers a service call with a plain-text reason, as Moodle does.
func serviceError(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(reason + "\n"))
}

// acceptOK enforces Moodle's content negotiation: at most one media type, and
// exactly the resource's. A list gets 400 (Moodle matches the header as one
// string); a single other type gets 406. No Accept at all is allowed.
func acceptOK(w http.ResponseWriter, r *http.Request, want string) bool {
	vals := r.Header.Values("Accept")
	accept := strings.TrimSpace(strings.Join(vals, ","))
	switch {
	case accept == "":
		return true
	case len(vals) > 1 || strings.Contains(accept, ","):
		serviceError(w, http.StatusBadRequest, "send exactly one media type in Accept, "+want)
		return false
	case accept != want:
		serviceError(w, http.StatusNotAcceptable, "Accept must be "+want)
		return false
	}
	return true
}

// contentTypeOK requires the body's Content-Type to be exactly want, with no
// parameters; Moodle compares the header string and answers 400 otherwise.
func contentTypeOK(w http.ResponseWriter, r *http.Request, want string) bool {
	if got := r.Header.Get("Content-Type"); got != want {
		serviceError(w, http.StatusBadRequest, "Content-Type must be "+want)
		return false
	}
	return true
}

// linkURL builds a pagination URL for a handler-relative path: absolute by
// default, host-relative with SetRelativeLinks.
func (p *Platform) linkURL(path string, q url.Values) string {
	p.mu.Lock()
	relative := p.relativeLinks
	p.mu.Unlock()
	u := p.base.Path + path
	if !relative {
		u = p.baseURL + path
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// setLinks writes an RFC 8288 Link header, lowercased for Canvas-style tests.
func (p *Platform) setLinks(w http.ResponseWriter, links []string) {
	if len(links) == 0 {
		return
	}
	name := "Link"
	if p.opts.LowercaseLinkHeader {
		name = "link"
	}
	w.Header()[name] = []string{strings.Join(links, ", ")}
}

// pageSizeFor is the page size for a request: the platform page size, or a
// smaller limit the tool asked for. ok is false for a malformed limit.
func (p *Platform) pageSizeFor(q url.Values) (size int, ok bool) {
	p.mu.Lock()
	size = p.pageSize
	p.mu.Unlock()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, false
		}
		size = min(size, n)
	}
	return size, true
}

// offsetParam reads an integer "from" offset (AGS containers, as Moodle).
func offsetParam(q url.Values) (int, bool) {
	s := q.Get("from")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}
