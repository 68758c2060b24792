package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// MediaMembershipContainer is the NRPS 2.0 media type. Moodle matches the Accept
// header as one string, so it is sent alone (checklist item 37).
const MediaMembershipContainer = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

// Membership statuses as NRPS reports them. A member without a status is Active.
const (
	MemberActive   = "Active"
	MemberInactive = "Inactive"
	MemberDeleted  = "Deleted"
)

// maxMembershipPages bounds one listing: 10,000 pages of even 10 members is
// 100,000 people, more than any course; a platform that pages forever is cut off.
const maxMembershipPages = 10000

// Member is one entry of a membership container. Every field but UserID is
// optional on the wire: platforms withhold names and email by privacy
// setting, and Moodle and Sakai send short role names instead of URIs.
type Member struct {
	UserID     string
	Status     string // Active, Inactive or Deleted
	Name       string
	GivenName  string
	FamilyName string
	Email      string
	Roles      []string // as sent: URIs or short names
}

// MembershipQuery narrows a membership listing (NRPS 2.0 §2.4–2.6).
type MembershipQuery struct {
	Role           string // only members with this role (URI or short context role name)
	Limit          int    // page size the tool asks for; platforms may send fewer
	ResourceLinkID string // rlid: members who can access this resource link
}

// MembershipProgress is reported after each page, so a large listing can show
// how far it got.
type MembershipProgress struct {
	Pages   int
	Members int
}

// Membership is a complete listing: every page followed, members in the order
// the platform sent them, each user once.
type Membership struct {
	ContextID    string
	ContextTitle string
	Members      []Member
	Pages        int
	// Differences is the platform's rel="differences" URL: the members that
	// changed after this listing. Empty when the platform offers none.
	Differences string
}

// MembershipsURL adds the query parameters to a context_memberships_url,
// keeping any it already has (Moodle's carries none, Canvas's may).
func MembershipsURL(base string, q MembershipQuery) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("memberships url: %w", err)
	}
	v := u.Query()
	if q.Role != "" {
		v.Set("role", q.Role)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.ResourceLinkID != "" {
		v.Set("rlid", q.ResourceLinkID)
	}
	u.RawQuery = v.Encode()
	return u.String(), nil
}

// Memberships reads a whole membership listing from listURL, following
// Link rel="next" until the last page, with one cached access token for the
// NRPS scope. listURL is either a context_memberships_url (with
// MembershipsURL's parameters) or a differences URL from an earlier listing;
// for the latter, removed members come back with status Deleted. progress,
// when not nil, is called after every page. Any failing page fails the whole
// listing: the caller stores nothing partial.
func (t *Tool) Memberships(ctx context.Context, reg *Registration, listURL string, progress func(MembershipProgress)) (*Membership, error) {
	out := &Membership{}
	index := map[string]int{} // user id -> position in out.Members
	seen := map[string]bool{}
	next := listURL
	for next != "" {
		if seen[next] {
			return nil, &ServiceError{Op: "memberships", Message: "the LMS sent the same roster page twice (its next link loops)"}
		}
		if out.Pages >= maxMembershipPages {
			return nil, &ServiceError{Op: "memberships", Message: fmt.Sprintf("the LMS roster has more than %d pages", maxMembershipPages)}
		}
		seen[next] = true
		resp, err := t.Do(ctx, reg, ServiceRequest{Op: "memberships", URL: next, Scopes: []string{ScopeNRPS}, Accept: MediaMembershipContainer})
		if err != nil {
			return nil, err
		}
		page, err := DecodeMembershipContainer(resp.Body)
		if err != nil {
			return nil, &ServiceError{Op: "memberships", Status: resp.Status, Message: "the LMS sent a roster page ltibox could not read", Err: err}
		}
		out.Pages++
		if out.ContextID == "" {
			out.ContextID, out.ContextTitle = page.ContextID, page.ContextTitle
		}
		for _, m := range page.Members {
			if i, ok := index[m.UserID]; ok {
				out.Members[i] = m // a platform re-listing a member: the later entry wins
				continue
			}
			index[m.UserID] = len(out.Members)
			out.Members = append(out.Members, m)
		}
		if d := resp.Links["differences"]; d != "" {
			out.Differences = d
		}
		next = resp.Links["next"]
		if progress != nil {
			progress(MembershipProgress{Pages: out.Pages, Members: len(out.Members)})
		}
	}
	return out, nil
}

// MembershipPage is one decoded membership container.
type MembershipPage struct {
	ContextID    string
	ContextTitle string
	Members      []Member
}

// DecodeMembershipContainer parses one NRPS page leniently: unknown fields are
// ignored, names and email may be missing, roles may be URIs, short names or
// a single string, user_id may be a number, and members without a user_id
// (which cannot be matched to anyone) are skipped.
func DecodeMembershipContainer(body []byte) (*MembershipPage, error) {
	var raw struct {
		Context *struct {
			ID    flexString `json:"id"`
			Title string     `json:"title"`
			Label string     `json:"label"`
		} `json:"context"`
		Members []struct {
			UserID     flexString  `json:"user_id"`
			Status     string      `json:"status"`
			Name       string      `json:"name"`
			GivenName  string      `json:"given_name"`
			FamilyName string      `json:"family_name"`
			Email      string      `json:"email"`
			Roles      flexStrings `json:"roles"`
		} `json:"members"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("decode membership container: %w", err)
	}
	p := &MembershipPage{Members: make([]Member, 0, len(raw.Members))}
	if raw.Context != nil {
		p.ContextID = string(raw.Context.ID)
		p.ContextTitle = raw.Context.Title
		if p.ContextTitle == "" {
			p.ContextTitle = raw.Context.Label
		}
	}
	for _, m := range raw.Members {
		id := strings.TrimSpace(string(m.UserID))
		if id == "" {
			continue
		}
		roles := make([]string, 0, len(m.Roles))
		for _, r := range m.Roles {
			if r = strings.TrimSpace(r); r != "" {
				roles = append(roles, r)
			}
		}
		p.Members = append(p.Members, Member{
			UserID: id, Status: normalStatus(m.Status), Name: strings.TrimSpace(m.Name),
			GivenName: strings.TrimSpace(m.GivenName), FamilyName: strings.TrimSpace(m.FamilyName),
			Email: strings.TrimSpace(m.Email), Roles: roles,
		})
	}
	return p, nil
}

// normalStatus maps a status in any capitalisation to the NRPS vocabulary; a
// missing or unknown status is Active, as the specification says.
func normalStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "inactive":
		return MemberInactive
	case "deleted":
		return MemberDeleted
	}
	return MemberActive
}

// RoleName is the short, readable form of a LIS role: "Instructor",
// "Learner", "Instructor#TeachingAssistant", "Administrator". Short names
// pass through unchanged, so rosters from Moodle (short) and Canvas (URIs)
// read the same.
func RoleName(r string) string { return shortRole(r) }

// flexString accepts a JSON string or number (some platforms send numeric ids).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or number: %w", err)
	}
	*f = flexString(n.String())
	return nil
}

// flexStrings accepts an array of strings, a single string, or null.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = strings.Fields(strings.ReplaceAll(s, ",", " "))
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("want a list of roles: %w", err)
	}
	*f = list
	return nil
}
