package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// config is what every command needs; serve adds listen options.
type config struct {
	DataDir string
	BaseURL string
	// BaseURLFrom says where BaseURL came from: baseURLFlag, baseURLEnv,
	// baseURLStored (what `serve` last ran with, for CLI commands) or
	// baseURLDefault (http://localhost:PORT, a guess).
	BaseURLFrom string
	// AdminTokenFrom names where a configured AdminToken came from
	// ("--admin-token" or "LTIBOX_ADMIN_TOKEN"); empty when none was given.
	AdminTokenFrom string
	Addr           string
	Demo           bool
	TrustProxy     bool
	AdminToken     string
	SessionTTL     time.Duration
	Leeway         time.Duration
	MaxTokenAge    time.Duration
	// RosterMaxAge: a course roster older than this is refreshed from the LMS
	// when an instructor opens it (issue 5).
	RosterMaxAge time.Duration
	// KeyPrepublish: a rotated-in key is published this long before it signs.
	KeyPrepublish time.Duration
	// OutboxRetryWait: how long the console's Retry of one score waits for
	// the LMS's answer (0: the API's default). Not a flag; tests shorten it.
	OutboxRetryWait time.Duration
	// PendingRefresh: how often the open admin console refreshes its count
	// of what waits for approval (0: the API's default). Not a flag; tests
	// shorten it.
	PendingRefresh time.Duration
	// badEnv holds the LTIBOX_* variables that could not be read, in the
	// order met, for parse to refuse (unless their flag was given): a typo
	// such as LTIBOX_SESSION_TTL=8 must not quietly become the default.
	badEnv []envProblem
}

// envProblem is an LTIBOX_* variable whose value is not of its flag's kind.
type envProblem struct{ name, value, want string }

// minKeyPrepublish is the JWKS's Cache-Control max-age plus the time a
// running server takes to see a rotation made with the CLI: a shorter
// pre-publication would let a cached key set miss the new key.
const minKeyPrepublish = lti.JWKSMaxAge + lti.KeyCacheTTL

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envBool reads a yes/no variable; unset or empty is no.
func (c *config) envBool(name string) bool {
	switch v := os.Getenv(name); strings.ToLower(v) {
	case "1", "true", "yes":
		return true
	case "", "0", "false", "no":
		return false
	default:
		c.badEnv = append(c.badEnv, envProblem{name, v, "true or false"})
		return false
	}
}

// envDuration reads a duration variable; unset or empty is def.
func (c *config) envDuration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		c.badEnv = append(c.badEnv, envProblem{name, v, "a duration such as 90s, 15m or 8h"})
		return def
	}
	return d
}

// envFlag is the flag an LTIBOX_* variable stands for (LTIBOX_SESSION_TTL:
// session-ttl).
func envFlag(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "LTIBOX_"), "_", "-"))
}

// flags registers the common flags on fs, defaulting from LTIBOX_* variables.
func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", env("LTIBOX_DATA", "./data"), "data directory (SQLite file, admin token)")
	fs.StringVar(&c.BaseURL, "base-url", env("LTIBOX_BASE_URL", ""), "public base URL of this tool, e.g. https://ltibox.school.edu")
	fs.DurationVar(&c.KeyPrepublish, "key-prepublish", c.envDuration("LTIBOX_KEY_PREPUBLISH", time.Hour), "after a key rotation, publish the new key this long before it signs (at least 6m: the JWKS cache time plus a minute)")
}

func (c *config) serveFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", env("LTIBOX_ADDR", ":8080"), "listen address")
	fs.BoolVar(&c.Demo, "demo", c.envBool("LTIBOX_DEMO"), "mount the built-in demo LMS at /demo-lms and register it")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.envBool("LTIBOX_TRUST_PROXY"), "honour X-Forwarded-* headers from a reverse proxy")
	fs.StringVar(&c.AdminToken, "admin-token", env("LTIBOX_ADMIN_TOKEN", ""), "bearer token for /api/admin (default: generated into DATA/admin-token)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.envDuration("LTIBOX_SESSION_TTL", 8*time.Hour), "how long a launch session lasts")
	fs.DurationVar(&c.Leeway, "leeway", c.envDuration("LTIBOX_LEEWAY", 60*time.Second), "clock skew allowed on id_token times")
	fs.DurationVar(&c.MaxTokenAge, "max-token-age", c.envDuration("LTIBOX_MAX_TOKEN_AGE", 5*time.Minute), "reject id_tokens issued longer ago than this")
	fs.DurationVar(&c.RosterMaxAge, "roster-max-age", c.envDuration("LTIBOX_ROSTER_MAX_AGE", time.Hour), "refresh a course roster from the LMS when it is older than this")
}

// Where config.BaseURL came from.
const (
	baseURLFlag    = "--base-url"
	baseURLEnv     = "LTIBOX_BASE_URL"
	baseURLStored  = "stored"
	baseURLDefault = "default"
)

// parse reads flags and positional arguments in any order
// (`platform show 1 --data DIR` as well as `platform show --data DIR 1`);
// after "--" everything is positional. It returns the positional arguments.
func (c *config) parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["base-url"]:
		c.BaseURLFrom = baseURLFlag
	case os.Getenv("LTIBOX_BASE_URL") != "":
		c.BaseURLFrom = baseURLEnv
	default:
		c.BaseURLFrom = baseURLDefault
	}
	if c.AdminToken != "" {
		c.AdminTokenFrom = "LTIBOX_ADMIN_TOKEN"
		if set["admin-token"] {
			c.AdminTokenFrom = "--admin-token"
		}
	}
	for _, e := range c.badEnv {
		if !set[envFlag(e.name)] {
			return nil, fmt.Errorf("%s=%q cannot be read: it must be %s", e.name, e.value, e.want)
		}
	}
	if c.KeyPrepublish < minKeyPrepublish {
		from := "--key-prepublish"
		if !set["key-prepublish"] && os.Getenv("LTIBOX_KEY_PREPUBLISH") != "" {
			from = "LTIBOX_KEY_PREPUBLISH"
		}
		return nil, fmt.Errorf("%s %s is too short: LMSs may cache the key set for %dm and a running ltibox sees a rotation within %dm, so use at least %s",
			from, c.KeyPrepublish, int(lti.JWKSMaxAge.Minutes()), int(lti.KeyCacheTTL.Minutes()), minKeyPrepublish)
	}
	if c.BaseURL == "" {
		port := "8080"
		if i := strings.LastIndex(c.Addr, ":"); i >= 0 && c.Addr[i+1:] != "" {
			port = c.Addr[i+1:]
		}
		c.BaseURL = "http://localhost:" + port
		c.BaseURLFrom = baseURLDefault
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return rest, nil
}

// parseInterleaved parses fs from args, collecting the arguments that are
// not flags instead of stopping at the first one as flag.Parse does.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil // "--" ends the flags
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func (c *config) dbPath() string { return filepath.Join(c.DataDir, "ltibox.db") }

// adminToken returns the configured admin token, or the one stored in the data
// directory, creating it on first start (0600, readable by the operator only).
func (c *config) adminToken(newToken func() (string, error)) (string, error) {
	if c.AdminToken != "" {
		return c.AdminToken, nil
	}
	path := filepath.Join(c.DataDir, "admin-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return tok, nil
}
