package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// TestMigrate_SelfAssessmentSubmitScore: an install seeded before the demo
// self-assessment named the "Submit score" button gets the new text from
// migration 0011; a text the admin edited, even by a character, stays.
func TestMigrate_SelfAssessmentSubmitScore(t *testing.T) {
	const (
		// The seed's text before the rename, as existing installs hold it.
		oldSeed = "# Self-assessment\n\nMove the slider to show how confident you feel about this week's topic, from 0 to 10, then press **Submit**.\n\nYour score goes to the course gradebook."
		newSeed = "# Self-assessment\n\nMove the slider to show how confident you feel about this week's topic, from 0 to 10, then press **Submit score**.\n\nYour score goes to the course gradebook."
		edited  = oldSeed + "\n\nAsk me in class if anything is unclear."
	)
	ctx := context.Background()
	db := openTemp(t)
	// The store as it was before 0011: the old seed, an admin's edit of it,
	// and another activity that happens to say "press **Submit**".
	seeded := &model.Activity{Title: "Self-assessment: how confident are you?", Tag: "example", Graded: true, ScoreMaximum: 10, Instructions: oldSeed}
	edit := &model.Activity{Title: "Self-assessment (edited)", Graded: true, ScoreMaximum: 10, Instructions: edited}
	other := &model.Activity{Title: "Reading", Instructions: "press **Submit**."}
	for _, a := range []*model.Activity{seeded, edit, other} {
		if err := db.CreateActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	rerunMigration(t, db, "migration/0011_self_assessment_submit_score.sql")
	for _, c := range []struct {
		a    *model.Activity
		want string
	}{{seeded, newSeed}, {edit, edited}, {other, "press **Submit**."}} {
		got, err := db.Activity(ctx, c.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Instructions != c.want {
			t.Errorf("%q after migrating:\n%q\nwant\n%q", c.a.Title, got.Instructions, c.want)
		}
		if !got.UpdatedAt.Equal(c.a.UpdatedAt) {
			t.Errorf("%q updated_at moved from %v to %v", c.a.Title, c.a.UpdatedAt, got.UpdatedAt)
		}
	}
	// The new seed names the button too, so a fresh install needs no rewrite.
	if list, err := freshGradedSeed(t); err != nil || len(list) != 1 || !strings.Contains(list[0].Instructions, "then press **Submit score**.") {
		t.Errorf("fresh seed = %+v, %v; want the button named", list, err)
	}
}

// TestMigrate_SelfAssessmentGradebookSentence: the seed's promise that the
// score goes to the gradebook (false on a link without a column) is replaced
// by migration 0013 in installs still holding that exact text; an edited
// text stays; a fresh seed already has the new sentence.
func TestMigrate_SelfAssessmentGradebookSentence(t *testing.T) {
	const (
		before = "# Self-assessment\n\nMove the slider to show how confident you feel about this week's topic, from 0 to 10, then press **Submit score**.\n\nYour score goes to the course gradebook."
		after  = "# Self-assessment\n\nMove the slider to show how confident you feel about this week's topic, from 0 to 10, then press **Submit score**.\n\nYour score is saved when you press **Submit score**; the line under the slider says whether it goes to the course gradebook."
		edited = before + " Ask me if unsure."
	)
	ctx := context.Background()
	db := openTemp(t)
	seeded := &model.Activity{Title: "Self-assessment", Graded: true, ScoreMaximum: 10, Instructions: before}
	edit := &model.Activity{Title: "Self-assessment (edited)", Graded: true, ScoreMaximum: 10, Instructions: edited}
	for _, a := range []*model.Activity{seeded, edit} {
		if err := db.CreateActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	rerunMigration(t, db, "migration/0013_self_assessment_gradebook_sentence.sql")
	for _, c := range []struct {
		a    *model.Activity
		want string
	}{{seeded, after}, {edit, edited}} {
		got, err := db.Activity(ctx, c.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Instructions != c.want {
			t.Errorf("%q after migrating:\n%q\nwant\n%q", c.a.Title, got.Instructions, c.want)
		}
	}
	if list, err := freshGradedSeed(t); err != nil || len(list) != 1 || list[0].Instructions != after {
		t.Errorf("fresh seed = %+v, %v; want %q", list, err, after)
	}
}

// TestMigrate_RegistrationNameWithoutClient: names that dynamic registration
// stored with " (client <its client ID>)" lose that suffix in migration 0014
// (the console and CLI show the client ID beside the name); a name with
// another client's ID, or nothing but the suffix, stays.
func TestMigrate_RegistrationNameWithoutClient(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	want := map[string]string{}
	for _, c := range []struct{ client, name, want string }{
		{"a1", "Moodle (moodle.example.edu)", "Moodle (moodle.example.edu)"},
		{"b_2%", "Moodle (moodle.example.edu) (client b_2%)", "Moodle (moodle.example.edu)"},
		{"c3", "Moodle (moodle.example.edu) (client b_2%)", "Moodle (moodle.example.edu) (client b_2%)"},
		{"d4", " (client d4)", " (client d4)"},
		{"é5", "Schoolé (client é5)", "Schoolé"},
	} {
		r := &lti.Registration{Name: c.name, Issuer: "https://moodle.example.edu", ClientID: c.client, AuthURL: "https://moodle.example.edu/auth",
			TokenURL: "https://moodle.example.edu/token", JWKSURL: "https://moodle.example.edu/jwks", Status: lti.StatusPending}
		if err := db.CreateRegistration(ctx, r); err != nil {
			t.Fatal(err)
		}
		want[c.client] = c.want
	}
	rerunMigration(t, db, "migration/0014_registration_name_without_client.sql")
	regs, err := db.Registrations(ctx)
	if err != nil || len(regs) != len(want) {
		t.Fatalf("registrations: %v %v", regs, err)
	}
	for _, r := range regs {
		if r.Name != want[r.ClientID] {
			t.Errorf("client %s named %q after migrating, want %q", r.ClientID, r.Name, want[r.ClientID])
		}
	}
}

// freshGradedSeed is the graded library activities of a new install's seed.
func freshGradedSeed(t *testing.T) ([]*model.Activity, error) {
	t.Helper()
	fresh := openTemp(t)
	if err := fresh.SeedActivities(context.Background()); err != nil {
		t.Fatal(err)
	}
	graded := true
	return fresh.Activities(context.Background(), model.ActivityFilter{Library: true, Graded: &graded})
}

// rerunMigration applies one migration again to a store made at the current
// schema (holding rows as an older install would), as an upgrade runs it.
func rerunMigration(t *testing.T, db *DB, name string) {
	t.Helper()
	ctx := context.Background()
	res, err := db.db.ExecContext(ctx, `DELETE FROM migrations WHERE name = ?`, name)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s was not recorded as applied (%d rows)", name, n)
	}
	if err := db.migrate(ctx); err != nil {
		t.Fatal(err)
	}
}
