package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
