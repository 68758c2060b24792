package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/model"
)

// stdin is where `admin create` reads the password (tests replace it).
var stdin io.Reader = os.Stdin

// readPassword reads a password without echoing it when r is a terminal;
// ok is false when r is not one (a pipe or a file: read it as a line).
func readPassword(r io.Reader) (pw string, ok bool, err error) {
	f, isFile := r.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return "", false, nil
	}
	b, err := term.ReadPassword(int(f.Fd()))
	return string(b), true, err
}

// cmdAdmin is `ltibox admin create --username NAME`: creates a console
// administrator. The password is read from the first line of standard input
// (or LTIBOX_ADMIN_PASSWORD), never from a flag, so it stays out of shell
// history and process lists.
func cmdAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var in model.Credentials
	cfg, db, tool, rest, err := openStore(ctx, args[1:], "admin create", mayCreate, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Username, "username", "admin", "the administrator's username")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	if err := noArgs("admin create", rest); err != nil {
		return err
	}
	in.Password = os.Getenv("LTIBOX_ADMIN_PASSWORD")
	if in.Password == "" {
		fmt.Fprintf(stderr, "Password for %s (at least %d characters), then Enter: ", in.Username, api.MinPasswordLength)
		pw, typed, err := readPassword(stdin)
		if !typed {
			var line string
			line, err = bufio.NewReader(stdin).ReadString('\n')
			if errors.Is(err, io.EOF) {
				err = nil
			}
			pw = strings.TrimRight(line, "\r\n")
		}
		if err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		in.Password = pw
		fmt.Fprintln(stderr)
	}
	if err := api.ValidateCredentials(&in); err != nil {
		return errors.New(model.ErrorMessage(err))
	}
	hash, err := api.HashPassword(in.Password)
	if err != nil {
		return errors.New(model.ErrorMessage(err))
	}
	a, err := db.CreateAdmin(ctx, in.Username, hash)
	if err != nil {
		return errors.New(model.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Administrator %q created. Sign in at %s/admin/.\n", a.Username, cfg.BaseURL)
	if note := baseURLNote(cfg, "that address assumes"); note != "" {
		fmt.Fprintln(stderr, note)
	}
	return nil
}
