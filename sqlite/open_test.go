package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/sqlite"
)

// TestOpen_PathWithURICharacters: a data path holding "#", "?", "%" or a
// space opens exactly that file. The store is opened through a file: URI, where
// "#" ends the path: "/srv/ltibox#2/ltibox.db" used to open "/srv/ltibox",
// shared by every such path (Go names subtests "#00", "#01"…, and tests
// collided in a file left in /tmp).
func TestOpen_PathWithURICharacters(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	for i, dir := range []string{"a#1", "a#2", "b?x=1", "c%20d", "e f"} {
		path := filepath.Join(root, dir, "ltibox.db")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the database is not at its path: %v", dir, err)
		}
		reg := &lti.Registration{Name: dir, Issuer: "https://lms.example", ClientID: "c", AuthURL: "https://lms.example/auth",
			TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks"}
		if err := db.CreateRegistration(ctx, reg); err != nil {
			t.Errorf("%s: the same registration in a new database: %v (opened another file?)", dir, err)
		}
		regs, err := db.Registrations(ctx)
		if err != nil || len(regs) != 1 || regs[0].Name != dir {
			t.Errorf("%s (#%d): registrations %v %v, want only its own", dir, i, regs, err)
		}
		db.Close()
	}
	if _, err := os.Stat(filepath.Join(root, "a")); err == nil {
		t.Error(`a file "a" was created beside "a#1": the path was cut at "#"`)
	}
}
