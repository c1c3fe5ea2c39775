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
	a, err := app.New(cfg, log)
	if err != nil {
		log.Error("vardag: unable to start", "err", err)
		return 1
	}
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
	log.Info("vardag: listening", "addr", ln.Addr().String(), "data", cfg.DataDir)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case sig := <-stop:
		log.Info("vardag: stopping", "signal", sig.String())
	case err := <-served:
		log.Error("vardag: server stopped", "err", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		log.Error("vardag: unclean shutdown", "err", err)
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
