package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/sqlite"
)

// openStore opens the store and a Tool for CLI commands that need URLs or keys.
func openStore(args []string, name string, stderr io.Writer, extra func(*flag.FlagSet)) (*config, *sqlite.DB, *lti.Tool, []string, error) {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.flags(fs)
	insecure := fs.Bool("allow-loopback-http", false, "accept http URLs on loopback hosts (testing only)")
	if extra != nil {
		extra(fs)
	}
	if err := cfg.parse(fs, args, stderr); err != nil {
		return nil, nil, nil, nil, err
	}
	db, err := sqlite.Open(cfg.dbPath())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tool, err := lti.New(lti.Config{BaseURL: cfg.BaseURL, AllowInsecure: *insecure, KeyPrepublish: cfg.KeyPrepublish}, db, db, db)
	if err != nil {
		db.Close()
		return nil, nil, nil, nil, err
	}
	return &cfg, db, tool, fs.Args(), nil
}

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
	_, db, tool, rest, err := openStore(args[1:], "platform "+args[0], stderr, extra)
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	switch args[0] {
	case "add":
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
		return showPlatform(ctx, db, tool, r.ID, stdout)
	case "list":
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
		if args[0] == "show" {
			return showPlatform(ctx, db, tool, id, stdout)
		}
		if err := db.DeleteRegistration(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Removed platform %d.\n", id)
		return nil
	}
	fmt.Fprintf(stderr, "unknown platform command %q\n", args[0])
	return errUsage
}

func idArg(rest []string) (int64, error) {
	if len(rest) < 1 {
		return 0, fmt.Errorf("give the platform ID (see `ltibox platform list`)")
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the platform ID must be a number, got %q", rest[0])
	}
	return id, nil
}

func showPlatform(ctx context.Context, db *sqlite.DB, tool *lti.Tool, id int64, stdout io.Writer) error {
	r, err := db.Registration(ctx, id)
	if err != nil {
		return err
	}
	deps, err := db.Deployments(ctx, id)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(api.PlatformView{Registration: r, Deployments: deps, ToolURLs: tool.URLs()}, "", "  ")
	fmt.Fprintln(stdout, string(out))
	return nil
}

func cmdDeployment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	_, db, tool, rest, err := openStore(args[1:], "deployment "+args[0], stderr, nil)
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
		return fmt.Errorf("give the deployment ID after the platform ID")
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
	cfg, db, tool, _, err := openStore(args[1:], "keys "+args[0], stderr, extra)
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
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
