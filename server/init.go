package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"vardag/server/app"
	"vardag/server/config"
)

// runInit is `vardag init`: the municipality and its first administrator on an empty data
// directory, and the administrator's one-time activation code. Nothing over HTTP can do
// this: an empty server has no route that claims it.
func runInit(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vardag init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage:\n  vardag init -data DIR -municipality NAME -admin USERNAME -admin-name NAME   (the server must be stopped)\n\n")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", "", "data directory (holds vardag.db); created if missing")
	municipality := fs.String("municipality", "", "the municipality's name, such as \"Sjöstads kommun\"")
	admin := fs.String("admin", "", "the first administrator's username (3–32 characters of a–z, 0–9, . _ -)")
	adminName := fs.String("admin-name", "", "the first administrator's full name")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "init: "+msg+" (vardag init -h shows how)")
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case *dataDir == "":
		return usage("-data DIR is required")
	case *municipality == "":
		return usage("-municipality NAME is required")
	case *admin == "":
		return usage("-admin USERNAME is required")
	case *adminName == "":
		return usage("-admin-name NAME is required")
	}
	cfg, err := config.Load([]string{"-data", *dataDir}, getenv, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "init:", err)
		return 2
	}
	cfg.Demo = false
	a, err := app.New(cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(stderr, "init: unable to open the data directory (is the server running?):", err)
		return 1
	}
	first, initErr := a.Init(context.Background(), *municipality, *admin, *adminName)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	closeErr := a.Shutdown(ctx)
	switch {
	case errors.Is(initErr, app.ErrNotBlank):
		fmt.Fprintln(stderr, "init: refused: "+*dataDir+" already holds a municipality or users. init only sets up an empty data directory; nothing was changed.")
		return 1
	case initErr != nil:
		fmt.Fprintln(stderr, "init:", initErr)
		return 1
	case closeErr != nil:
		fmt.Fprintln(stderr, "init: unable to close the store:", closeErr)
		return 1
	}
	fmt.Fprintf(stdout, `Vardag is set up for %s.

The administrator %q has no password yet. Give them this one-time activation code,
on paper or in person (never by e-mail):

    %s

It is valid until %s (72 hours) and can be used once. Start the server, open the app,
choose "Aktivera konto" (Activate account), and enter the username, the code and a new
password; then set up the authenticator app.
`, *municipality, *admin, first.ActivationCode, first.ExpiresAt.Format(time.RFC3339))
	return 0
}
