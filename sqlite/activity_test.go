package sqlite_test

import (
	"context"
	"github.com/ltibox/ltibox/server/lti"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// MustOpen opens a fresh store in a temp dir.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "ltibox.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestActivities_SeedFilterAndRules(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	if err := db.SeedActivities(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SeedActivities(ctx); err != nil { // second start: no duplicates
		t.Fatal(err)
	}
	lib, err := db.Activities(ctx, model.ActivityFilter{Library: true})
	if err != nil || len(lib) != 2 {
		t.Fatalf("library = %d activities, %v; want the 2 seeds", len(lib), err)
	}
	graded := true
	only, _ := db.Activities(ctx, model.ActivityFilter{Library: true, Graded: &graded})
	if len(only) != 1 || only[0].ScoreMaximum != 10 {
		t.Errorf("graded filter = %+v", only)
	}
	// The instructions name the slider's button as it reads (ui/score_slider.go).
	if len(only) == 1 && !strings.Contains(only[0].Instructions, "then press **Submit score**.") {
		t.Errorf("the self-assessment does not name the Submit score button: %q", only[0].Instructions)
	}
	found, _ := db.Activities(ctx, model.ActivityFilter{Library: true, Query: "CONFIDENT"})
	if len(found) != 1 {
		t.Errorf("search found %d, want 1", len(found))
	}
	if none, _ := db.Activities(ctx, model.ActivityFilter{Library: true, Query: "100%_"}); len(none) != 0 {
		t.Errorf("LIKE wildcards are not escaped: %d found", len(none))
	}
	for _, bad := range []*model.Activity{
		{Title: "  "},
		{Title: "Graded without maximum", Graded: true},
		{Title: "Too big", Graded: true, ScoreMaximum: 1e9},
	} {
		if err := db.CreateActivity(ctx, bad); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("CreateActivity(%q) = %v, want EINVALID", bad.Title, err)
		}
	}
	if lib, _ := db.Activities(ctx, model.ActivityFilter{Library: true, IncludeArchived: true}); len(lib) != 2 {
		t.Errorf("refused activities were stored: %d", len(lib))
	}
	if _, err := db.Activity(ctx, 999); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("Activity(999) = %v, want ENOTFOUND", err)
	}
}

// TestCreateActivity_MaximumLimit: the store takes a maximum of exactly
// model.ScoreMaximumLimit (what the forms' inputs allow) and refuses one just
// above it, saying the limit in words.
func TestCreateActivity_MaximumLimit(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	if err := db.CreateActivity(ctx, &model.Activity{Title: "At the limit", Graded: true, ScoreMaximum: model.ScoreMaximumLimit}); err != nil {
		t.Errorf("maximum %d refused: %v", model.ScoreMaximumLimit, err)
	}
	err := db.CreateActivity(ctx, &model.Activity{Title: "Above", Graded: true, ScoreMaximum: model.ScoreMaximumLimit + 0.5})
	if want := "at most " + model.GroupDigits(model.ScoreMaximumLimit) + "."; model.ErrorCode(err) != model.EINVALID || !strings.HasSuffix(model.ErrorMessage(err), want) {
		t.Errorf("maximum above the limit: %v, want EINVALID ending %q", err, want)
	}
}

func TestCreateSession_UpsertsUserAndCourse(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c", AuthURL: "https://lms.example/a", TokenURL: "https://lms.example/t", JWKSURL: "https://lms.example/j"}
	if err := db.CreateRegistration(ctx, reg); err != nil {
		t.Fatal(err)
	}
	launch := func(tok, name string) *model.LaunchSession {
		s := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", MessageType: "LtiResourceLinkRequest", Role: model.RoleLearner,
			User: &model.User{Subject: "u1", Name: name}, Context: &model.Context{ContextID: "c1", Title: "Course"}, ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(ctx, lti.HashToken(tok), s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := launch("t1", "Ada")
	b := launch("t2", "Ada") // unchanged: no rewrite, same ids
	c := launch("t3", "Ada Lovelace")
	if a.User.ID == 0 || a.User.ID != b.User.ID || b.User.ID != c.User.ID || a.Context.ID != c.Context.ID {
		t.Fatalf("user/course ids differ across launches: %d %d %d / %d %d", a.User.ID, b.User.ID, c.User.ID, a.Context.ID, c.Context.ID)
	}
	got, err := db.SessionByTokenHash(ctx, lti.HashToken("t2"))
	if err != nil || got.User.Name != "Ada Lovelace" {
		t.Errorf("session t2 user = %+v, %v; want the latest name", got.User, err)
	}
}

// A link is written when new or changed (zero values keep what is stored),
// and otherwise only when updated_at is an hour old.
func TestUpsertResourceLink_WritesOnlyChanges(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	contextID := MustLaunch(t, db, "u1")
	regs, err := db.RegistrationsByIssuer(ctx, "https://lms.example")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	link := func(title string, activity int64, lineItem string) *model.ResourceLink {
		return &model.ResourceLink{RegistrationID: regs[0].ID, DeploymentID: "1", ResourceLinkID: "rl-1", ContextID: contextID, Title: title, ActivityID: activity, LineItemURL: lineItem}
	}
	if err := db.SeedActivities(ctx); err != nil {
		t.Fatal(err)
	}
	acts, err := db.Activities(ctx, model.ActivityFilter{Library: true})
	if err != nil || len(acts) == 0 {
		t.Fatalf("seeded activities: %v, %v", acts, err)
	}
	first := link("Quiz", acts[0].ID, "https://lms.example/li/1")
	if err := db.UpsertResourceLink(ctx, first); err != nil {
		t.Fatal(err)
	}
	check := func(step string, want model.ResourceLink) {
		t.Helper()
		got, err := db.ResourceLinkOf(ctx, regs[0].ID, "1", "rl-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != first.ID || got.Title != want.Title || got.ActivityID != want.ActivityID || got.LineItemURL != want.LineItemURL || !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: stored %+v, want title %q activity %d line item %q updated %s", step, got, want.Title, want.ActivityID, want.LineItemURL, want.UpdatedAt)
		}
	}
	check("new", model.ResourceLink{Title: "Quiz", ActivityID: acts[0].ID, LineItemURL: "https://lms.example/li/1", UpdatedAt: now})

	now = now.Add(10 * time.Minute) // a relaunch with nothing new: no write
	same := link("", 0, "")
	if err := db.UpsertResourceLink(ctx, same); err != nil {
		t.Fatal(err)
	}
	if same.ID != first.ID || same.ActivityID != acts[0].ID || same.Title != "Quiz" || same.LineItemURL != "https://lms.example/li/1" {
		t.Errorf("relaunch got %+v, want the stored link", same)
	}
	check("unchanged", model.ResourceLink{Title: "Quiz", ActivityID: acts[0].ID, LineItemURL: "https://lms.example/li/1", UpdatedAt: now.Add(-10 * time.Minute)})

	if err := db.UpsertResourceLink(ctx, link("Quiz 2", 0, "")); err != nil { // renamed in the LMS
		t.Fatal(err)
	}
	check("renamed", model.ResourceLink{Title: "Quiz 2", ActivityID: acts[0].ID, LineItemURL: "https://lms.example/li/1", UpdatedAt: now})

	now = now.Add(2 * time.Hour) // unchanged, but seen again after an hour
	if err := db.UpsertResourceLink(ctx, link("", 0, "")); err != nil {
		t.Fatal(err)
	}
	check("refreshed", model.ResourceLink{Title: "Quiz 2", ActivityID: acts[0].ID, LineItemURL: "https://lms.example/li/1", UpdatedAt: now})
}
