package lti_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func (f *serviceFixture) membershipsURL(course string) string {
	return f.lms.Issuer() + "/nrps/" + course + "/memberships"
}

func (f *serviceFixture) nrpsRequests() []ltitest.Request {
	var out []ltitest.Request
	for _, r := range f.lms.Requests() {
		if strings.HasPrefix(r.Path, "/nrps/") {
			out = append(out, r)
		}
	}
	return out
}

// countByUser fails the test when a user appears twice.
func countByUser(t *testing.T, ms []lti.Member) map[string]lti.Member {
	t.Helper()
	out := map[string]lti.Member{}
	for _, m := range ms {
		if _, dup := out[m.UserID]; dup {
			t.Errorf("%s listed twice", m.UserID)
		}
		out[m.UserID] = m
	}
	return out
}

func TestMemberships_LargeCourseOneToken(t *testing.T) {
	f := newServiceFixture(t)
	f.lms.AddLearners("course-101", 2498) // + instructor and student = 2,500
	f.lms.SetPageSize(100)
	var progress []lti.MembershipProgress
	got, err := f.tool.Memberships(context.Background(), f.reg, f.membershipsURL("course-101"), func(p lti.MembershipProgress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Members) != 2500 || got.Pages != 25 {
		t.Errorf("%d members over %d pages, want 2500 over 25", len(got.Members), got.Pages)
	}
	byUser := countByUser(t, got.Members)
	if m := byUser["instructor"]; m.Name != "Grace Hopper" || m.Email != "grace@example.edu" || !lti.IsInstructor(m.Roles) || m.Status != lti.MemberActive {
		t.Errorf("instructor = %+v", m)
	}
	if n := f.lms.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	reqs := f.nrpsRequests()
	if len(reqs) != 25 {
		t.Errorf("%d NRPS requests, want 25", len(reqs))
	}
	for _, r := range reqs {
		if a := r.Header.Get("Accept"); a != lti.MediaMembershipContainer {
			t.Errorf("Accept = %q", a)
		}
	}
	if len(progress) != 25 || progress[24] != (lti.MembershipProgress{Pages: 25, Members: 2500}) || progress[0] != (lti.MembershipProgress{Pages: 1, Members: 100}) {
		t.Errorf("progress = %v … (%d reports)", progress[:min(2, len(progress))], len(progress))
	}
	if got.ContextID != "course-101" || got.ContextTitle != "Demo Course 101" {
		t.Errorf("context = %q %q", got.ContextID, got.ContextTitle)
	}
	if !strings.Contains(got.Differences, "since=") {
		t.Errorf("differences link = %q", got.Differences)
	}
}

func TestMemberships_LinkHeaderShapes(t *testing.T) {
	for _, sc := range []struct {
		name     string
		opts     ltitest.Options
		relative bool
	}{
		{"lowercase link header (Canvas)", ltitest.Options{LowercaseLinkHeader: true}, false},
		{"relative next URL", ltitest.Options{}, true},
		{"both", ltitest.Options{LowercaseLinkHeader: true}, true},
	} {
		t.Run(sc.name, func(t *testing.T) {
			f := newServiceFixture(t, sc.opts)
			f.lms.AddLearners("course-101", 48)
			f.lms.SetPageSize(7)
			f.lms.SetRelativeLinks(sc.relative)
			got, err := f.tool.Memberships(context.Background(), f.reg, f.membershipsURL("course-101"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(countByUser(t, got.Members)) != 50 || got.Pages != 8 {
				t.Errorf("%d members over %d pages, want 50 over 8", len(got.Members), got.Pages)
			}
			if !strings.HasPrefix(got.Differences, f.lms.Issuer()+"/nrps/") {
				t.Errorf("differences = %q, want an absolute URL", got.Differences)
			}
		})
	}
}

func TestMemberships_Differences(t *testing.T) {
	f := newServiceFixture(t)
	f.lms.AddLearners("course-101", 30)
	ctx := context.Background()
	full, err := f.tool.Memberships(ctx, f.reg, f.membershipsURL("course-101"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.lms.SetMemberStatus("course-101", "learner-1", ltitest.StatusInactive)
	f.lms.RemoveMember("course-101", "learner-2")
	f.lms.AddUser(ltitest.User{ID: "late", Roles: []string{ltitest.RoleLearner}}) // no name, no email
	f.lms.Enroll("course-101", "late")
	diff, err := f.tool.Memberships(ctx, f.reg, full.Differences, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range diff.Members {
		got[m.UserID] = m.Status
	}
	if d := cmp.Diff(map[string]string{"learner-1": "Inactive", "learner-2": "Deleted", "late": "Active"}, got); d != "" {
		t.Errorf("differences (-want +got):\n%s", d)
	}
	if diff.Differences == "" || diff.Differences == full.Differences {
		t.Errorf("the differences listing offers no fresh differences link: %q", diff.Differences)
	}
}

func TestMemberships_WithoutDifferences(t *testing.T) {
	f := newServiceFixture(t)
	f.lms.SetDifferences(false)
	got, err := f.tool.Memberships(context.Background(), f.reg, f.membershipsURL("course-101"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Members) != 2 || got.Differences != "" {
		t.Errorf("members %d, differences %q; want 2 and none", len(got.Members), got.Differences)
	}
}

func TestMemberships_QueryParameters(t *testing.T) {
	f := newServiceFixture(t)
	f.lms.AddLearners("course-101", 9)
	f.lms.SetShortRoleNames(true) // Moodle
	u, err := lti.MembershipsURL(f.membershipsURL("course-101"), lti.MembershipQuery{Role: "Learner", Limit: 4, ResourceLinkID: "rl-1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.tool.Memberships(context.Background(), f.reg, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Members) != 10 || got.Pages != 3 {
		t.Errorf("%d learners over %d pages, want 10 over 3", len(got.Members), got.Pages)
	}
	for _, m := range got.Members {
		if len(m.Roles) != 1 || m.Roles[0] != "Learner" || lti.RoleName(m.Roles[0]) != "Learner" {
			t.Errorf("%s roles %v", m.UserID, m.Roles)
		}
	}
	for _, r := range f.nrpsRequests() {
		if r.Query.Get("role") != "Learner" || r.Query.Get("limit") != "4" || r.Query.Get("rlid") != "rl-1" {
			t.Errorf("request lost a parameter: %v", r.Query)
		}
	}
	// An unknown resource link is the platform's 404, reported as such.
	u, _ = lti.MembershipsURL(f.membershipsURL("course-101"), lti.MembershipQuery{ResourceLinkID: "nope"})
	_, err = f.tool.Memberships(context.Background(), f.reg, u, nil)
	var se *lti.ServiceError
	if !errors.As(err, &se) || se.Status != 404 || se.Retryable {
		t.Errorf("unknown rlid: %v", err)
	}
}

func TestMemberships_Refused(t *testing.T) {
	f := newServiceFixture(t)
	f.lms.AddLearners("course-101", 40)
	f.lms.RefuseMemberships("course-101", "Names and roles are disabled for this tool", 2)
	var pages int
	got, err := f.tool.Memberships(context.Background(), f.reg, f.membershipsURL("course-101"), func(p lti.MembershipProgress) { pages = p.Pages })
	var se *lti.ServiceError
	if !errors.As(err, &se) || got != nil {
		t.Fatalf("got %v, %v; want a ServiceError and nothing", got, err)
	}
	if se.Status != 403 || se.Retryable || !strings.Contains(se.Message, "Names and roles are disabled for this tool") || se.Op != "memberships" {
		t.Errorf("error = %+v", se)
	}
	if pages != 2 {
		t.Errorf("failed after %d pages, want 2", pages)
	}
}

func TestDecodeMembershipContainer_Tolerant(t *testing.T) {
	// Shapes seen in the wild: Sakai's extra fields and string roles, numeric
	// ids, no PII at all, lowercase status, a member without user_id.
	body := `{
	  "id": "https://lms.example/memberships", "context": {"id": 42, "label": "BIO2"},
	  "members": [
	    {"user_id": "u1", "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], "status": "Active",
	     "name": " Jane Doe ", "email": "jane@example.edu", "picture": "https://x/p.png", "lis_person_sourcedid": "s1",
	     "message": [{"https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest"}]},
	    {"user_id": 1234, "roles": "Learner", "status": "inactive"},
	    {"user_id": "u3", "roles": null},
	    {"roles": ["Learner"], "name": "No Id"},
	    {"user_id": "u4", "roles": ["Learner", "Mentor"], "status": "Deleted", "given_name": "Al"}
	  ],
	  "unknown": {"nested": true}
	}`
	p, err := lti.DecodeMembershipContainer([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := &lti.MembershipPage{ContextID: "42", ContextTitle: "BIO2", Members: []lti.Member{
		{UserID: "u1", Status: "Active", Name: "Jane Doe", Email: "jane@example.edu", Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}},
		{UserID: "1234", Status: "Inactive", Roles: []string{"Learner"}},
		{UserID: "u3", Status: "Active", Roles: []string{}},
		{UserID: "u4", Status: "Deleted", GivenName: "Al", Roles: []string{"Learner", "Mentor"}},
	}}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for _, bad := range []string{`not json`, `{"members": {"user_id": "x"}}`, `{"members": [{"user_id": {"a":1}}]}`} {
		if _, err := lti.DecodeMembershipContainer([]byte(bad)); err == nil {
			t.Errorf("%s: decoded without error", bad)
		}
	}
	if got := lti.RoleName("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"); got != "Instructor#TeachingAssistant" {
		t.Errorf("RoleName = %q", got)
	}
}
