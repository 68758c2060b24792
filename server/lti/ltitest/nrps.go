package ltitest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// member is one entry of an NRPS membership container.
type member struct {
	Status     string   `json:"status"`
	Name       string   `json:"name,omitempty"`
	GivenName  string   `json:"given_name,omitempty"`
	FamilyName string   `json:"family_name,omitempty"`
	Email      string   `json:"email,omitempty"`
	UserID     string   `json:"user_id"`
	Roles      []string `json:"roles"`
}

// nrpsCursor is what the opaque from and since parameters carry: an offset into
// the listing and the change sequence number the listing started at, so every
// page of one listing offers the same differences snapshot.
type nrpsCursor struct {
	offset   int
	snapshot int64
}

func (c nrpsCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", c.offset, c.snapshot))
}

func decodeCursor(s string) (nrpsCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nrpsCursor{}, false
	}
	o, sn, ok := strings.Cut(string(b), ".")
	if !ok {
		return nrpsCursor{}, false
	}
	off, err1 := strconv.Atoi(o)
	snap, err2 := strconv.ParseInt(sn, 10, 64)
	if err1 != nil || err2 != nil || off < 0 || snap < 0 {
		return nrpsCursor{}, false
	}
	return nrpsCursor{offset: off, snapshot: snap}, true
}

// handleMemberships is the NRPS context membership service. It pages with an
// opaque from cursor and Link rel="next", and offers rel="differences" on the
// last page: a URL listing only the members changed since this listing began,
// including removed ones as Deleted.
func (p *Platform) handleMemberships(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.bearer(w, r, ScopeNRPS); !ok {
		return
	}
	if p.refused(w, r.PathValue("context")) {
		return
	}
	if r.Header.Get("Accept") != MediaMembership {
		serviceError(w, http.StatusNotAcceptable, "Accept must be "+MediaMembership)
		return
	}
	q := r.URL.Query()
	size, ok := p.pageSizeFor(q)
	if !ok {
		serviceError(w, http.StatusBadRequest, "limit must be a positive integer")
		return
	}
	var since *int64
	if s := q.Get("since"); s != "" {
		c, ok := decodeCursor(s)
		if !ok {
			serviceError(w, http.StatusBadRequest, "invalid since")
			return
		}
		since = &c.snapshot
	}
	role := fullRole(q.Get("role"))

	p.mu.Lock()
	c, found := p.courses[r.PathValue("context")]
	if !found {
		p.mu.Unlock()
		serviceError(w, http.StatusNotFound, "no such context")
		return
	}
	if rlid := q.Get("rlid"); rlid != "" && !hasKey(c.links, rlid) {
		p.mu.Unlock()
		serviceError(w, http.StatusNotFound, "no such resource link")
		return
	}
	cur := nrpsCursor{snapshot: p.seq}
	if s := q.Get("from"); s != "" {
		var ok bool
		if cur, ok = decodeCursor(s); !ok {
			p.mu.Unlock()
			serviceError(w, http.StatusBadRequest, "invalid from")
			return
		}
	}
	short, differences := p.shortRoles, p.differences
	var members []member
	for _, id := range c.order {
		m := c.members[id]
		if since != nil && m.changed <= *since {
			continue
		}
		if since == nil && m.status == StatusDeleted {
			continue
		}
		if role != "" && !slices.ContainsFunc(m.roles, func(x string) bool { return fullRole(x) == role }) {
			continue
		}
		u := p.users[id]
		roles := make([]string, 0, len(m.roles))
		for _, x := range m.roles {
			x = fullRole(x)
			if short {
				x = shortRole(x)
			}
			roles = append(roles, x)
		}
		members = append(members, member{Status: m.status, Name: u.Name, GivenName: u.GivenName,
			FamilyName: u.FamilyName, Email: u.Email, UserID: u.ID, Roles: roles})
	}
	ctx := map[string]string{"id": c.ID, "label": c.Label, "title": c.Title}
	p.mu.Unlock()

	page := pageOf(members, cur.offset, size)
	var links []string
	if cur.offset+size < len(members) {
		next := cloneValues(q)
		next.Set("from", nrpsCursor{offset: cur.offset + size, snapshot: cur.snapshot}.encode())
		links = append(links, `<`+p.linkURL(r.URL.EscapedPath(), next)+`>; rel="next"`)
	} else if differences {
		diff := cloneValues(q)
		diff.Del("from")
		diff.Set("since", nrpsCursor{snapshot: cur.snapshot}.encode())
		links = append(links, `<`+p.linkURL(r.URL.EscapedPath(), diff)+`>; rel="differences"`)
	}
	p.setLinks(w, links)
	writeJSON(w, http.StatusOK, MediaMembership, map[string]any{
		"id":      p.baseURL + r.URL.RequestURI(),
		"context": ctx,
		"members": page,
	})
}
