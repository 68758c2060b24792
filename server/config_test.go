package main

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestKeyPrepublish_OneRuleForServeAndCLI: serve and the CLI commands take
// --key-prepublish (or LTIBOX_KEY_PREPUBLISH) through one config.parse, so a
// pre-publication shorter than an LMS's cache of the key set plus the time a
// running server takes to see a rotation is refused by each, in the same
// words, before a store is opened or a port listened on; the minimum itself
// is taken.
func TestKeyPrepublish_OneRuleForServeAndCLI(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a serve that took the value would stop at once rather than run on
	refusals := func(extra ...string) map[string]string {
		got := map[string]string{}
		for _, args := range [][]string{
			{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			{"keys", "rotate", "--data", dir},
			{"platform", "list", "--data", dir},
		} {
			err := run(ctx, append(args, extra...), io.Discard, io.Discard)
			if err == nil {
				t.Errorf("%v %v: taken", args, extra)
				continue
			}
			got[strings.Join(args[:slices.Index(args, "--data")], " ")] = err.Error()
		}
		return got
	}
	want := "--key-prepublish 5m0s is too short: LMSs may cache the key set for 5m and a running ltibox sees a rotation within 1m, so use at least " + minKeyPrepublish.String()
	t.Setenv("LTIBOX_KEY_PREPUBLISH", "")
	for cmd, err := range refusals("--key-prepublish", "5m") {
		if err != want {
			t.Errorf("%s --key-prepublish 5m: %q, want %q", cmd, err, want)
		}
	}
	t.Setenv("LTIBOX_KEY_PREPUBLISH", "5m")
	for cmd, err := range refusals() {
		if err != want {
			t.Errorf("%s with LTIBOX_KEY_PREPUBLISH=5m: %q, want %q", cmd, err, want)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the refused commands left %d file(s) in the data directory (%v)", len(entries), err)
	}
	var cfg config
	if _, err := cfg.parse(newServeFlags(&cfg), []string{"--key-prepublish", minKeyPrepublish.String()}, io.Discard); err != nil || cfg.KeyPrepublish != minKeyPrepublish {
		t.Errorf("--key-prepublish %s (the minimum): %v, read as %s", minKeyPrepublish, err, cfg.KeyPrepublish)
	}
}
