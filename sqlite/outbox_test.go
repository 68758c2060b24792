package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// TestOutboxItems_NamePlatformAndCourse: every outbox item carries its LMS's
// name and its course's title (the label when the LMS sent no title), for the
// console; a score on a link outside any course is still listed.
func TestOutboxItems_NamePlatformAndCourse(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	reg, _, ids := gradeFixture(t, db, "ann")
	named := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", User: &model.User{Subject: "ann"},
		Context: &model.Context{ContextID: "c2", Label: "BIO101", Title: "Biology 101"}, ResourceLinkID: "rl2",
		MessageType: "LtiResourceLinkRequest", Role: model.RoleLearner, ExpiresAt: time.Now().Add(time.Hour)}
	labelled := *named
	labelled.Context = &model.Context{ContextID: "c3", Label: "CHEM2"}
	labelled.ResourceLinkID = "rl3"
	for i, s := range []*model.LaunchSession{named, &labelled} {
		if err := db.CreateSession(ctx, fmt.Sprintf("outbox-%d", i), s); err != nil {
			t.Fatal(err)
		}
	}
	want := map[int64]string{} // link → course shown
	for _, sc := range []struct {
		link   *model.ResourceLink
		course string
	}{
		{&model.ResourceLink{RegistrationID: reg.ID, DeploymentID: "1", ContextID: named.Context.ID, ResourceLinkID: "rl2"}, "Biology 101"},
		{&model.ResourceLink{RegistrationID: reg.ID, DeploymentID: "1", ContextID: labelled.Context.ID, ResourceLinkID: "rl3"}, "CHEM2"},
		{&model.ResourceLink{RegistrationID: reg.ID, DeploymentID: "1", ResourceLinkID: "rl-none"}, ""},
	} {
		if err := db.UpsertResourceLink(ctx, sc.link); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateScore(ctx, newScore(reg, sc.link, ids[0], 5)); err != nil {
			t.Fatal(err)
		}
		want[sc.link.ID] = sc.course
	}
	items, err := db.OutboxItems(ctx, sqlite.OutboxFilter{})
	if err != nil || len(items) != 3 {
		t.Fatalf("outbox items: %d %v", len(items), err)
	}
	for _, it := range items {
		if it.PlatformName != "LMS" || it.CourseTitle != want[it.Score.LinkID] {
			t.Errorf("item of link %d: platform %q, course %q; want LMS, %q", it.Score.LinkID, it.PlatformName, it.CourseTitle, want[it.Score.LinkID])
		}
	}
	due, err := db.DueOutbox(ctx, 10)
	if err != nil || len(due) != 3 || due[0].PlatformName != "LMS" {
		t.Errorf("due outbox: %+v %v", due, err)
	}
}
