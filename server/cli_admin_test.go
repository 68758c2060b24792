package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ltibox/ltibox/sqlite"
)

func TestCLI_AdminCreate(t *testing.T) {
	dir := t.TempDir()
	runWith := func(input string, args ...string) (string, error) {
		old := stdin
		stdin = strings.NewReader(input)
		defer func() { stdin = old }()
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"admin", "create", "--data", dir}, args...), &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := runWith("short\n", "--username", "ops"); err == nil || !strings.Contains(err.Error(), "at least 10 characters") {
		t.Fatalf("weak password accepted: %v %s", err, out)
	}
	if out, err := runWith("a long enough password\n", "--username", "ops"); err != nil || !strings.Contains(out, `Administrator "ops" created`) {
		t.Fatalf("create: %v %s", err, out)
	}
	if _, err := runWith("a long enough password\n", "--username", "ops"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate accepted: %v", err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "ltibox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, hash, err := db.AdminPasswordHash(context.Background(), "ops")
	if err != nil || a.Username != "ops" {
		t.Fatalf("stored admin: %v %v", a, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("a long enough password")) != nil || strings.Contains(hash, "long enough") {
		t.Errorf("password not stored as a bcrypt hash")
	}
}
