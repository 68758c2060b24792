package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// settingBaseURL is the settings row where `serve` records the base URL it
// runs with, so CLI commands print the URLs that server really answers on.
const settingBaseURL = "serve.base_url"

// storeMode says whether a CLI command may create the data directory.
type storeMode int

const (
	mustExist storeMode = iota // reads or changes existing data: refuse a data directory without ltibox.db
	mayCreate                  // platform add, admin create: a first setup before serve is fine
)

// errNoData is a CLI command run against a data directory ltibox never used.
type errNoData struct{ dir string }

func (e errNoData) Error() string {
	return fmt.Sprintf("no ltibox data in %s: start `ltibox serve --data %s` first or pass --data", e.dir, e.dir)
}

// openStore parses a CLI command's flags and positional arguments, opens the
// store and builds a Tool for commands that need URLs or keys. Without
// --base-url or LTIBOX_BASE_URL the URLs use the base URL `serve` recorded.
func openStore(ctx context.Context, args []string, name string, mode storeMode, stderr io.Writer, extra func(*flag.FlagSet)) (*config, *sqlite.DB, *lti.Tool, []string, error) {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.flags(fs)
	insecure := fs.Bool("allow-loopback-http", false, "accept http URLs on loopback hosts (testing only)")
	if extra != nil {
		extra(fs)
	}
	rest, err := cfg.parse(fs, args, stderr)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if mode == mustExist {
		if _, err := os.Stat(cfg.dbPath()); errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil, nil, errNoData{dir: cfg.DataDir}
		}
	}
	db, err := sqlite.Open(cfg.dbPath())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if cfg.BaseURLFrom == baseURLDefault {
		stored, err := db.Setting(ctx, settingBaseURL, "")
		if err != nil {
			db.Close()
			return nil, nil, nil, nil, err
		}
		if stored != "" {
			cfg.BaseURL, cfg.BaseURLFrom = stored, baseURLStored
		}
	}
	tool, err := lti.New(lti.Config{BaseURL: cfg.BaseURL, AllowInsecure: *insecure, KeyPrepublish: cfg.KeyPrepublish}, db, db, db)
	if err != nil {
		db.Close()
		return nil, nil, nil, nil, err
	}
	return &cfg, db, tool, rest, nil
}

// baseURLNote is what a command that prints URLs says about the base URL
// they use when it may not be the public one ("" when it was given);
// what is the subject of the sentence, e.g. "these URLs assume".
func baseURLNote(cfg *config, what string) string {
	switch {
	case cfg.BaseURLFrom == baseURLDefault:
		return fmt.Sprintf("Note: no base URL is known for %s, so %s %s. Pass --base-url https://ltibox.school.edu (or set LTIBOX_BASE_URL), "+
			"or start `ltibox serve --base-url https://…` on this data directory once and ltibox remembers it.", cfg.DataDir, what, cfg.BaseURL)
	case cfg.BaseURLFrom == baseURLStored && !strings.HasPrefix(cfg.BaseURL, "https://"):
		return fmt.Sprintf("Note: %s %s, the base URL `ltibox serve` last ran with; an LMS needs ltibox's public https URL: "+
			"start serve with --base-url https://… or pass --base-url to this command.", what, cfg.BaseURL)
	}
	return ""
}

// noArgs refuses positional arguments a command does not take.
func noArgs(cmd string, rest []string) error {
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("`ltibox %s` takes no arguments, got %q", cmd, strings.Join(rest, " "))}
	}
	return nil
}

// usageError is a command line ltibox cannot read; it says what is wrong.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func cmdPlatform(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var in api.PlatformInput
	var deployments string
	extra := func(fs *flag.FlagSet) {
		if args[0] != "add" {
			return
		}
		fs.StringVar(&in.Name, "name", "", "display name, e.g. \"Moodle (school)\"")
		fs.StringVar(&in.Issuer, "issuer", "", "platform issuer (iss)")
		fs.StringVar(&in.ClientID, "client-id", "", "client ID the LMS gave ltibox")
		fs.StringVar(&in.AuthURL, "auth-url", "", "platform OIDC auth URL")
		fs.StringVar(&in.TokenURL, "token-url", "", "platform OAuth2 token URL")
		fs.StringVar(&in.TokenAudience, "token-audience", "", "client-assertion audience if not the token URL (Brightspace)")
		fs.StringVar(&in.JWKSURL, "jwks-url", "", "platform JWKS URL")
		fs.StringVar(&in.Preset, "preset", "other", "moodle, canvas, brightspace, blackboard, sakai, schoology or other")
		fs.StringVar(&deployments, "deployment", "", "deployment IDs, comma-separated")
	}
	switch args[0] {
	case "add", "list", "show", "remove":
	default:
		fmt.Fprintf(stderr, "unknown platform command %q\n", args[0])
		return errUsage
	}
	mode := mustExist
	if args[0] == "add" {
		mode = mayCreate
	}
	cfg, db, tool, rest, err := openStore(ctx, args[1:], "platform "+args[0], mode, stderr, extra)
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	switch args[0] {
	case "add":
		if err := noArgs("platform add", rest); err != nil {
			return err
		}
		r := api.RegistrationOf(in)
		if err := api.ValidateRegistration(tool, r); err != nil {
			return err
		}
		if err := db.CreateRegistration(ctx, r); err != nil {
			return err
		}
		for _, d := range strings.Split(deployments, ",") {
			if d = strings.TrimSpace(d); d != "" {
				if _, err := db.AddDeployment(ctx, r.ID, d, lti.StatusActive); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(stdout, "Added platform %d (%s).\n", r.ID, r.Name)
		return showPlatform(ctx, cfg, db, tool, r.ID, stdout, stderr)
	case "list":
		if err := noArgs("platform list", rest); err != nil {
			return err
		}
		regs, err := db.Registrations(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tISSUER\tCLIENT ID\tSTATUS")
		for _, r := range regs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Issuer, r.ClientID, r.Status)
		}
		return tw.Flush()
	case "show", "remove":
		id, err := idArg(rest)
		if err != nil {
			return err
		}
		if len(rest) > 1 {
			return usageError{fmt.Sprintf("`ltibox platform %s` takes one platform ID, got %q", args[0], strings.Join(rest, " "))}
		}
		if args[0] == "show" {
			return noPlatform(cfg, id, showPlatform(ctx, cfg, db, tool, id, stdout, stderr))
		}
		if err := db.DeleteRegistration(ctx, id); err != nil {
			return noPlatform(cfg, id, err)
		}
		fmt.Fprintf(stdout, "Removed platform %d.\n", id)
		return nil
	}
	return nil
}

// noPlatform says which platform is missing from where, for a not-found err.
func noPlatform(cfg *config, id int64, err error) error {
	if model.ErrorCode(err) == model.ENOTFOUND {
		return fmt.Errorf("platform %d not found in %s (see `ltibox platform list`)", id, cfg.DataDir)
	}
	return err
}

func idArg(rest []string) (int64, error) {
	if len(rest) < 1 {
		return 0, usageError{"give the platform ID (see `ltibox platform list`)"}
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return 0, usageError{fmt.Sprintf("the platform ID must be a number, got %q", rest[0])}
	}
	return id, nil
}

// showPlatform prints a platform as the console's API shows it: its
// deployments, the tool URLs and the setup block to paste into the LMS.
// When the base URL those use is a guess, a note on stderr says so.
func showPlatform(ctx context.Context, cfg *config, db *sqlite.DB, tool *lti.Tool, id int64, stdout, stderr io.Writer) error {
	r, err := db.Registration(ctx, id)
	if err != nil {
		return err
	}
	v, err := api.NewPlatformView(ctx, db, tool, r)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(stdout, string(out))
	if note := baseURLNote(cfg, "these URLs assume"); note != "" {
		fmt.Fprintln(stderr, note)
	}
	return nil
}

func cmdDeployment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	_, db, tool, rest, err := openStore(ctx, args[1:], "deployment "+args[0], mustExist, stderr, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	id, err := idArg(rest)
	if err != nil {
		return err
	}
	if len(rest) < 2 || strings.TrimSpace(rest[1]) == "" {
		return usageError{"give the deployment ID after the platform ID"}
	}
	if len(rest) > 2 {
		return usageError{fmt.Sprintf("`ltibox deployment %s` takes a platform ID and one deployment ID, got %q (quote a deployment ID with spaces)", args[0], strings.Join(rest, " "))}
	}
	if args[0] == "add" {
		if _, err := db.AddDeployment(ctx, id, strings.TrimSpace(rest[1]), lti.StatusActive); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added deployment %q to platform %d.\n", rest[1], id)
		return nil
	}
	if err := db.RemoveDeployment(ctx, id, rest[1]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Removed deployment %q from platform %d.\n", rest[1], id)
	return nil
}

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "rotate") {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var now bool
	extra := func(fs *flag.FlagSet) {
		if args[0] == "rotate" {
			fs.BoolVar(&now, "now", false, "a key leaked: sign with a new key at once and withdraw every other key from the JWKS")
		}
	}
	// A rotation needs the keys it replaces: a mistyped --data must not
	// make a new store and report a leaked key replaced.
	cfg, db, tool, rest, err := openStore(ctx, args[1:], "keys "+args[0], mustExist, stderr, extra)
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	if err := noArgs("keys "+args[0], rest); err != nil {
		return err
	}
	const day = "2006-01-02 15:04"
	overlap := tool.Config().KeyOverlap
	if args[0] == "rotate" {
		if now {
			k, err := tool.RotateKeyNow(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "New key %s replaces every other key. A running ltibox signs with it and stops publishing\n"+
				"the others within a minute; LMSs that cached the key set trust the old keys for up to 5 minutes more, and those\n"+
				"that do not refetch it for an unknown key may refuse grade and roster calls until then: retry held grades after that.\n", k.KID)
			return nil
		}
		k, err := tool.RotateKey(ctx)
		if pending := (*lti.RotationPendingError)(nil); errors.As(err, &pending) {
			return fmt.Errorf("%w (if a key leaked, use keys rotate --now)", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "New key %s: a running ltibox publishes it within a minute and starts signing with it at %s UTC\n"+
			"(--key-prepublish %s), so LMSs that cached the key set have it first. The previous key then stays published for %s.\n"+
			"Give serve and this command the same --key-prepublish (or LTIBOX_KEY_PREPUBLISH).\n", k.KID, k.ActiveFrom.UTC().Format(day), cfg.KeyPrepublish, days(overlap))
		return nil
	}
	if _, err := tool.SigningKey(ctx); err != nil {
		return err
	}
	keys, err := db.Keys(ctx)
	if err != nil {
		return err
	}
	at := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tCREATED (UTC)\tSTATE")
	for _, k := range keys {
		var state string
		switch k.State(at) {
		case lti.KeyNext:
			state = "next: signs from " + k.ActiveFrom.UTC().Format(day)
		case lti.KeyCurrent:
			state = "current"
			if k.RetiredAt != nil {
				state += " until " + k.RetiredAt.UTC().Format(day) + ", published until " + k.RetiredAt.Add(overlap).UTC().Format(day)
			}
		case lti.KeyRetired:
			state = "retired " + k.RetiredAt.UTC().Format(day) + ", published until " + k.RetiredAt.Add(overlap).UTC().Format(day)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.KID, k.CreatedAt.UTC().Format(day), state)
	}
	return tw.Flush()
}

// days says a duration in days when it is whole days ("7 days"), else as Go prints it.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := d / (24 * time.Hour); n != 1 {
			return strconv.Itoa(int(n)) + " days"
		}
		return "1 day"
	}
	return d.String()
}
