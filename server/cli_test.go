package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// cli runs one ltibox command in-process and returns stdout, stderr and its error.
func cli(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// usedDataDir is a data directory with an (empty) ltibox database, as after a
// first `ltibox serve`: CLI commands that need existing data accept it.
func usedDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "ltibox.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dir
}

// addMoodle registers a platform in dir with the CLI (flags after the subcommand).
func addMoodle(t *testing.T, dir string, extra ...string) (string, string) {
	t.Helper()
	out, errOut, err := cli(append([]string{"platform", "add", "--data", dir, "--name", "Moodle", "--preset", "moodle",
		"--issuer", "https://moodle.example.edu", "--client-id", "AbC", "--auth-url", "https://moodle.example.edu/mod/lti/auth.php",
		"--token-url", "https://moodle.example.edu/mod/lti/token.php", "--jwks-url", "https://moodle.example.edu/mod/lti/certs.php"}, extra...)...)
	if err != nil {
		t.Fatalf("platform add: %v\n%s", err, errOut)
	}
	return out, errOut
}

// TestCLI_BaseURLFromServe: after `serve --base-url https://…` ran on a data
// directory, platform add/show and admin create print that base URL, not
// localhost; the setup block is filled in.
func TestCLI_BaseURLFromServe(t *testing.T) {
	t.Setenv("LTIBOX_BASE_URL", "")
	dir := t.TempDir()
	cfg := config{DataDir: dir, BaseURL: "https://ltibox.school.edu", BaseURLFrom: baseURLFlag, Addr: "127.0.0.1:0",
		SessionTTL: time.Hour, Leeway: time.Minute, MaxTokenAge: 5 * time.Minute, KeyPrepublish: time.Hour}
	a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.close()

	out, errOut := addMoodle(t, dir)
	for _, want := range []string{`"loginUrl": "https://ltibox.school.edu/lti/login"`, `"jwksUrl": "https://ltibox.school.edu/.well-known/jwks.json"`,
		`\"login_url\": \"https://ltibox.school.edu/lti/login\"`, `"where": "Site administration`} {
		if !strings.Contains(out, want) {
			t.Errorf("platform add output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "localhost") || strings.Contains(out, `"json": ""`) || strings.Contains(errOut, "Note") {
		t.Errorf("platform add prints localhost, an empty setup block or a note:\n%s\n%s", out, errOut)
	}
	out, errOut, err = cli("platform", "show", "1", "--data", dir)
	if err != nil || !strings.Contains(out, `"redirectUrl": "https://ltibox.school.edu/lti/launch"`) || strings.Contains(out, "localhost") || errOut != "" {
		t.Errorf("platform show: %v\n%s\n%s", err, out, errOut)
	}
	// --base-url still wins over the stored one.
	out, _, err = cli("platform", "show", "1", "--data", dir, "--base-url", "https://other.example.edu")
	if err != nil || !strings.Contains(out, `"loginUrl": "https://other.example.edu/lti/login"`) {
		t.Errorf("platform show --base-url: %v\n%s", err, out)
	}

	old := stdin
	stdin = strings.NewReader("a long enough password\n")
	defer func() { stdin = old }()
	out, _, err = cli("admin", "create", "--username", "ops", "--data", dir)
	if err != nil || !strings.Contains(out, "Sign in at https://ltibox.school.edu/admin/.") {
		t.Errorf("admin create: %v\n%s", err, out)
	}
}

// TestCLI_BaseURLUnknown: with no base URL given or recorded, the URLs assume
// http://localhost:8080 and the CLI says so and how to give the real one.
func TestCLI_BaseURLUnknown(t *testing.T) {
	t.Setenv("LTIBOX_BASE_URL", "")
	dir := t.TempDir()
	out, errOut := addMoodle(t, dir)
	if !strings.Contains(out, `"loginUrl": "http://localhost:8080/lti/login"`) || strings.Contains(out, `"json": ""`) {
		t.Errorf("platform add:\n%s", out)
	}
	for _, want := range []string{"assume http://localhost:8080", "--base-url https://", "LTIBOX_BASE_URL", "ltibox serve --base-url"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("platform add's note lacks %q:\n%s", want, errOut)
		}
	}
	if _, errOut, _ := cli("platform", "show", "1", "--data", dir); !strings.Contains(errOut, "assume http://localhost:8080") {
		t.Errorf("platform show says nothing about the assumed base URL:\n%s", errOut)
	}
	if _, errOut, _ := cli("platform", "show", "1", "--data", dir, "--base-url", "https://ltibox.school.edu"); errOut != "" {
		t.Errorf("platform show --base-url still adds a note:\n%s", errOut)
	}
}

// TestCLI_FlagsAfterArguments: flags may follow the positional arguments;
// extra arguments are refused with a usage sentence.
func TestCLI_FlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	addMoodle(t, dir, "--base-url", "https://ltibox.school.edu")
	out, _, err := cli("platform", "show", "1", "--data", dir)
	if err != nil || !strings.Contains(out, `"clientId": "AbC"`) {
		t.Fatalf("platform show 1 --data DIR: %v\n%s", err, out)
	}
	if out, _, err := cli("deployment", "add", "1", "7", "--data", dir); err != nil || !strings.Contains(out, `Added deployment "7"`) {
		t.Errorf("deployment add 1 7 --data DIR: %v %s", err, out)
	}
	// An ID that starts with "-" follows "--", which ends the flags.
	if out, _, err := cli("deployment", "add", "--data", dir, "1", "--", "-9:abc"); err != nil || !strings.Contains(out, `Added deployment "-9:abc"`) {
		t.Errorf("deployment add --data DIR 1 -- -9:abc: %v %s", err, out)
	}
	if _, _, err := cli("deployment", "add", "1", "-9:abc", "--data", dir); err == nil {
		t.Error(`deployment add 1 -9:abc (no "--") was taken: a mistyped flag would be too`)
	}
	if out, _, err := cli("platform", "list", "--data", dir); err != nil || !strings.Contains(out, "AbC") {
		t.Errorf("platform list --data DIR: %v %s", err, out)
	}
	if out, _, err := cli("outbox", "list", "--data", dir, "--all"); err != nil || !strings.Contains(out, "STATE") {
		t.Errorf("outbox list --data DIR --all: %v %s", err, out)
	}
	for _, args := range [][]string{
		{"platform", "show", "1", "2", "--data", dir},
		{"platform", "list", "extra", "--data", dir},
		{"keys", "list", "now", "--data", dir},
		{"deployment", "add", "1", "7", "8", "--data", dir},
		{"serve", "--data", dir, "--addr", "127.0.0.1:0", "oops"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		if args[0] == "serve" {
			cancel() // were serve to accept its argument, it would stop at once
		}
		err := run(ctx, args, io.Discard, io.Discard)
		cancel()
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("ltibox %v: %v, want a usage error", args, err)
			continue
		}
		var b bytes.Buffer
		reportError(&b, err)
		if !strings.Contains(b.String(), "ltibox help") || strings.Count(b.String(), "\n") != 1 {
			t.Errorf("ltibox %v prints %q", args, b.String())
		}
	}
	if _, _, err := cli("platform", "show", "1", "--bogus", "--data", dir); !errors.Is(err, errUsage) {
		t.Errorf("unknown flag after the ID: %v", err)
	}
}

// TestCLI_NoStrayDatabase: commands on a data directory ltibox never used do
// not create one (not there, nor ./data), and say what to do.
func TestCLI_NoStrayDatabase(t *testing.T) {
	t.Setenv("LTIBOX_DATA", "")
	cwd := t.TempDir()
	t.Chdir(cwd)
	missing := filepath.Join(t.TempDir(), "nothing-here")
	for _, args := range [][]string{
		{"platform", "list"}, {"platform", "show", "1"}, {"platform", "remove", "1"},
		{"deployment", "add", "1", "2"}, {"deployment", "remove", "1", "2"},
		{"keys", "list"}, {"keys", "rotate"}, {"keys", "rotate", "--now"}, {"outbox", "list"}, {"outbox", "retry", "--failed"},
	} {
		_, _, err := cli(append(args, "--data", missing)...)
		want := "no ltibox data in " + missing + ": start `ltibox serve --data " + missing + "` first or pass --data"
		if err == nil || err.Error() != want {
			t.Errorf("ltibox %v on an unused data directory: %v, want %q", args, err, want)
		}
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("ltibox %v created %s", args, missing)
		}
	}
	if _, _, err := cli("platform", "list"); err == nil || !strings.Contains(err.Error(), "no ltibox data in ./data") {
		t.Errorf("platform list with the default ./data: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("platform list created ./data")
	}
}

// TestCLI_ErrorsArePlainSentences: the error a person sees is one sentence,
// not the "ltibox error: code=… message=…" of the application error type.
func TestCLI_ErrorsArePlainSentences(t *testing.T) {
	dir := t.TempDir()
	addMoodle(t, dir, "--base-url", "https://ltibox.school.edu")
	_, _, err := cli("platform", "show", "9", "--data", dir)
	var b bytes.Buffer
	reportError(&b, err)
	if want := "ltibox: platform 9 not found in " + dir + " (see `ltibox platform list`)\n"; b.String() != want {
		t.Errorf("platform show 9 prints %q, want %q", b.String(), want)
	}
	_, _, err = cli("deployment", "add", "9", "1", "--data", dir)
	b.Reset()
	reportError(&b, err)
	if strings.Contains(b.String(), "code=") || strings.Count(b.String(), "ltibox") != 1 || !strings.Contains(b.String(), "not found") {
		t.Errorf("deployment add to a missing platform prints %q", b.String())
	}
	b.Reset()
	reportError(&b, model.Errorf(model.ECONFLICT, "That platform is already registered."))
	if b.String() != "ltibox: That platform is already registered.\n" {
		t.Errorf("an application error prints %q", b.String())
	}
}

// TestServe_StartupLines: the startup lines name the console and where the
// admin token comes from, and never print a configured token.
func TestServe_StartupLines(t *testing.T) {
	t.Setenv("LTIBOX_ADMIN_TOKEN", "")
	parse := func(args ...string) config {
		t.Helper()
		var cfg config
		fs := newServeFlags(&cfg)
		if _, err := cfg.parse(fs, args, io.Discard); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	text := func(cfg config) string { return strings.Join(startupLines(cfg), "\n") }
	got := text(parse("--data", "/srv/ltibox", "--base-url", "https://ltibox.school.edu"))
	for _, want := range []string{"Admin console: https://ltibox.school.edu/admin/", "in /srv/ltibox/admin-token"} {
		if !strings.Contains(got, want) {
			t.Errorf("startup lines lack %q:\n%s", want, got)
		}
	}
	got = text(parse("--data", "/srv/ltibox", "--admin-token", "s3cret-token"))
	if !strings.Contains(got, "the value of --admin-token") || strings.Contains(got, "s3cret") || strings.Contains(got, "/srv/ltibox/admin-token") {
		t.Errorf("with --admin-token:\n%s", got)
	}
	t.Setenv("LTIBOX_ADMIN_TOKEN", "env-s3cret")
	got = text(parse("--data", "/srv/ltibox"))
	if !strings.Contains(got, "the value of LTIBOX_ADMIN_TOKEN") || strings.Contains(got, "env-s3cret") || strings.Contains(got, "/srv/ltibox/admin-token") {
		t.Errorf("with LTIBOX_ADMIN_TOKEN:\n%s", got)
	}
}

// TestServe_DemoReachWarning: --demo warns when the demo cannot work from
// the browsers that will open it.
func TestServe_DemoReachWarning(t *testing.T) {
	t.Setenv("LTIBOX_BASE_URL", "")
	for _, c := range []struct {
		args         []string
		warn, broken bool // broken: the demo cannot launch at all (a warning); else advice
	}{
		{[]string{"--demo", "--base-url", "http://192.0.2.2:18081"}, true, true},
		{[]string{"--demo", "--base-url", "http://ltibox.lan:8080"}, true, true},
		{[]string{"--demo", "--addr", "0.0.0.0:8080"}, true, false},
		{[]string{"--demo", "--addr", ":8080"}, true, false}, // make run: works here, advice for elsewhere
		{[]string{"--demo", "--addr", "127.0.0.1:8080"}, false, false},
		{[]string{"--demo", "--addr", "localhost:8080"}, false, false},
		{[]string{"--demo", "--addr", ":8080", "--base-url", "http://localhost:8080"}, false, false},
		{[]string{"--demo", "--base-url", "https://demo.example.edu"}, false, false},
		{[]string{"--base-url", "http://192.0.2.2:18081"}, false, false}, // not the demo: the https warning covers it
	} {
		var cfg config
		if _, err := cfg.parse(newServeFlags(&cfg), c.args, io.Discard); err != nil {
			t.Fatal(err)
		}
		w, broken := demoReachWarning(cfg)
		if (w != "") != c.warn || broken != c.broken {
			t.Errorf("serve %v: message %q broken %v, want a message: %v, broken: %v", c.args, w, broken, c.warn, c.broken)
		}
		if c.warn && (!strings.Contains(w, "http://localhost:") || !strings.Contains(w, "ssh -L") || !strings.Contains(w, "https")) {
			t.Errorf("serve %v: warning does not say how: %q", c.args, w)
		}
	}
}
