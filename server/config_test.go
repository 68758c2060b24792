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
// words (naming the flag or the variable the value came from), before a
// store is opened or a port listened on; the minimum itself is taken.
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
	want = strings.Replace(want, "--key-prepublish", "LTIBOX_KEY_PREPUBLISH", 1) // it names where the value came from
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

// TestEnv_UnreadableValueRefused: an LTIBOX_* variable that is not of its
// flag's kind is refused, naming the variable and what it must be, instead of
// quietly becoming the default (LTIBOX_SESSION_TTL=8 is not 8 hours); the
// flag given on the command line wins over a bad variable.
func TestEnv_UnreadableValueRefused(t *testing.T) {
	for _, tc := range []struct{ name, value, flag, good, want string }{
		{"LTIBOX_SESSION_TTL", "8", "--session-ttl", "8h", `LTIBOX_SESSION_TTL="8" cannot be read: it must be a duration such as 90s, 15m or 8h`},
		{"LTIBOX_KEY_PREPUBLISH", "90", "--key-prepublish", "90m", `LTIBOX_KEY_PREPUBLISH="90" cannot be read: it must be a duration such as 90s, 15m or 8h`},
		{"LTIBOX_DEMO", "ture", "--demo", "true", `LTIBOX_DEMO="ture" cannot be read: it must be true or false`},
		{"LTIBOX_TRUST_PROXY", "on", "--trust-proxy", "false", `LTIBOX_TRUST_PROXY="on" cannot be read: it must be true or false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			var cfg config
			_, err := cfg.parse(newServeFlags(&cfg), nil, io.Discard)
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s=%s: %v, want %q", tc.name, tc.value, err, tc.want)
			}
			var over config
			if _, err := over.parse(newServeFlags(&over), []string{tc.flag + "=" + tc.good}, io.Discard); err != nil {
				t.Errorf("%s=%s with %s=%s: %v, want the flag taken", tc.name, tc.value, tc.flag, tc.good, err)
			}
		})
	}
	for _, v := range []string{"", "0", "no", "FALSE", "1", "yes", "True"} {
		t.Setenv("LTIBOX_DEMO", v)
		var cfg config
		if _, err := cfg.parse(newServeFlags(&cfg), nil, io.Discard); err != nil || cfg.Demo != (v == "1" || v == "yes" || v == "True") {
			t.Errorf("LTIBOX_DEMO=%q: %v, demo %v", v, err, cfg.Demo)
		}
	}
}
