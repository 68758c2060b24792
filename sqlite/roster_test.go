package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// MustLaunch stores a launch by subject in course "c-1" of one registration
// and returns the context's id.
func MustLaunch(tb testing.TB, db *sqlite.DB, subject string) int64 {
	tb.Helper()
	contextID, _ := MustLaunchUser(tb, db, subject)
	return contextID
}

// MustLaunchUser is MustLaunch that also returns the user's id.
func MustLaunchUser(tb testing.TB, db *sqlite.DB, subject string) (contextID, userID int64) {
	tb.Helper()
	ctx := context.Background()
	regs, err := db.RegistrationsByIssuer(ctx, "https://lms.example")
	if err != nil {
		tb.Fatal(err)
	}
	var reg *lti.Registration
	if len(regs) > 0 {
		reg = regs[0]
	} else {
		reg = &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c", AuthURL: "https://lms.example/auth",
			TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks", Status: lti.StatusActive}
		if err := db.CreateRegistration(ctx, reg); err != nil {
			tb.Fatal(err)
		}
	}
	s := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", User: &model.User{Subject: subject, Name: subject},
		Context: &model.Context{ContextID: "c-1", Title: "Course"}, MessageType: lti.MessageResourceLink, Role: model.RoleLearner,
		ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateSession(ctx, "hash-"+subject+fmt.Sprint(time.Now().UnixNano()), s); err != nil {
		tb.Fatal(err)
	}
	return s.Context.ID, s.User.ID
}

func learners(from, to int) []lti.Member {
	var ms []lti.Member
	for i := from; i <= to; i++ {
		ms = append(ms, lti.Member{UserID: fmt.Sprintf("u%d", i), Status: lti.MemberActive, Name: fmt.Sprintf("Learner %05d", i),
			Email: fmt.Sprintf("u%d@example.edu", i), Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"}})
	}
	return ms
}

func statuses(t *testing.T, db *sqlite.DB, contextID int64) map[string]string {
	t.Helper()
	ms, err := db.RosterMembers(context.Background(), contextID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		s := m.Status
		if m.LeftAt != nil {
			s += " left"
		}
		out[m.Subject] = s
	}
	return out
}

func TestRoster_FullAndIncrementalRefresh(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	cid := MustLaunch(t, db, "u2") // u2 launched ltibox once

	if _, err := db.RosterState(ctx, cid); model.ErrorCode(err) != model.ENOTFOUND {
		t.Fatalf("state before any sync = %v, want ENOTFOUND", err)
	}
	if err := db.StoreRoster(ctx, cid, sqlite.RosterUpdate{Members: learners(1, 4), Full: true, DifferencesURL: "https://lms.example/diff?since=1"}); err != nil {
		t.Fatal(err)
	}
	st, err := db.RosterState(ctx, cid)
	if err != nil || st.DifferencesURL != "https://lms.example/diff?since=1" || !st.SyncedAt.Equal(now) || !st.FullSyncedAt.Equal(now) {
		t.Fatalf("state = %+v, %v", st, err)
	}
	ms, _ := db.RosterMembers(ctx, cid)
	if len(ms) != 4 || ms[0].Subject != "u1" || ms[0].Roles[0] != "Learner" || ms[0].Email != "u1@example.edu" {
		t.Fatalf("members = %+v", ms)
	}
	if ms[1].LastLaunch == nil || ms[0].LastLaunch != nil {
		t.Errorf("last launch: u1 %v, u2 %v; want only u2's", ms[0].LastLaunch, ms[1].LastLaunch)
	}

	// Incremental: u1 inactive, u2 deleted (no names sent), u5 joins.
	now = now.Add(time.Hour)
	diff := append(learners(5, 5), lti.Member{UserID: "u1", Status: lti.MemberInactive, Name: "Learner 00001"}, lti.Member{UserID: "u2", Status: lti.MemberDeleted})
	if err := db.StoreRoster(ctx, cid, sqlite.RosterUpdate{Members: diff, DifferencesURL: "https://lms.example/diff?since=2"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"u1": "Inactive", "u2": "Inactive left", "u3": "Active", "u4": "Active", "u5": "Active"}
	if d := cmp.Diff(want, statuses(t, db, cid)); d != "" {
		t.Errorf("after differences (-want +got):\n%s", d)
	}
	ms, _ = db.RosterMembers(ctx, cid)
	if ms[1].Subject != "u2" || ms[1].Name != "Learner 00002" || ms[1].LeftAt == nil || !ms[1].LeftAt.Equal(now) {
		t.Errorf("the member who left lost their data: %+v", ms[1])
	}
	st, _ = db.RosterState(ctx, cid)
	if !st.SyncedAt.Equal(now) || st.FullSyncedAt.Equal(now) {
		t.Errorf("an incremental refresh moved full_synced_at: %+v", st)
	}

	// Full listing without u3 and u4: they left; u2 is back.
	now = now.Add(time.Hour)
	if err := db.StoreRoster(ctx, cid, sqlite.RosterUpdate{Members: append(learners(1, 2), learners(5, 5)...), Full: true}); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"u1": "Active", "u2": "Active", "u3": "Inactive left", "u4": "Inactive left", "u5": "Active"}
	if d := cmp.Diff(want, statuses(t, db, cid)); d != "" {
		t.Errorf("after full listing (-want +got):\n%s", d)
	}
	if st, _ := db.RosterState(ctx, cid); st.DifferencesURL != "" {
		t.Errorf("differences link kept although the platform offered none: %q", st.DifferencesURL)
	}
	if n, _ := db.CountRosterMembers(ctx, cid); n != 5 {
		t.Errorf("%d stored members, want 5 (none deleted)", n)
	}
}

func TestRoster_Scores(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	cid, ada := MustLaunchUser(t, db, "u1")
	_, bob := MustLaunchUser(t, db, "u2")
	regs, _ := db.RegistrationsByIssuer(ctx, "https://lms.example")
	quiz := &model.Activity{Title: "Quiz", Graded: true, ScoreMaximum: 10} // library activity, placed in the course
	essay := &model.Activity{Title: "Essay", Graded: true, ScoreMaximum: 20, ContextID: cid}
	reading := &model.Activity{Title: "Reading", ContextID: cid}
	unplaced := &model.Activity{Title: "Draft quiz", Graded: true, ScoreMaximum: 5, ContextID: cid}
	for _, a := range []*model.Activity{quiz, essay, reading, unplaced} {
		if err := db.CreateActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]int64{}
	// A link whose activity nobody chose: the LMS grades it through its line item.
	plain := &model.ResourceLink{RegistrationID: regs[0].ID, DeploymentID: "1", ContextID: cid, ResourceLinkID: "rl-plain"}
	if err := db.UpsertResourceLink(ctx, plain); err != nil {
		t.Fatal(err)
	}
	links["plain"] = plain.ID
	for i, a := range []*model.Activity{quiz, essay, reading} {
		rl := &model.ResourceLink{RegistrationID: regs[0].ID, DeploymentID: "1", ContextID: cid, ResourceLinkID: fmt.Sprintf("rl-%d", i), ActivityID: a.ID}
		if err := db.UpsertResourceLink(ctx, rl); err != nil {
			t.Fatal(err)
		}
		links[a.Title] = rl.ID
	}
	score := func(user int64, link string, max float64, given *float64) {
		t.Helper()
		if _, err := db.CreateScore(ctx, &model.NewScore{RegistrationID: regs[0].ID, LinkID: links[link], UserID: user, ScoreGiven: given,
			ScoreMaximum: max, ActivityProgress: "Completed", GradingProgress: "FullyGraded"}); err != nil {
			t.Fatal(err)
		}
	}
	f := func(v float64) *float64 { return &v }
	score(ada, "Quiz", 10, f(4))
	score(ada, "Quiz", 10, f(7.5)) // the latest counts
	score(ada, "Essay", 20, f(15))
	score(bob, "Quiz", 10, nil) // opened, not scored
	score(bob, "plain", 5, f(5))
	if err := db.StoreRoster(ctx, cid, sqlite.RosterUpdate{Members: learners(1, 3), Full: true}); err != nil {
		t.Fatal(err)
	}
	ms, err := db.RosterMembers(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.ScoreSummary{}
	for _, m := range ms {
		got[m.Subject] = m.Scores
	}
	want := map[string]model.ScoreSummary{
		"u1": {Scored: 2, Activities: 3, Points: 22.5, Maximum: 30},
		"u2": {Scored: 1, Activities: 3, Points: 5, Maximum: 5},
		"u3": {Activities: 3},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("score summaries (-want +got):\n%s", d)
	}
}

func BenchmarkStoreRoster10000(b *testing.B) {
	db := MustOpen(b)
	cid := MustLaunch(b, db, "u1")
	ms := learners(1, 10000)
	b.ResetTimer()
	for range b.N {
		if err := db.StoreRoster(context.Background(), cid, sqlite.RosterUpdate{Members: ms, Full: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// The grading view lists every learner of the course: those seen at launch and,
// once the roster is synced, active NRPS learners who never launched. Teachers
// on the roster and members who left are not learners to grade.
func TestRoster_LearnersReachTheGradebook(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	contextID := MustLaunch(t, db, "launched")
	members := append(learners(1, 3), lti.Member{UserID: "teacher", Status: lti.MemberActive, Name: "Teacher", Roles: []string{"Instructor"}},
		lti.Member{UserID: "gone", Status: lti.MemberInactive, Name: "Gone", Roles: []string{"Learner"}},
		lti.Member{UserID: "launched", Status: lti.MemberActive, Name: "Renamed by the roster", Roles: []string{"Learner"}})
	if err := db.StoreRoster(ctx, contextID, sqlite.RosterUpdate{Members: members, Full: true}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Gradebook(ctx, contextID, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.User.Subject] = r.Source
		if r.Source == "nrps" && r.LastActivity != nil {
			t.Errorf("%s never launched but has last activity %v", r.User.Subject, r.LastActivity)
		}
		if r.User.Subject == "launched" && r.User.Name != "launched" {
			t.Errorf("the roster overwrote a launched user's name: %q", r.User.Name)
		}
	}
	want := map[string]string{"launched": "launch", "u1": "nrps", "u2": "nrps", "u3": "nrps"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gradebook learners (-want +got):\n%s", diff)
	}
	ms, _ := db.RosterMembers(ctx, contextID)
	for _, m := range ms {
		if m.Subject != "launched" && m.LastLaunch != nil {
			t.Errorf("%s never launched but shows last launch %v", m.Subject, m.LastLaunch)
		}
	}
}

// The roster's "Last launch" follows every launch to the minute, however
// often the same person launches.
func TestRoster_LastLaunchIsCurrent(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	cid := MustLaunch(t, db, "grace")
	if err := db.StoreRoster(ctx, cid, sqlite.RosterUpdate{Members: []lti.Member{{UserID: "grace", Name: "grace", Roles: []string{"Instructor"}, Status: lti.MemberActive}}, Full: true}); err != nil {
		t.Fatal(err)
	}
	for _, later := range []time.Duration{20 * time.Minute, 21 * time.Minute} {
		now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).Add(later)
		MustLaunch(t, db, "grace")
		ms, err := db.RosterMembers(ctx, cid)
		if err != nil || len(ms) != 1 || ms[0].LastLaunch == nil || !ms[0].LastLaunch.Equal(now) {
			t.Fatalf("after a launch at %s: members %+v, %v; want last launch %s", now.Format(time.Kitchen), ms, err, now)
		}
	}
}
