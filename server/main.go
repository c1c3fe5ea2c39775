// Command vardag is the Vardag sync server: the record of truth that home-care staff's
// phones sync with. See the README for how to run it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"vardag/internal/demo"
	"vardag/server/app"
	"vardag/server/config"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(args[1:], os.Getenv, os.Stdout, os.Stderr)
	}
	if len(args) > 0 && args[0] == "init" {
		return runInit(args[1:], os.Getenv, os.Stdout, os.Stderr)
	}
	cfg, err := config.Load(args, os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := newLogger(cfg)
	app.TuneRuntime(os.Getenv)
	files, err := app.RaiseOpenFilesLimit()
	if err != nil {
		log.Warn("vardag: the open-files limit stays low", "err", err)
	}
	a, err := app.New(cfg, log)
	if err != nil {
		log.Error("vardag: unable to start", "err", err)
		return 1
	}
	log.Info("vardag: open-files limit", "limit", files, "streams_max", a.Config.StreamsMax)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("vardag: unable to listen", "addr", cfg.Addr, "err", err)
		_ = a.Shutdown(context.Background())
		return 1
	}
	if cfg.Demo {
		if a.Seeded {
			log.Info("vardag: seeded the demo municipality")
		}
		fmt.Print(demo.Logins())
	}
	// Taken before "listening" is logged: a stop asked for once the server says it
	// listens is a clean stop.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	log.Info("vardag: listening", "addr", ln.Addr().String(), "data", cfg.DataDir)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()

	// Serving ends by itself only on a failure (Serve retries what passes): the exit is then
	// non-zero, so that a service manager restarts the server (systemd's Restart=on-failure).
	failed := false
	select {
	case sig := <-stop:
		log.Info("vardag: stopping", "signal", sig.String())
	case err := <-served:
		log.Error("vardag: serving stopped unexpectedly; stopping with exit status 1", "err", err)
		failed = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		log.Error("vardag: unclean shutdown", "err", err)
		return 1
	}
	if failed {
		log.Error("vardag: exiting after a failure")
		return 1
	}
	log.Info("vardag: stopped")
	return 0
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
