package ui

import (
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

// TestSameIssuerNotes: the Pending approvals notes name each other
// registration of the LMS with its client ID exactly once, whether its label
// carries it (a name two registrations share) or not (a name of its own).
func TestSameIssuerNotes(t *testing.T) {
	const iss = "https://moodle.example.edu"
	waiting := []model.Platform{
		{ID: 2, Name: "Moodle", Issuer: iss, ClientID: "cid-b", Status: "pending", SameIssuer: []model.PlatformRef{
			{ID: 1, Name: "Old Moodle", ClientID: "cid-a", Status: "active"}, {ID: 3, Name: "Moodle", ClientID: "cid-c", Status: "pending"}}},
		{ID: 3, Name: "Moodle", Issuer: iss, ClientID: "cid-c", Status: "pending", SameIssuer: []model.PlatformRef{
			{ID: 1, Name: "Old Moodle", ClientID: "cid-a", Status: "active"}, {ID: 2, Name: "Moodle", ClientID: "cid-b", Status: "pending"}}},
	}
	c := &adminConsole{pending: model.Pending{Platforms: waiting}}
	got := sameIssuerNotes(waiting, c.pendingLabels())
	want := []string{
		"Moodle (client cid-b) has the same issuer (" + iss + ") as Old Moodle (client cid-a), which is active.",
		"Moodle (client cid-b) has the same issuer (" + iss + ") as Moodle (client cid-c), which is pending.",
		"Moodle (client cid-c) has the same issuer (" + iss + ") as Old Moodle (client cid-a), which is active.",
		"Moodle (client cid-c) has the same issuer (" + iss + ") as Moodle (client cid-b), which is pending.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
