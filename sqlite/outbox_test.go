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

// TestOutbox_LastAttemptTime: every attempt records when it was made, and a
// retry keeps that time while resetting the attempts, so a score that fails
// again after a retry shows a newer attempt than before (not an unchanged
// row). A score never tried has none.
func TestOutbox_LastAttemptTime(t *testing.T) {
	db := MustOpen(t)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ctx := context.Background()
	reg, link, ids := gradeFixture(t, db, "ann", "bob")
	sc, err := db.CreateScore(ctx, newScore(reg, link, ids[0], 7))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateScore(ctx, newScore(reg, link, ids[1], 5)); err != nil {
		t.Fatal(err)
	}
	item := func(scoreID int64) model.Delivery {
		t.Helper()
		items, err := db.OutboxItems(ctx, sqlite.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Score.ID == scoreID {
				return it.Score.Delivery
			}
		}
		t.Fatalf("no outbox item for score %d", scoreID)
		return model.Delivery{}
	}
	if d := item(sc.ID); d.LastAttemptAt != nil {
		t.Fatalf("never tried, yet last attempt %v", d.LastAttemptAt)
	}
	due, err := db.DueOutbox(ctx, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %d %v", len(due), err)
	}
	first := now
	if err := db.FinishOutboxAttempt(ctx, due[0].ID, sqlite.OutboxResult{State: model.DeliveryFailed, Status: 404, Message: "Line item not found"}); err != nil {
		t.Fatal(err)
	}
	if d := item(sc.ID); d.LastAttemptAt == nil || !d.LastAttemptAt.Equal(first) || d.Attempts != 1 {
		t.Fatalf("after the first attempt: %+v, want last attempt %v", d, first)
	}
	// A retry resets the attempts and keeps the last attempt's time.
	now = now.Add(10 * time.Minute)
	if _, err := db.RequeueOutbox(ctx, sqlite.OutboxFilter{IDs: []int64{due[0].ID}}); err != nil {
		t.Fatal(err)
	}
	if d := item(sc.ID); d.State != model.DeliveryPending || d.Attempts != 0 || d.LastAttemptAt == nil || !d.LastAttemptAt.Equal(first) {
		t.Fatalf("after requeue: %+v, want pending, 0 attempts, last attempt %v", d, first)
	}
	// It fails again: same state, attempts and words as before, but a newer time.
	now = now.Add(time.Second)
	if err := db.FinishOutboxAttempt(ctx, due[0].ID, sqlite.OutboxResult{State: model.DeliveryFailed, Status: 404, Message: "Line item not found"}); err != nil {
		t.Fatal(err)
	}
	if d := item(sc.ID); d.LastAttemptAt == nil || !d.LastAttemptAt.Equal(now) {
		t.Fatalf("after failing again: %+v, want last attempt %v", d, now)
	}
	// A token refusal holds the platform's other scores: that is their attempt too.
	now = now.Add(time.Minute)
	if n, err := db.FailRegistrationOutbox(ctx, reg.ID, 401, "invalid_client"); err != nil || n != 1 {
		t.Fatalf("fail registration = %d %v", n, err)
	}
	if d := item(due[1].Score.ID); d.LastAttemptAt == nil || !d.LastAttemptAt.Equal(now) {
		t.Fatalf("held by a token refusal: %+v, want last attempt %v", d, now)
	}
}
