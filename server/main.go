// Command ltibox is a complete LTI 1.3 Advantage tool in one binary.
//
//	ltibox serve [--demo]            run the server
//	ltibox platform add|list|show|remove
//	ltibox deployment add|remove
//	ltibox keys list|rotate
//	ltibox outbox list|retry
//	ltibox admin create
//	ltibox version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ltibox/ltibox/server/model"
)

var version = "dev"

func main() {
	setGCPercent(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		reportError(os.Stderr, err)
		os.Exit(1)
	}
}

// reportError prints a failed command's error as one plain sentence: an
// application error by its person-readable message (not its code), a
// command line ltibox could not read with a pointer to the usage. errUsage
// means the usage was printed already.
func reportError(stderr io.Writer, err error) {
	var me *model.Error
	var ue usageError
	switch {
	case errors.Is(err, errUsage):
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ltibox: %s (see `ltibox help`).\n", strings.TrimSuffix(ue.msg, "."))
	case errors.As(err, &me):
		fmt.Fprintln(stderr, "ltibox:", me.Message)
	default:
		fmt.Fprintln(stderr, "ltibox:", err)
	}
}

var errUsage = errors.New("usage")

const usage = `ltibox — a complete LTI 1.3 Advantage tool in one binary.

Usage:
  ltibox serve [flags]                 run the server (--demo adds the built-in demo LMS)
  ltibox platform add [flags]          register an LMS by hand
  ltibox platform list                 list registered LMSs
  ltibox platform show ID              one LMS, its deployments and the URLs to paste into it
  ltibox platform remove ID            remove an LMS and everything launched from it
  ltibox deployment add ID DEPLOYMENT  allow a deployment of an LMS
  ltibox deployment remove ID DEPLOYMENT
  ltibox keys list                     list the tool's signing keys
  ltibox keys rotate [--now]           publish a new signing key; it signs after --key-prepublish
                                       (1h) and the old one stays published 7 days; --now, for a
                                       leaked key, signs at once and withdraws every other key
  ltibox outbox list [--all]           scores waiting for (or refused by) the LMS gradebook
  ltibox outbox retry ID...|--failed   send refused scores again after fixing the cause
  ltibox admin create --username NAME create a console administrator (password on stdin)
  ltibox version

Every command takes --data DIR (env LTIBOX_DATA, default ./data) and
--base-url URL (env LTIBOX_BASE_URL; default: the one ltibox serve last ran with on
that data directory, else http://localhost:8080). Flags may come before or after
the arguments; put -- before an argument that starts with "-"
(ltibox deployment add 1 -- -9:abc).
`

// run dispatches a command line; main only wires signals and exit codes, so tests can call run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "platform":
		return cmdPlatform(ctx, args[1:], stdout, stderr)
	case "deployment":
		return cmdDeployment(ctx, args[1:], stdout, stderr)
	case "keys":
		return cmdKeys(ctx, args[1:], stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, args[1:], stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "ltibox", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
