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

	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/model"
)

// stdin is where `admin create` reads the password (tests replace it).
var stdin io.Reader = os.Stdin

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
	_, db, tool, _, err := openStore(args[1:], "admin create", stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Username, "username", "admin", "the administrator's username")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	in.Password = os.Getenv("LTIBOX_ADMIN_PASSWORD")
	if in.Password == "" {
		fmt.Fprintf(stderr, "Password for %s (at least %d characters), then Enter: ", in.Username, api.MinPasswordLength)
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		in.Password = strings.TrimRight(line, "\r\n")
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
	fmt.Fprintf(stdout, "Administrator %q created. Sign in at <base URL>/admin/.\n", a.Username)
	return nil
}
